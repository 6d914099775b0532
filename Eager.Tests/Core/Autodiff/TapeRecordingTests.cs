namespace Eager.Tests.Core.Autodiff;

/// <summary>The recording bookkeeping: watch marks on tensors and the chunked record log.</summary>
public class TapeRecordingTests
{
    [Test]
    public void ChainLongerThanOneLogChunkDifferentiates()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x;
        for (int i = 0; i < 2500; i++) y = y * 1.0001 + 0.5; // 5000 records: several chunks
        Assert.That(tape.Gradient(y, x)!.Item<double>(), Is.EqualTo(Math.Pow(1.0001, 2500)).Within(1e-9));
    }

    [Test]
    public void PersistentTapeRecordsWhileAnsweringAcrossChunks()
    {
        var x = Tensor.Scalar(0.5);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x;
        for (int i = 0; i < 1100; i++) y = y + 0.001;
        var z = y * y * y;
        var dz = tape.Gradient(z, x)!;
        var d2z = tape.Gradient(dz, x)!;
        double v = 0.5 + 1.1;
        Assert.That(dz.Item<double>(), Is.EqualTo(3 * v * v).Within(1e-9));
        Assert.That(d2z.Item<double>(), Is.EqualTo(6 * v).Within(1e-9));
    }

    [Test]
    public void NestedTapesEachSeeTheirOwnWatches()
    {
        var x = Tensor.Scalar(3.0);
        var w = Tensor.Scalar(2.0);
        using var outer = new GradientTape();
        outer.Watch(x);
        using var inner = new GradientTape();
        inner.Watch(w);
        var y = x * w;
        Assert.That(inner.Gradient(y, w)!.Item<double>(), Is.EqualTo(3.0));
        Assert.That(outer.Gradient(y, x)!.Item<double>(), Is.EqualTo(2.0));
    }

    [Test]
    public void NestedTapesBothRecordAnOpOnASharedWatchedTensor()
    {
        var x = Tensor.Scalar(3.0);
        using var outer = new GradientTape();
        outer.Watch(x);
        using var inner = new GradientTape();
        inner.Watch(x);
        var y = x * x;
        Assert.That(inner.Gradient(y, x)!.Item<double>(), Is.EqualTo(6.0));
        Assert.That(outer.Gradient(y, x)!.Item<double>(), Is.EqualTo(6.0));
    }

    [Test]
    public void ALongLivedTensorDoesNotCollectMarksOfDeadTapes()
    {
        var weight = Tensor.Scalar(1.5);
        using var live = new GradientTape();
        live.Watch(weight);
        for (int i = 0; i < 50; i++)
        {
            using var tape = new GradientTape();
            tape.Watch(weight);
            var loss = weight * weight;
            Assert.That(tape.Gradient(loss, weight)!.Item<double>(), Is.EqualTo(3.0));
        }
        using var last = new GradientTape();
        last.Watch(weight);
        Assert.That(weight.Watchers is object[] { Length: <= 3 } or not object[], Is.True, "dead tapes' marks are pruned");
        Assert.That(live.Gradient(weight * weight, weight)!.Item<double>(), Is.EqualTo(3.0));
    }

    [Test]
    public void ATapeThatAnsweredForgetsItsWatches()
    {
        var x = Tensor.Scalar(2.0);
        var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        _ = tape.Gradient(x * x, x);
        tape.Dispose();
        using var next = new GradientTape();
        var y = x * x; // x is not watched by the new tape
        Assert.That(next.Gradient(y, x), Is.Null);
    }
}
