namespace Eager.Tests.Conformance;

/// <summary>
/// Graph against eager for every sample of every registered op: the sample's call is built into a graph over
/// placeholders (with the exact shapes, and again with every dimension unknown), run in a Session, and must give
/// the eager result: same dtype, same shape, same values.
/// </summary>
public class GraphConformanceTests
{
    private static IEnumerable<TestCaseData> Samples() =>
        OpSamples.All.Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(Samples))]
    public void GraphMatchesEagerWithKnownShapes(OpSample sample) => Check(sample, unknownDims: false);

    [TestCaseSource(nameof(Samples))]
    public void GraphMatchesEagerWithUnknownShapes(OpSample sample) => Check(sample, unknownDims: true);

    [TestCaseSource(nameof(Samples))]
    public void GraphMatchesEagerWithParallelExecution(OpSample sample) => Check(sample, unknownDims: false, InterOpParallelism.Always);

    private static void Check(OpSample sample, bool unknownDims, InterOpParallelism parallelism = InterOpParallelism.Off)
    {
        if (!sample.Traceable) Assert.Ignore($"{sample} is marked as not traceable.");
        if (unknownDims && !sample.UnknownDims) Assert.Ignore($"{sample} is marked as needing known shapes.");
        var inputs = sample.MakeInputs();
        var eager = sample.Call(inputs);
        var g = new Graph();
        Tensor y;
        var feeds = new FeedDict();
        using (g.AsDefault())
        {
            var placeholders = new Tensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                var shape = unknownDims ? new Shape([.. Enumerable.Repeat(-1, inputs[i].Rank)]) : inputs[i].Shape;
                placeholders[i] = Ops.Placeholder(inputs[i].DType, shape, $"in{i}");
                feeds.Add(placeholders[i], inputs[i]);
            }
            y = sample.Call(placeholders);
        }
        GraphVerifier.Verify(g);
        Assert.That(y.IsSymbolic, Is.True, "the call inside a graph should give a graph tensor");
        Assert.That(y.DType, Is.EqualTo(eager.DType), "static dtype");
        Assert.That(y.Shape.IsCompatibleWith(eager.Shape), Is.True, $"static shape {y.Shape} vs eager {eager.Shape}");
        if (!unknownDims && !sample.ShapeFromData) Assert.That(y.Shape, Is.EqualTo(eager.Shape), "with known input shapes the static shape is exact");
        using var session = new Session(g, new SessionOptions { InterOpParallelism = parallelism });
        if (g.Variables.Count > 0)
        {
            // Samples of state ops make a variable; in a graph it starts with its initializer, as in TensorFlow 1.
            Operation init;
            using (g.AsDefault()) init = Ops.GlobalVariablesInitializer();
            session.Run(init, feeds);
        }
        var got = session.Run(y, feeds);
        Assert.That(got.DType, Is.EqualTo(eager.DType));
        Assert.That(got.Shape, Is.EqualTo(eager.Shape));
        var (a, b) = (got.ToDoubleArray(), eager.ToDoubleArray());
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(b[i])) Assert.That(a[i], Is.NaN, $"element {i}");
            else Assert.That(a[i], Is.EqualTo(b[i]).Within(1e-12 * (1 + Math.Abs(b[i]))), $"element {i}");
        }
    }
}
