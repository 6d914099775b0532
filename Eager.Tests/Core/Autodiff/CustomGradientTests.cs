namespace Eager.Tests.Core.Autodiff;

public class CustomGradientTests
{
    // Forward: x * x; backward: deliberately 10 * grad, so the tests can tell which rule ran.
    private static Tensor Marked(Tensor x) => Ops.CustomGradient(
        f => f[0] * f[0],
        (_, _, g) => [g * 10.0],
        x);

    [Test]
    public void ForwardValueIsTheForwardFunction()
    {
        var y = Marked(Tensor.From(new[] { 2.0, 3.0 }));
        Assert.That(y.ToArray<double>(), Is.EqualTo(new[] { 4.0, 9.0 }));
    }

    [Test]
    public void TheUsersBackwardReplacesTheForwardsGradient()
    {
        var x = Tensor.From(new[] { 2.0, 3.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Marked(x) * 2.0;
        Assert.That(tape.Gradient(y, x)!.ToArray<double>(), Is.EqualTo(new[] { 20.0, 20.0 }));
    }

    [Test]
    public void BackwardSeesInputsOutputAndGradient()
    {
        var x = Tensor.From(new[] { 2.0 });
        Tensor[]? seenInputs = null;
        Tensor? seenOutput = null, seenGrad = null;
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.CustomGradient(f => f[0] * 3.0, (ins, o, g) =>
        {
            seenInputs = ins; seenOutput = o; seenGrad = g;
            return [g * 3.0];
        }, x);
        var g = tape.Gradient(y * 5.0, x)!;
        Assert.That(g.Item<double>(), Is.EqualTo(15.0));
        Assert.That(seenInputs!, Has.Length.EqualTo(1));
        Assert.That(ReferenceEquals(seenInputs![0], x), Is.True);
        Assert.That(seenOutput!.Item<double>(), Is.EqualTo(6.0));
        Assert.That(seenGrad!.Item<double>(), Is.EqualTo(5.0));
    }

    [Test]
    public void StableLogOnePlusExpGradient()
    {
        // The classic use: log(1 + e^x) with gradient 1 - 1/(1 + e^x) written to stay finite.
        var x = Tensor.From(new[] { -1.0, 0.0, 1.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.CustomGradient(
            f => Tensor.From(f[0].ToArray<double>().Select(v => Math.Log(1 + Math.Exp(v))).ToArray()),
            (f, _, g) => [g * Tensor.From(f[0].ToArray<double>().Select(v => 1 / (1 + Math.Exp(-v))).ToArray())],
            x);
        var grad = tape.Gradient(y, x)!.ToArray<double>();
        Assert.That(grad, Is.EqualTo(new[] { 1 / (1 + Math.E), 0.5, 1 / (1 + 1 / Math.E) }).Within(1e-12));
    }

    [Test]
    public void NullGradientsLeaveAnInputUnconnected()
    {
        var x = Tensor.Scalar(2.0);
        var y = Tensor.Scalar(3.0);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        tape.Watch(y);
        var z = Ops.CustomGradient(f => f[0] * f[1], (f, _, g) => [g * f[1], null], x, y);
        Assert.That(tape.Gradient(z, x)!.Item<double>(), Is.EqualTo(3.0));
        Assert.That(tape.Gradient(z, y), Is.Null);
    }

    [Test]
    public void NestedTapesDifferentiateTheBackwardFunction()
    {
        // forward x^3 with backward 3 x^2 g: the outer tape records the backward and gives 6x.
        var x = Tensor.Scalar(2.0);
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor dy;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            var y = Ops.CustomGradient(f => f[0] * f[0] * f[0], (f, _, g) => [g * f[0] * f[0] * 3.0], x);
            dy = inner.Gradient(y, x)!;
        }
        Assert.That(dy.Item<double>(), Is.EqualTo(12.0));
        Assert.That(outer.Gradient(dy, x)!.Item<double>(), Is.EqualTo(12.0));
    }

    [Test]
    public void WrongNumberOfGradientsIsReported()
    {
        var x = Tensor.Scalar(2.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.CustomGradient(f => f[0] * 2.0, (_, _, g) => [g, g], x);
        var e = Assert.Throws<InvalidOperationException>(() => tape.Gradient(y, x));
        Assert.That(e!.Message, Does.Contain("CustomGradient").And.Contain("2 gradients for 1 inputs"));
    }

    [Test]
    public void WronglyShapedGradientIsReported()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.CustomGradient(f => Ops.ReduceSum(f[0]), (_, _, g) => [g], x);
        var e = Assert.Throws<InvalidOperationException>(() => tape.Gradient(y, x));
        Assert.That(e!.Message, Does.Contain("CustomGradient").And.Contain("(2,)"));
    }

    [Test]
    public void NullFunctionsAreRejected()
    {
        var x = Tensor.Scalar(1.0);
        Assert.Throws<ArgumentNullException>(() => Ops.CustomGradient(null!, (_, _, g) => [g], x));
        Assert.Throws<ArgumentNullException>(() => Ops.CustomGradient(f => f[0], null!, x));
        Assert.Throws<InvalidOperationException>(() => Ops.CustomGradient(_ => null!, (_, _, g) => [g], x));
    }

    [Test]
    public void InAGraphTheForwardBecomesNodesAndTheGradientIsSymbolic()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Constant(Tensor.From(new[] { 1.0, 2.0 }));
            using var tape = new GradientTape();
            tape.Watch(x);
            var y = Marked(x);
            Assert.That(y.IsSymbolic, Is.True);
            Assert.That(y.Node!.Op.Name, Is.EqualTo("CustomGradient"));
            Assert.That(g.Nodes.Any(n => n.Op.Name == "Multiply"), Is.True, "the forward was built into the graph");
            var dx = tape.Gradient(y, x)!;
            Assert.That(dx.IsSymbolic, Is.True);
            Assert.That(dx.Shape, Is.EqualTo(new Shape(2)));
            // The symbolic gradient is grad * 10 (the user's rule), not 2 x grad.
            Assert.That(dx.Node!.Op.Name, Is.EqualTo("Multiply"));
            Assert.That(dx.Node.Inputs.Any(i => i.Node!.Op.Name == "OnesLike"), Is.True);
            using var sess = new Session(g);
            var both = sess.Run(new[] { y, dx });
            Assert.That(both[0].ToArray<double>(), Is.EqualTo(new[] { 1.0, 4.0 }));
            Assert.That(both[1].ToArray<double>(), Is.EqualTo(new[] { 10.0, 10.0 }));
        }
    }
}
