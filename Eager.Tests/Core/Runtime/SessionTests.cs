namespace Eager.Tests.Core.Runtime;

public class SessionTests
{
    private static readonly Tensor Data = Tensor.From(new float[,] { { 1, 1 }, { 2, 3 } });

    [Test]
    public void RunsAMatMulWithAnUnknownBatchDimension()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var y = Ops.MatMul(x, Tensor.From(new float[,] { { 1 }, { 2 } }));
            Assert.That(y.Shape, Is.EqualTo(new Shape(-1, 1)));
            GraphVerifier.Verify(g);
            using var s = new Session(g);
            Assert.That(s.Run(y, new FeedDict { { x, Data } }).ToArray<float>(), Is.EqualTo(new[] { 3f, 8f }));
            var three = Tensor.From(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
            Assert.That(y.Eval(s, new FeedDict { { x, three } }).ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        }
    }

    [Test]
    public void AMissingFeedNamesThePlaceholder()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "inputs");
            var y = x * 2f;
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(y));
            Assert.That(e!.Message, Does.Contain("'inputs'").And.Contain("must be fed"));
        }
    }

    [Test]
    public void AFeedOfTheWrongShapeOrDTypeNamesBoth()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var y = x * 2f;
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { { x, Tensor.Zeros(new Shape(2, 3)) } }));
            Assert.That(e!.Message, Does.Contain("'x'").And.Contain("(2, 3)").And.Contain("(None, 2)"));
            e = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { { x, Tensor.Zeros(new Shape(2, 2), DType.Float64) } }));
            Assert.That(e!.Message, Does.Contain("float64").And.Contain("float32").And.Contain("'x'"));
            e = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { { x, Tensor.Zeros(new Shape(2)) } }));
            Assert.That(e!.Message, Does.Contain("(2,)"));
        }
    }

    [Test]
    public void ReadingAnUninitialisedVariableNamesIt()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new Variable(Tensor.Ones(new Shape(2)), name: "weights");
            var y = w * 2f;
            using var s = new Session(g);
            var e = Assert.Throws<InvalidOperationException>(() => s.Run(y));
            Assert.That(e!.Message, Does.Contain("'weights'").And.Contain("FailedPrecondition"));
            s.Run(Ops.GlobalVariablesInitializer());
            Assert.That(s.Run(y).ToArray<float>(), Is.EqualTo(new[] { 2f, 2f }));
            Assert.That(s.Run(w).ToArray<float>(), Is.EqualTo(new[] { 1f, 1f }));
        }
    }

    [Test]
    public void AVariableCanStartFromAnotherVariable()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
            var w2 = new Variable((Tensor)w * 3f, name: "w2");
            var w3 = new Variable(w.InitializedValue! + 1f, name: "w3");
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            var r = s.Run(new[] { (Tensor)w2, w3.Read() });
            Assert.That(r[0].ToArray<float>(), Is.EqualTo(new[] { 3f, 6f }));
            Assert.That(r[1].ToArray<float>(), Is.EqualTo(new[] { 2f, 3f }));
        }
    }

    [Test]
    public void FetchesFromAnotherGraphOrConcreteTensorsAreRefused()
    {
        var g1 = new Graph();
        var g2 = new Graph();
        Tensor a;
        using (g2.AsDefault()) a = Ops.Placeholder(DType.Float32, Shape.Scalar, "a") * 2f;
        using var s = new Session(g1);
        var e = Assert.Throws<ArgumentException>(() => s.Run(a));
        Assert.That(e!.Message, Does.Contain("another graph"));
        Assert.Throws<ArgumentException>(() => s.Run(Tensor.Scalar(1f)));
        Assert.Throws<ArgumentException>(() => s.Run(Array.Empty<Tensor>(), new FeedDict { { a, Tensor.Scalar(1f) } }));
    }

    [Test]
    public void ADisposedSessionRefusesToRun()
    {
        var g = new Graph();
        Tensor y;
        using (g.AsDefault()) y = Ops.Constant(Tensor.Scalar(1f)) * 2f;
        var s = new Session(g);
        Assert.That(s.Run(y).Item<float>(), Is.EqualTo(2f));
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Run(y));
        s.Dispose();
    }

    [Test]
    public void PlansAreCachedPerRequestAndPrunedToWhatTheFetchNeeds()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            var unrelated = Ops.Placeholder(DType.Float32, new Shape(2), name: "unrelated");
            var y = x * 2f;
            _ = unrelated * 3f + y;
            using var s = new Session(g);
            var feeds = new FeedDict { { x, Tensor.Ones(new Shape(2)) } };
            s.Run(y, feeds);
            s.Run(y, new FeedDict { { x, Tensor.Zeros(new Shape(2)) } });
            Assert.That(s.CachedPlanCount, Is.EqualTo(1));
            s.Run(new[] { y, x }, feeds);
            Assert.That(s.CachedPlanCount, Is.EqualTo(2));
            var compiled = s.CompiledGraph([y], feeds);
            GraphVerifier.Verify(compiled);
            Assert.That(compiled.Nodes.Select(n => n.Op.Name), Is.EquivalentTo(new[] { "Placeholder", "Const", "Multiply" }));
        }
    }

    [Test]
    public void AnIntermediateTensorCanBeFed()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            var h = x * 2f;
            var y = h + 1f;
            using var s = new Session(g);
            // x is not needed once h is fed.
            Assert.That(s.Run(y, new FeedDict { { h, Tensor.From(new[] { 5f, 6f }) } }).ToArray<float>(), Is.EqualTo(new[] { 6f, 7f }));
            var both = s.Run(new[] { h, y }, new FeedDict { { x, Tensor.From(new[] { 1f, 2f }) } });
            Assert.That(both[0].ToArray<float>(), Is.EqualTo(new[] { 2f, 4f }));
            Assert.That(both[1].ToArray<float>(), Is.EqualTo(new[] { 3f, 5f }));
            // A fed tensor can be fetched: it comes back unchanged.
            var fed = Tensor.From(new[] { 9f, 9f });
            Assert.That(s.Run(h, new FeedDict { { h, fed } }).ToArray<float>(), Is.EqualTo(new[] { 9f, 9f }));
        }
    }

    [Test]
    public void ControlDependenciesOrderAnUpdateBeforeARead()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
            var inc = Ops.AssignAdd(w, Tensor.Ones(new Shape(2)));
            Tensor after;
            using (g.ControlDependencies(inc)) after = Ops.Identity(w);
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            Assert.That(s.Run(after).ToArray<float>(), Is.EqualTo(new[] { 2f, 3f }));
            Assert.That(s.Run(after).ToArray<float>(), Is.EqualTo(new[] { 3f, 4f }));
            var noop = Ops.NoOp();
            s.Run(noop);
            var group = Ops.Group(inc.Op, noop);
            s.Run(group);
            Assert.That(s.Run(w).ToArray<float>(), Is.EqualTo(new[] { 4f, 5f }));
            GraphVerifier.Verify(g);
        }
    }

    [Test]
    public void RunFailuresNameTheNode()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Ops.Placeholder(DType.Float32, new Shape(-1), name: "a");
            var b = Ops.Placeholder(DType.Float32, new Shape(-1), name: "b");
            var y = Ops.Add(a, b);
            using var s = new Session(g);
            var e = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { { a, Tensor.Ones(new Shape(2)) }, { b, Tensor.Ones(new Shape(3)) } }));
            Assert.That(e!.Message, Does.Contain("Add").And.Contain("(2,)").And.Contain("(3,)"));
        }
    }

    [Test]
    public void GraphOnlyOpsNeedAGraph()
    {
        Assert.Throws<InvalidOperationException>(() => Ops.Placeholder(DType.Float32, new Shape(2)));
        Assert.Throws<InvalidOperationException>(() => Ops.NoOp());
        Assert.Throws<InvalidOperationException>(() => Ops.GlobalVariablesInitializer());
    }

    [Test]
    public void FeedDictRejectsBadEntries()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            Assert.Throws<ArgumentException>(() => _ = new FeedDict { { Tensor.Ones(new Shape(2)), Tensor.Ones(new Shape(2)) } });
            Assert.Throws<ArgumentException>(() => _ = new FeedDict { { x, x } });
            Assert.Throws<ArgumentException>(() => _ = new FeedDict { { x, Tensor.Ones(new Shape(2)) }, { x, Tensor.Ones(new Shape(2)) } });
        }
    }
}
