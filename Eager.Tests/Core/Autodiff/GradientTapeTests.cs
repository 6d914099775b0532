namespace Eager.Tests.Core.Autodiff;

public class GradientTapeTests
{
    private static Tensor X => Tensor.From(new[] { 1.0, -2.0, 3.0 });

    [Test]
    public void NonPersistentTapeAnswersOnceThenThrows()
    {
        var x = Tensor.Scalar(3f);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        Assert.That(tape.Gradient(y, x)!.Item<float>(), Is.EqualTo(6f));
        var e = Assert.Throws<InvalidOperationException>(() => tape.Gradient(y, x));
        Assert.That(e!.Message, Does.Contain("persistent: true"));
    }

    [Test]
    public void PersistentTapeAnswersManyTimes()
    {
        var x = Tensor.Scalar(2.0);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x * x;
        var z = y * y;
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(4.0));
        Assert.That(tape.Gradient(z, x)!.Item<double>(), Is.EqualTo(32.0));
        Assert.That(tape.Gradient(z, y)!.Item<double>(), Is.EqualTo(8.0));
    }

    [Test]
    public void DisposedTapeRefusesToAnswer()
    {
        var x = Tensor.Scalar(2.0);
        var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x * x;
        tape.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tape.Gradient(y, x));
        Assert.Throws<ObjectDisposedException>(() => tape.Watch(x));
    }

    [Test]
    public void OpsAfterDisposeAreNotRecorded()
    {
        var x = Tensor.Scalar(2.0);
        var tape = new GradientTape();
        tape.Watch(x);
        tape.Dispose();
        using var other = new GradientTape();
        other.Watch(x);
        var y = x * x;
        Assert.That(other.Gradient(y, x)!.Item<double>(), Is.EqualTo(4.0));
    }

    [Test]
    public void UnwatchedTensorGivesNull()
    {
        var x = X;
        using var tape = new GradientTape();
        var y = x * x;
        Assert.That(tape.Gradient(y, x), Is.Null);
    }

    [Test]
    public void GradientOfANonScalarTargetIsTheGradientOfItsSum()
    {
        var x = X;
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        Assert.That(tape.Gradient(y, x)!.ToArray<double>(), Is.EqualTo(new[] { 2.0, -4.0, 6.0 }));
    }

    [Test]
    public void OutputGradientsWeightTheTarget()
    {
        var x = X;
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        var g = tape.Gradient(y, x, outputGradients: Tensor.From(new[] { 1.0, 0.0, -1.0 }));
        Assert.That(g!.ToArray<double>(), Is.EqualTo(new[] { 2.0, 0.0, -6.0 }));
    }

    [Test]
    public void OutputGradientsOfTheWrongShapeOrDTypeAreRejected()
    {
        var x = X;
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x * x;
        var e = Assert.Throws<ArgumentException>(() => tape.Gradient(y, x, outputGradients: Tensor.From(new[] { 1.0, 2.0 })));
        Assert.That(e!.Message, Does.Contain("(2,)").And.Contain("(3,)"));
        Assert.Throws<ArgumentException>(() => tape.Gradient(y, x, outputGradients: Tensor.From(new[] { 1f, 2f, 3f })));
    }

    [Test]
    public void UnconnectedSourceIsNullOrZerosOnRequest()
    {
        var x = X;
        var other = Tensor.From(new double[,] { { 1, 2 } });
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        tape.Watch(other);
        var y = x * 2.0;
        Assert.That(tape.Gradient(y, other), Is.Null);
        var z = tape.Gradient(y, other, unconnected: UnconnectedGradients.Zero)!;
        Assert.That(z.Shape, Is.EqualTo(other.Shape));
        Assert.That(z.ToArray<double>(), Is.EqualTo(new[] { 0.0, 0.0 }));
    }

    [Test]
    public void UnreadVariableWithZeroPolicyGetsZerosOfItsShape()
    {
        var v = new Variable(Tensor.Ones(new Shape(2, 2)), name: "unused");
        var x = X;
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * 2.0;
        var g = tape.Gradient(y, new[] { v }, unconnected: UnconnectedGradients.Zero);
        Assert.That(g[0]!.Shape, Is.EqualTo(new Shape(2, 2)));
        Assert.That(g[0]!.ToArray<float>(), Is.All.EqualTo(0f));
    }

    [Test]
    public void IntegerAndBoolSourcesGiveNull()
    {
        var i = Tensor.From(new[] { 1, 2, 3 });
        var b = Tensor.From(new[] { true, false });
        var x = X;
        using var tape = new GradientTape(persistent: true);
        tape.Watch(i);
        tape.Watch(b);
        tape.Watch(x);
        var y = i * i;
        Assert.That(tape.Gradient(y, i), Is.Null);
        Assert.That(tape.Gradient(y, i, unconnected: UnconnectedGradients.Zero), Is.Null);
        Assert.That(tape.Gradient(x * x, b), Is.Null);
        Assert.That(tape.Gradient(y, x), Is.Null, "an integer target carries no gradient");
    }

    [Test]
    public void StopGradientBlocksOnePath()
    {
        var x = Tensor.Scalar(3.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * Ops.StopGradient(x);
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(3.0));
    }

    [Test]
    public void IdentityPassesTheGradientOnce()
    {
        var x = Tensor.Scalar(3.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.Identity(x) * 2.0;
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(2.0));
    }

    [Test]
    public void StopRecordingHidesOpsFromThisTapeOnly()
    {
        var x = Tensor.Scalar(3.0);
        using var outer = new GradientTape(persistent: true);
        using var tape = new GradientTape(persistent: true);
        outer.Watch(x);
        tape.Watch(x);
        Tensor hidden;
        using (tape.StopRecording()) hidden = x * x;
        var y = hidden + x;
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(1.0));
        Assert.That(outer.Gradient(y, x)!.Item<double>(), Is.EqualTo(7.0));
        Assert.That(tape.Gradient(hidden, x), Is.Null);
    }

    [Test]
    public void NoGradientHidesOpsFromEveryTape()
    {
        var x = Tensor.Scalar(3.0);
        using var outer = new GradientTape(persistent: true);
        using var inner = new GradientTape(persistent: true);
        outer.Watch(x);
        inner.Watch(x);
        Tensor y;
        using (GradientTape.NoGradient())
        {
            Assert.That(GradientTape.IsNoGradient, Is.True);
            y = x * x;
        }
        Assert.That(GradientTape.IsNoGradient, Is.False);
        Assert.That(outer.Gradient(y, x), Is.Null);
        Assert.That(inner.Gradient(y, x), Is.Null);
    }

    [Test]
    public void NestedTapesGiveSecondDerivatives()
    {
        var x = Tensor.Scalar(3.0);
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor dy;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            var y = x * x * x;
            dy = inner.Gradient(y, x)!;
        }
        Assert.That(dy.Item<double>(), Is.EqualTo(27.0));
        Assert.That(outer.Gradient(dy, x)!.Item<double>(), Is.EqualTo(18.0));
    }

    [Test]
    public void ThreeNestedTapesGiveThirdDerivatives()
    {
        var x = Tensor.Scalar(2.0);
        using var t3 = new GradientTape();
        using var t2 = new GradientTape();
        using var t1 = new GradientTape();
        t1.Watch(x); t2.Watch(x); t3.Watch(x);
        var y = x * x * x * x;                       // x^4
        var d1 = t1.Gradient(y, x)!;                  // 4x^3 = 32
        var d2 = t2.Gradient(d1, x)!;                 // 12x^2 = 48
        var d3 = t3.Gradient(d2, x)!;                 // 24x = 48
        Assert.That(new[] { d1.Item<double>(), d2.Item<double>(), d3.Item<double>() }, Is.EqualTo(new[] { 32.0, 48.0, 48.0 }));
    }

    [Test]
    public void PersistentTapeRecordsItsOwnBackwardPass()
    {
        var x = Tensor.Scalar(3.0);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x * x * x;
        var dy = tape.Gradient(y, x)!;
        Assert.That(tape.Gradient(dy, x)!.Item<double>(), Is.EqualTo(18.0));
    }

    [Test]
    public void FanOutAccumulates()
    {
        var x = Tensor.Scalar(2.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var a = x * 3.0;
        var y = a * a + a + x;                      // 9x^2 + 3x + x
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(40.0));
    }

    [Test]
    public void GradientWithRespectToTheTargetItselfIsOnes()
    {
        var x = X;
        using var tape = new GradientTape();
        tape.Watch(x);
        Assert.That(tape.Gradient(x, x)!.ToArray<double>(), Is.EqualTo(new[] { 1.0, 1.0, 1.0 }));
    }

    [Test]
    public void BroadcastGradientsReduceToTheInputShape()
    {
        var m = Tensor.From(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var row = Tensor.From(new[] { 1.0, 1.0, 1.0 });
        using var tape = new GradientTape();
        tape.Watch(row);
        var y = m * row;
        var g = tape.Gradient(y, row)!;
        Assert.That(g.Shape, Is.EqualTo(new Shape(3)));
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 5.0, 7.0, 9.0 }));
    }

    [Test]
    public void TapeFlowsIntoTasksStartedInsideItsScope()
    {
        var x = Tensor.Scalar(2.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Task.Run(() => x * x).Result;
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(4.0));
    }

    [Test]
    public void NullArgumentsAreRejected()
    {
        using var tape = new GradientTape();
        Assert.Throws<ArgumentNullException>(() => tape.Watch((Tensor)null!));
        Assert.Throws<ArgumentNullException>(() => tape.Gradient(null!, X));
    }
}
