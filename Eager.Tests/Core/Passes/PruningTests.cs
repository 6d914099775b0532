namespace Eager.Tests.Core.Passes;

public class PruningTests
{
    [Test]
    public void RemovesWhatTheFetchDoesNotNeedButKeepsStatefulNodes()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(3), "x");
            var unused = Ops.Exp(x);
            y = Ops.Square(x);
        }
        var copy = GraphCopy.Extract(g, g.Nodes, [], out _, out _);
        var keep = new HashSet<string> { "x", y.Node!.Name };
        var result = new Pruning().Run(copy, new PassContext(keep), out bool changed);
        Assert.That(changed, Is.True);
        GraphVerifier.Verify(result);
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float32, shape=(3,)) -> float32(3,)",
            "Square = Square(x:0) -> float32(3,)",
        }));
    }

    [Test]
    public void DropsAControlInputTheNodeAlreadyWaitsFor()
    {
        var g = new Graph();
        Tensor a, b;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            a = Dispatcher.Apply(MathOps.ExpDef, [x], Attrs.Empty, "a")[0];
            using (g.ControlDependencies(a)) b = Ops.Negate(Ops.Identity(a, "id"));
        }
        Assert.That(PassCheck.Lines(g)[^1], Does.Contain("^a"));
        var result = PassCheck.Optimize(g, [b], new Pruning());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float32, shape=(2,)) -> float32(2,)",
            "a = Exp(x:0) -> float32(2,)",
            "id = Identity(a:0) -> float32(2,)",
            "Negate = Negate(id:0) -> float32(2,)",
        }));
    }

    [Test]
    public void KeepsAStatefulNodeNothingReads()
    {
        var g = new Graph();
        var v = new Variable(Tensor.Zeros(new Shape(2)), "v");
        Tensor y;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            Ops.AssignAdd(v, x);
            y = x * 2f;
        }
        var copy = GraphCopy.Extract(g, g.Nodes, [], out _, out _);
        var result = new Pruning().Run(copy, new PassContext(new HashSet<string> { "x", y.Node!.Name }), out _);
        Assert.That(PassCheck.OpNames(result), Does.Contain("AssignAdd"));
    }
}
