namespace Eager.Tests.Core.Graphs;

public class GraphVerifierTests
{
    private static (Graph G, Tensor X, Tensor Y, Tensor Z) Small()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var y = x * 2f;
            var z = Ops.ReduceSum(y, axis: 1);
            return (g, x, y, z);
        }
    }

    [Test]
    public void AValidGraphPasses()
    {
        var (g, _, _, _) = Small();
        Assert.That(GraphVerifier.Check(g), Is.Empty);
        Assert.DoesNotThrow(() => GraphVerifier.Verify(g));
    }

    [Test]
    public void ACycleIsReportedWithTheNodeAndItsNeighbours()
    {
        var (g, _, y, z) = Small();
        y.Node!.Inputs = [z, y.Node.Inputs[1]];
        var e = Assert.Throws<InvalidGraphException>(() => GraphVerifier.Verify(g));
        Assert.That(e!.Message, Does.Contain("cycle").And.Contain(y.Node.Name).And.Contain("Multiply"));
    }

    [Test]
    public void AnInputFromAnotherGraphIsReported()
    {
        var (g, _, y, _) = Small();
        var (_, otherX, _, _) = Small();
        y.Node!.Inputs = [otherX, y.Node.Inputs[1]];
        Assert.That(GraphVerifier.Check(g), Has.Some.Contains("not in this graph"));
    }

    [Test]
    public void AnInconsistentDTypeIsReported()
    {
        var (g, x, y, _) = Small();
        using (g.AsDefault())
        {
            var d = Ops.Placeholder(DType.Float64, new Shape(-1, 2), name: "d");
            var n = Ops.Identity(x).Node!;
            n.Inputs = [d];
            var problems = GraphVerifier.Check(g);
            Assert.That(problems, Has.Some.Contains("float32").And.Some.Contains("float64"));
            n.Inputs = [x];
            y.Node!.Inputs = [y.Node.Inputs[0], d];
            Assert.That(GraphVerifier.Check(g), Has.Some.Contains("rejects"));
        }
    }

    [Test]
    public void ADanglingControlInputIsReported()
    {
        var (g, _, y, _) = Small();
        var (_, _, otherY, _) = Small();
        y.Node!.ControlInputs = [otherY.Node!];
        Assert.That(GraphVerifier.Check(g), Has.Some.Contains("control input"));
    }

    [Test]
    public void ThePrinterShowsNodesAttrsAndVariables()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
            _ = Ops.MatMul(x, w);
        }
        var text = g.ToString();
        Assert.That(text, Does.Contain("variable w: float32(2, 1)"));
        Assert.That(text, Does.Contain("x = Placeholder(dtype=float32, shape=(None, 2)) -> float32(None, 2)"));
        Assert.That(text, Does.Contain("MatMul(x:0, w/read:0; transposeA=false, transposeB=false) -> float32(None, 1)"));
        Assert.That(text, Does.Contain("variable=w"));
    }
}
