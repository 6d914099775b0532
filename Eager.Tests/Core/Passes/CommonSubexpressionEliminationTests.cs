namespace Eager.Tests.Core.Passes;

public class CommonSubexpressionEliminationTests
{
    [Test]
    public void MergesEqualNodesCommutedInputsAndEqualScalars()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            var w = Ops.Placeholder(DType.Float32, new Shape(2), "w");
            var a = Ops.Exp(x) * 2f;
            var b = Ops.Exp(x) * 2f;
            y = Ops.Add(a, b) + Ops.Multiply(x, w) + Ops.Multiply(w, x);
        }
        var result = PassCheck.Optimize(g, [y], new CommonSubexpressionElimination());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float32, shape=(2,)) -> float32(2,)",
            "w = Placeholder(dtype=float32, shape=(2,)) -> float32(2,)",
            "Exp = Exp(x:0) -> float32(2,)",
            "Const = Const(value=[2]) -> float32()",
            "Multiply = Multiply(Exp:0, Const:0) -> float32(2,)",
            "Add = Add(Multiply:0, Multiply:0) -> float32(2,)",
            "Multiply_2 = Multiply(x:0, w:0) -> float32(2,)",
            "Add_1 = Add(Add:0, Multiply_2:0) -> float32(2,)",
            "Add_2 = Add(Add_1:0, Multiply_2:0) -> float32(2,)",
        }));
    }

    [Test]
    public void NeverMergesStatefulNodes()
    {
        var g = new Graph();
        var v = new Variable(Tensor.Ones(new Shape(2)), "v");
        Tensor y;
        using (g.AsDefault()) y = v.Read() + v.Read();
        var result = PassCheck.Optimize(g, [y], new CommonSubexpressionElimination());
        Assert.That(PassCheck.OpNames(result).Count(n => n == "ReadVariable"), Is.EqualTo(2));
    }

    [Test]
    public void AKeptDuplicateBecomesAnIdentity()
    {
        var g = new Graph();
        Tensor x, a, b;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            a = Ops.Exp(x);
            b = Ops.Exp(x);
        }
        var result = PassCheck.Optimize(g, [a, b], new CommonSubexpressionElimination());
        Assert.That(PassCheck.Lines(result)[^1], Is.EqualTo("Exp_1 = Identity(Exp:0) -> float32(2,)"));
        var got = PassCheck.SameAsPlain(g, [a, b], new FeedDict { { x, Tensor.From(new[] { 0f, 1f }) } });
        PassCheck.AssertClose(got[1], Ops.Exp(Tensor.From(new[] { 0f, 1f })));
    }
}
