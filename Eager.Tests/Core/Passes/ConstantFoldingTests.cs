namespace Eager.Tests.Core.Passes;

public class ConstantFoldingTests
{
    [Test]
    public void FoldsAChainOfConstantsWithTheOpsOwnKernels()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(3), "x");
            var c = Ops.Exp(Tensor.From(new[] { 0.0, 1.0, 2.0 })) * 2.0;
            y = x + c;
        }
        var result = PassCheck.Optimize(g, [y], new ConstantFolding());
        Assert.That(PassCheck.OpNames(g), Is.EqualTo(new[] { "Placeholder", "Const", "Exp", "Const", "Multiply", "Add" }));
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float64, shape=(3,)) -> float64(3,)",
            "Multiply = Const(value=[2 5.43656 14.7781]) -> float64(3,)",
            "Add = Add(x:0, Multiply:0) -> float64(3,)",
        }));
        var feeds = new FeedDict { { x, Tensor.From(new[] { 1.0, 2.0, 3.0 }) } };
        var got = PassCheck.SameAsPlain(g, [y], feeds, new SessionOptions { Rewriter = new PassPipeline(new ConstantFolding()).AsRewriter() });
        var want = Tensor.From(new[] { 1.0, 2.0, 3.0 }) + Ops.Exp(Tensor.From(new[] { 0.0, 1.0, 2.0 })) * 2.0;
        PassCheck.AssertClose(got[0], want);
    }

    [Test]
    public void AFoldedTransposeIsLaidOutContiguously()
    {
        // Imported filters are Transpose(Const); a strided constant would be copied by every convolution that reads it.
        var g = new Graph();
        Tensor y;
        using (g.AsDefault()) y = Ops.Transpose(Ops.Constant(Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } })), [1, 0]);
        var result = PassCheck.Optimize(g, [y], new ConstantFolding());
        var folded = result.Nodes.Single(n => n.Op.Name == "Const").Attrs.Get<Tensor>("value");
        Assert.That(folded.IsContiguous, Is.True);
        Assert.That(folded.Shape, Is.EqualTo(new Shape(3, 2)));
        Assert.That(folded.ToArray<float>(), Is.EqualTo(new[] { 1f, 4f, 2f, 5f, 3f, 6f }));
    }

    [Test]
    public void AFetchedNodeBecomesAConstantOfTheSameName()
    {
        var g = new Graph();
        Tensor y;
        using (g.AsDefault()) y = Ops.Square(Ops.Constant(Tensor.From(new[] { 3f, 4f })));
        var result = PassCheck.Optimize(g, [y], new ConstantFolding());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[] { "Square = Const(value=[9 16]) -> float32(2,)" }));
        using var s = new Session(g);
        Assert.That(s.Run(y).ToArray<float>(), Is.EqualTo(new[] { 9f, 16f }));
    }

    [Test]
    public void LeavesStatefulNodesBlowUpsAndFailingKernelsAlone()
    {
        var g = new Graph();
        var v = new Variable(Tensor.Ones(new Shape(2)), "v");
        Tensor read, big, bad;
        using (g.AsDefault())
        {
            read = Ops.Square(v.Read());
            big = Ops.BroadcastTo(Ops.Constant(Tensor.Scalar(1f)), new Shape(512, 512));
            // Fails only when run: integers to a negative integer power.
            bad = Ops.Pow(Ops.Constant(Tensor.From(new[] { 2 })), Ops.Constant(Tensor.From(new[] { -1 })));
        }
        var result = PassCheck.Optimize(g, [read, big, bad], new ConstantFolding());
        Assert.That(PassCheck.OpNames(result), Is.EquivalentTo(new[] { "ReadVariable", "Square", "Const", "BroadcastTo", "Const", "Const", "Pow" }));
        using var s = new Session(g);
        var e = Assert.Throws<ArgumentException>(() => s.Run(bad));
        Assert.That(e!.Message, Does.Contain("negative"));
    }

    [Test]
    public void GradientsBuiltInTheGraphFoldToo()
    {
        var g = new Graph();
        Tensor x, grad;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(3), "x");
            var y = Ops.ReduceSum(Ops.Square(x) * Ops.Exp(Ops.Constant(Tensor.Scalar(1.0))));
            grad = Ops.Gradients(y, [x])[0]!;
        }
        var feeds = new FeedDict { { x, Tensor.From(new[] { 1.0, -2.0, 0.5 }) } };
        var got = PassCheck.SameAsPlain(g, [grad], feeds);
        var want = Tensor.From(new[] { 1.0, -2.0, 0.5 }) * (2 * Math.E);
        PassCheck.AssertClose(got[0], want);
    }
}
