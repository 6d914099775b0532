namespace Eager.Tests.Core.Graphs;

public class SymbolicGradientTests
{
    [Test]
    public void GradientsMatchTheTape()
    {
        var xv = Tensor.From(new double[,] { { 0.5, -1 }, { 2, 3 } });
        var wv = Tensor.From(new double[,] { { 1, -2 }, { 0.25, 4 } });
        Tensor f(Tensor x, Tensor w) => Ops.ReduceSum(Ops.MatMul(x, w) * x / (w + 10.0), axis: 0);

        Tensor[] eager;
        using (var tape = new GradientTape())
        {
            tape.Watch(xv); tape.Watch(wv);
            eager = [.. tape.Gradient(f(xv, wv), new[] { xv, wv }).Select(t => t!)];
        }
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(-1, 2), name: "x");
            var w = Ops.Placeholder(DType.Float64, new Shape(2, 2), name: "w");
            var grads = Ops.Gradients(f(x, w), new[] { x, w });
            GraphVerifier.Verify(g);
            Assert.That(grads[0]!.Name, Does.StartWith("gradients/"));
            using var s = new Session(g);
            var got = s.Run(new[] { grads[0]!, grads[1]! }, new FeedDict { { x, xv }, { w, wv } });
            for (int i = 0; i < 2; i++)
                Assert.That(got[i].ToArray<double>(), Is.EqualTo(eager[i].ToArray<double>()).Within(1e-12));
        }
    }

    [Test]
    public void AVariableReadStandsForTheVariable()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new Variable(Tensor.From(new float[,] { { 1 }, { 2 } }), name: "w");
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var loss = Ops.ReduceSum(Ops.MatMul(x, w)) + Ops.ReduceSum((Tensor)w * (Tensor)w);
            var byRead = Ops.Gradients(loss, new[] { (Tensor)w });
            var byVar = Ops.Gradients(loss, new[] { w });
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            var feed = new FeedDict { { x, Tensor.From(new float[,] { { 1, 1 }, { 2, 3 } }) } };
            // d/dw sum(xw) = column sums of x = (3, 4); d/dw sum(w*w) = 2w = (2, 4).
            Assert.That(s.Run(byRead[0]!, feed).ToArray<float>(), Is.EqualTo(new[] { 5f, 8f }));
            Assert.That(s.Run(byVar[0]!, feed).ToArray<float>(), Is.EqualTo(new[] { 5f, 8f }));
        }
    }

    [Test]
    public void UnconnectedSourcesGiveNullOrZeros()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(3), name: "x");
            var z = Ops.Placeholder(DType.Float32, new Shape(3), name: "z");
            var y = Ops.ReduceSum(x * 2f);
            Assert.That(Ops.Gradients(y, new[] { z })[0], Is.Null);
            var zero = Ops.Gradients(y, new[] { z }, unconnected: UnconnectedGradients.Zero)[0]!;
            var stopped = Ops.Gradients(Ops.ReduceSum(Ops.StopGradient(x)), new[] { x })[0];
            Assert.That(stopped, Is.Null);
            using var s = new Session(g);
            Assert.That(s.Run(zero, new FeedDict { { z, Tensor.Ones(new Shape(3)) } }).ToArray<float>(), Is.EqualTo(new[] { 0f, 0f, 0f }));
        }
    }

    [Test]
    public void GradYsWeightTheOutputs()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            var y = x * x;
            var gx = Ops.Gradients(new[] { y, x * 3f }, new[] { x }, new Tensor?[] { Tensor.From(new[] { 1f, 10f }), null })[0]!;
            using var s = new Session(g);
            Assert.That(s.Run(gx, new FeedDict { { x, Tensor.From(new[] { 1f, 2f }) } }).ToArray<float>(), Is.EqualTo(new[] { 5f, 43f }));
            Assert.Throws<ArgumentException>(() => Ops.Gradients(y, new[] { x }, Tensor.Ones(new Shape(3))));
        }
    }

    [Test]
    public void TensorsOfOtherGraphsOrEagerTensorsAreRefused()
    {
        var g1 = new Graph();
        var g2 = new Graph();
        Tensor a, b;
        using (g1.AsDefault()) a = Ops.Placeholder(DType.Float32, new Shape(2), name: "a") * 2f;
        using (g2.AsDefault()) b = Ops.Placeholder(DType.Float32, new Shape(2), name: "b");
        Assert.Throws<ArgumentException>(() => Ops.Gradients(a, new[] { b }));
        Assert.Throws<ArgumentException>(() => Ops.Gradients(Tensor.Ones(new Shape(2)), new[] { b }));
    }
}
