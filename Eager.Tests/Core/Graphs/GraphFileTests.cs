namespace Eager.Tests.Core.Graphs;

public class GraphFileTests
{
    private string dir = "";

    [SetUp]
    public void MakeDir() => Directory.CreateDirectory(dir = Path.Combine(Path.GetTempPath(), "eager-graphfile-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDir() => Directory.Delete(dir, recursive: true);

    [Test]
    public void AFunctionWithUnknownDimsRoundTrips()
    {
        var f = Function.Create((Tensor x, Tensor b) => Ops.MatMul(x, x, transposeB: true) * 2f + b);
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 3), DType.Float32), new TensorSpec(new Shape(-1), DType.Float32));
        var path = Path.Combine(dir, "f.eagergraph");
        cf.Save(path);
        var back = ConcreteFunction.Load(path);
        GraphVerifier.Verify(back.Graph);
        Assert.That(back.InputSpecs, Is.EqualTo(cf.InputSpecs));
        Assert.That(back.Graph.ToString(), Is.EqualTo(cf.Graph.ToString()));
        foreach (int n in new[] { 1, 6 })
        {
            var m = Tensor.RandomNormal(new Shape(n, 3), seed: n);
            var b = Tensor.RandomNormal(new Shape(n), seed: 9);
            Assert.That(back.Invoke(m, b).ToArray<float>(), Is.EqualTo(cf.Invoke(m, b).ToArray<float>()));
        }
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void CapturedVariablesAreSavedWithTheirValuesAndLoadAsNewVariables()
    {
        var w = new Variable(Tensor.From(new[] { 1.0, 2.0 }), name: "w");
        var step = Function.Create((Tensor x) =>
        {
            w.AssignAdd(x);
            return w.Read() * 10.0;
        });
        _ = step.Invoke(Tensor.From(new[] { 1.0, 1.0 }));
        var path = Path.Combine(dir, "step.eagergraph");
        step.ConcreteFunctions[0].Save(path);
        var back = ConcreteFunction.Load(path);
        var restored = back.Variables.Single();
        Assert.That(restored, Is.Not.SameAs(w));
        Assert.That(restored.Name, Is.EqualTo("w"));
        Assert.That(restored.Value.ToArray<double>(), Is.EqualTo(new[] { 2.0, 3.0 }));
        Assert.That(back.Invoke(Tensor.From(new[] { 1.0, 0.0 })).ToArray<double>(), Is.EqualTo(new[] { 30.0, 30.0 }));
        Assert.That(w.Value.ToArray<double>(), Is.EqualTo(new[] { 2.0, 3.0 }), "the original variable is untouched");
    }

    [Test]
    public void AGraphWithVariablesRoundTrips()
    {
        var g = new Graph();
        Tensor y;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var w = new Variable(Tensor.From(new float[,] { { 1 }, { 2 } }), name: "w");
            _ = new Variable(Tensor.Ones(new Shape(3), DType.Int32), name: "unset", trainable: false);
            y = Ops.MatMul(x, w);
            using var s = new Session(g);
            s.Run(w.Initializer!);
            s.Run(Ops.AssignAdd(w, Tensor.Ones(new Shape(2, 1))));
        }
        var path = Path.Combine(dir, "g.eagergraph");
        g.Save(path);
        var back = Graph.Load(path);
        GraphVerifier.Verify(back);
        Assert.That(back.ToString(), Is.EqualTo(g.ToString()));
        var bw = back.Variables.Single(v => v.Name == "w");
        var unset = back.Variables.Single(v => v.Name == "unset");
        Assert.That((bw.IsInitialized, unset.IsInitialized, unset.Trainable), Is.EqualTo((false, false, false)), "values belong to sessions, not to graph files");
        Assert.That(bw.Initializer!.Node.Op.Name, Is.EqualTo("Assign"));
        using var sess = new Session(back);
        var bx = back.FindNode("x")!.Outputs[0];
        var by = back.FindNode(y.Node!.Name)!.Outputs[0];
        var e = Assert.Throws<InvalidOperationException>(() => sess.Run(by, new FeedDict { { bx, Tensor.From(new float[,] { { 1, 1 } }) } }));
        Assert.That(e!.Message, Does.Contain("FailedPrecondition").And.Contain("'w'"));
        using (back.AsDefault()) sess.Run(Ops.GlobalVariablesInitializer());
        Assert.That(sess.Run(by, new FeedDict { { bx, Tensor.From(new float[,] { { 1, 1 } }) } }).ToArray<float>(), Is.EqualTo(new[] { 3f }));
        Assert.That(sess.Run(bw).ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(sess.Run(unset).ToArray<int>(), Is.EqualTo(new[] { 1, 1, 1 }));
    }

    [Test]
    public void AnAttributeAFileCannotHoldIsRefusedOnSave()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            g.AddNode(StateOps.IdentityDef, [x], new Attrs { { "queue", new object() } }, "odd");
        }
        var e = Assert.Throws<NotSupportedException>(() => g.Save(Path.Combine(dir, "odd.eagergraph")));
        Assert.That(e!.Message, Does.Contain("'odd'").And.Contain("'queue'"));
        Assert.That(Directory.GetFiles(dir), Is.Empty);
    }

    [Test]
    public void LoadingTheWrongKindOrAMissingFileSaysSo()
    {
        var g = new Graph();
        using (g.AsDefault()) _ = Ops.Placeholder(DType.Float32, new Shape(2), name: "x") * 2f;
        var path = Path.Combine(dir, "g.eagergraph");
        g.Save(path);
        Assert.That(Assert.Throws<InvalidDataException>(() => ConcreteFunction.Load(path))!.Message, Does.Contain("Graph.Load"));
        Assert.Throws<FileNotFoundException>(() => Graph.Load(Path.Combine(dir, "missing.eagergraph")));
        File.WriteAllText(path, "hello, this is not a graph file at all, but long enough to have a header");
        Assert.That(Assert.Throws<InvalidDataException>(() => Graph.Load(path))!.Message, Does.Contain("not an Eager graph file"));
        var big = Path.Combine(dir, "big.eagergraph");
        g.Save(big);
        Assert.That(Assert.Throws<InvalidDataException>(() => Graph.Load(big, maxBytes: 10))!.Message, Does.Contain("limit"));
    }
}
