namespace Eager.Tests.Core.Autodiff;

/// <summary>A tape used inside a traced function builds a symbolic gradient from the same rules.</summary>
public class TapeInFunctionTests
{
    [Test]
    public void GradientOfAWatchedArgument()
    {
        var f = Function.Create((Tensor x) =>
        {
            using var tape = new GradientTape();
            tape.Watch(x);
            var y = x * x * x;
            return tape.Gradient(y, x)!;
        });
        var x = Tensor.From(new[] { 1.0, 2.0, -3.0 });
        Assert.That(f.Invoke(x).ToArray<double>(), Is.EqualTo(new[] { 3.0, 12.0, 27.0 }));
        Assert.That(f.Invoke(Tensor.From(new[] { 0.5, 1.0, 2.0 })).ToArray<double>(), Is.EqualTo(new[] { 0.75, 3.0, 12.0 }));
        Assert.That(f.TraceCount, Is.EqualTo(1));
    }

    [Test]
    public void GradientOfACapturedVariableUpdatesItInPlace()
    {
        var w = new Variable(Tensor.From(new[] { 1.0, 1.0 }), name: "w");
        var target = Tensor.From(new[] { 3.0, -1.0 });
        var step = Function.Create((Tensor t) =>
        {
            using var tape = new GradientTape();
            var err = w - t;
            var loss = Ops.ReduceSum(err * err);
            var g = tape.Gradient(loss, w)!;
            w.AssignSub(g * 0.25);
            return loss;
        });
        double first = step.Invoke(target).Item<double>();
        for (int i = 0; i < 20; i++) step.Invoke(target);
        Assert.That(first, Is.EqualTo(8.0));
        Assert.That(((Tensor)w).ToArray<double>(), Is.EqualTo(new[] { 3.0, -1.0 }).Within(1e-5));
    }

    [Test]
    public void SecondDerivativeWithNestedTapesInAFunction()
    {
        var f = Function.Create((Tensor x) =>
        {
            using var outer = new GradientTape();
            outer.Watch(x);
            Tensor d;
            using (var inner = new GradientTape())
            {
                inner.Watch(x);
                d = inner.Gradient(x * x * x, x)!;
            }
            return outer.Gradient(d, x)!;
        });
        Assert.That(f.Invoke(Tensor.From(new[] { 1.0, 2.0 })).ToArray<double>(), Is.EqualTo(new[] { 6.0, 12.0 }));
    }
}
