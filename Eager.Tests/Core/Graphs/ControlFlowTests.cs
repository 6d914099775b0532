namespace Eager.Tests.Core.Graphs;

public class ControlFlowTests
{
    private static Tensor Zero => Tensor.Scalar(0f);

    [Test]
    public void EagerCondAndWhileAreCSharpBranchesAndLoops()
    {
        var x = Tensor.From(new[] { 1f, 2f });
        Assert.That(Ops.Cond(Tensor.Scalar(true), () => x * 2f, () => x).ToArray<float>(), Is.EqualTo(new[] { 2f, 4f }));
        Assert.That(Ops.WhileLoop(v => Ops.Less(Ops.ReduceSum(v), Tensor.Scalar(20f)), v => v * 2f, x).ToArray<float>(), Is.EqualTo(new[] { 8f, 16f }));
        Assert.That(Ops.WhileLoop(_ => Tensor.Scalar(true), v => v + 1f, x, maximumIterations: 3).ToArray<float>(), Is.EqualTo(new[] { 4f, 5f }));
    }

    [Test]
    public void OnlyTheTakenBranchRuns()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var p = Ops.Placeholder(DType.Bool, Shape.Scalar, "p");
            var x = Ops.Placeholder(DType.Float32, new Shape(-1), "x");
            var taken = new Variable(Tensor.Zeros(new Shape(2)), name: "taken", trainable: false);
            var y = Ops.Cond(p,
                () => { taken.AssignAdd(Tensor.From(new[] { 1f, 0f })); return x * 2f; },
                () => { taken.AssignAdd(Tensor.From(new[] { 0f, 1f })); return Ops.Negate(x); });
            Assert.That(y.Shape, Is.EqualTo(new Shape(-1)));
            GraphVerifier.Verify(g);
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            var data = Tensor.From(new[] { 1f, 2f, 3f });
            Assert.That(s.Run(y, new FeedDict { { p, Tensor.Scalar(true) }, { x, data } }).ToArray<float>(), Is.EqualTo(new[] { 2f, 4f, 6f }));
            Assert.That(s.Run(y, new FeedDict { { p, Tensor.Scalar(false) }, { x, data } }).ToArray<float>(), Is.EqualTo(new[] { -1f, -2f, -3f }));
            Assert.That(s.Run(y, new FeedDict { { p, Tensor.Scalar(true) }, { x, data } }).ToArray<float>(), Is.EqualTo(new[] { 2f, 4f, 6f }));
            Assert.That(s.Run(taken).ToArray<float>(), Is.EqualTo(new[] { 2f, 1f }));
            Assert.That(g.ToString(), Does.Contain("then (").And.Contain("else ("));
        }
    }

    [Test]
    public void CondGradientsMatchTheTapeOnBothBranches()
    {
        foreach (bool branch in new[] { true, false })
        {
            var xv = Tensor.From(new[] { 0.5, -1.5, 2.0 });
            var wv = Tensor.From(new[] { 3.0, 1.0, -2.0 });
            Tensor F(Tensor p, Tensor x, Tensor w) => Ops.ReduceSum(Ops.Cond(p, () => x * x * w, () => Ops.Sin(x) + w));
            Tensor?[] want;
            using (var tape = new GradientTape())
            {
                tape.Watch(xv); tape.Watch(wv);
                want = tape.Gradient(F(Tensor.Scalar(branch), xv, wv), new[] { xv, wv });
            }
            var g = new Graph();
            using (g.AsDefault())
            {
                var p = Ops.Placeholder(DType.Bool, Shape.Scalar, "p");
                var x = Ops.Placeholder(DType.Float64, new Shape(3), "x");
                var w = Ops.Placeholder(DType.Float64, new Shape(3), "w");
                var grads = Ops.Gradients(F(p, x, w), new[] { x, w });
                GraphVerifier.Verify(g);
                using var s = new Session(g);
                var got = s.Run(new[] { grads[0]!, grads[1]! }, new FeedDict { { p, Tensor.Scalar(branch) }, { x, xv }, { w, wv } });
                Assert.That(got[0].ToArray<double>(), Is.EqualTo(want[0]!.ToArray<double>()).Within(1e-12), $"dx, branch {branch}");
                Assert.That(got[1].ToArray<double>(), Is.EqualTo(want[1]!.ToArray<double>()).Within(1e-12), $"dw, branch {branch}");
            }
        }
    }

    [Test]
    public void ATapeInsideAFunctionDifferentiatesThroughCondAndWhile()
    {
        var w = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
        var f = Function.Create((Tensor x) =>
        {
            using var tape = new GradientTape();
            var wv = w.Read();
            var y = Ops.Cond(Ops.Greater(Ops.ReduceSum(x), Zero), () => x * wv, () => x + wv);
            var z = Ops.WhileLoop(v => Ops.Less(Ops.ReduceSum(v), Tensor.Scalar(100f)), v => v * 3f, y);
            return tape.Gradient(Ops.ReduceSum(z), w)!;
        });
        // x = (1, 1): y = w = (1, 2), sum 3 -> 9 -> 27 -> 81 -> 243: four triplings; dz/dw = x * 81.
        Assert.That(f.Invoke(Tensor.From(new[] { 1f, 1f })).ToArray<float>(), Is.EqualTo(new[] { 81f, 81f }));
        // x = (-1, -1): y = x + w = (0, 1), sum 1 -> 243 after five triplings: dz/dw = 243.
        Assert.That(f.Invoke(Tensor.From(new[] { -1f, -1f })).ToArray<float>(), Is.EqualTo(new[] { 243f, 243f }));
        Assert.That(f.TraceCount, Is.EqualTo(1));
    }

    [Test]
    public void ALoopVariableThatGrowsGetsAnUnknownDimension()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            var outs = Ops.WhileLoop(v => Ops.Less(v[1], Tensor.Scalar(3)), v => [Ops.Concat([v[0], v[0]]), v[1] + 1], [x, Tensor.Scalar(0)]);
            Assert.That(outs[0].Shape, Is.EqualTo(new Shape(-1)));
            using var s = new Session(g);
            var r = s.Run(outs, new FeedDict { { x, Tensor.From(new[] { 1f, 2f }) } });
            Assert.That(r[0].Shape, Is.EqualTo(new Shape(16)));
            Assert.That(r[1].Item<int>(), Is.EqualTo(3));
        }
    }

    [Test]
    public void WhileGradientsMatchTheTape()
    {
        var xv = Tensor.From(new[] { 0.3, -0.2 });
        var cv = Tensor.From(new[] { 1.5, 0.5 });
        Tensor[] Loop(Tensor x, Tensor c) => Ops.WhileLoop(
            v => Ops.Less(v[1], Tensor.Scalar(4)),
            v => [Ops.Sin(v[0]) * c + v[0], v[1] + 1],
            [x, Tensor.Scalar(0)]);
        Tensor?[] want;
        using (var tape = new GradientTape())
        {
            tape.Watch(xv); tape.Watch(cv);
            want = tape.Gradient(Ops.ReduceSum(Ops.Square(Loop(xv, cv)[0])), new[] { xv, cv });
        }
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(2), "x");
            var c = Ops.Placeholder(DType.Float64, new Shape(2), "c");
            var grads = Ops.Gradients(Ops.ReduceSum(Ops.Square(Loop(x, c)[0])), new[] { x, c });
            GraphVerifier.Verify(g);
            using var s = new Session(g);
            var got = s.Run(new[] { grads[0]!, grads[1]! }, new FeedDict { { x, xv }, { c, cv } });
            Assert.That(got[0].ToArray<double>(), Is.EqualTo(want[0]!.ToArray<double>()).Within(1e-12));
            Assert.That(got[1].ToArray<double>(), Is.EqualTo(want[1]!.ToArray<double>()).Within(1e-12));
        }
    }

    [Test]
    public void FunctionsWithControlFlowSaveAndLoad()
    {
        var f = Function.Create((Tensor x) =>
        {
            var y = Ops.Cond(Ops.Greater(Ops.ReduceSum(x), Zero), () => x * 2f, () => -x);
            return Ops.WhileLoop(v => Ops.Less(Ops.ReduceSum(v), Tensor.Scalar(100f)), v => v + 7f, y);
        });
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1), DType.Float32));
        var path = Path.Combine(Path.GetTempPath(), $"eager-cf-{Guid.NewGuid():N}.eagergraph");
        try
        {
            cf.Save(path);
            var back = ConcreteFunction.Load(path);
            GraphVerifier.Verify(back.Graph);
            foreach (var data in new[] { new[] { 1f, 2f }, new[] { -3f, -4f, -5f } })
                Assert.That(back.Invoke(Tensor.From(data)).ToArray<float>(), Is.EqualTo(cf.Invoke(Tensor.From(data)).ToArray<float>()));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void BadPredicatesAndMismatchedBranchesAreRefused()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), "x");
            Assert.That(Assert.Throws<ArgumentException>(() => Ops.Cond(x, () => x, () => x))!.Message, Does.Contain("bool scalar"));
            var p = Ops.Placeholder(DType.Bool, Shape.Scalar, "p");
            Assert.That(Assert.Throws<ArgumentException>(() => Ops.Cond(p, () => x, () => Ops.Cast(x, DType.Float64)))!.Message,
                Does.Contain("float32").And.Contain("float64"));
            Assert.Throws<ArgumentException>(() => Ops.WhileLoop(v => v, v => v, x));
            Assert.Throws<ArgumentException>(() => Ops.WhileLoop(_ => p, v => Ops.Reshape(v, 1, 2), x));
        }
        Assert.Throws<ArgumentException>(() => Ops.Cond(Tensor.Scalar(1f), () => Zero, () => Zero));
    }
}
