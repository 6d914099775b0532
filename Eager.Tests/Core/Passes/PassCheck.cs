namespace Eager.Tests.Core.Passes;

/// <summary>
/// Shared checks for pass tests: run one pass (or a pipeline) on a copy of a graph, verify it, and compare the
/// values of the optimised graph with the plain graph in a Session (no rewriting) and with eager results.
/// Tolerances: float64 results agree to 1e-12 relative; float32 ones to 1e-5 relative (fusion and rewrites such as
/// x / c -> x * (1 / c) may change the last bits).
/// </summary>
internal static class PassCheck
{
    public static readonly SessionOptions Plain = new() { Rewriter = null };

    /// <summary>The graph the pipeline makes for <paramref name="fetches"/> (a copy; <paramref name="graph"/> is unchanged).</summary>
    public static Graph Optimize(Graph graph, Tensor[] fetches, params GraphPass[] passes)
    {
        var pipeline = passes.Length == 0 ? PassPipeline.Default : new PassPipeline(passes);
        var result = GraphOptimizer.Optimize(graph, fetches, pipeline);
        GraphVerifier.Verify(result);
        return result;
    }

    /// <summary>Node lines of a graph's text, without the header line.</summary>
    public static string[] Lines(Graph graph) =>
        [.. GraphPrinter.Print(graph).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)];

    /// <summary>Op names in order.</summary>
    public static string[] OpNames(Graph graph) => [.. graph.Nodes.Select(n => n.Op.Name)];

    /// <summary>Runs <paramref name="fetches"/> plain and with <paramref name="options"/> (default: the default pipeline)
    /// and asserts they agree; returns the optimised values.</summary>
    public static Tensor[] SameAsPlain(Graph graph, Tensor[] fetches, FeedDict? feeds = null, SessionOptions? options = null, Operation? init = null)
    {
        Tensor[] plain, optimised;
        using (var s = new Session(graph, Plain))
        {
            if (init is not null) s.Run(init, feeds);
            plain = s.Run(fetches, feeds);
        }
        using (var s = new Session(graph, options ?? new SessionOptions()))
        {
            if (init is not null) s.Run(init, feeds);
            optimised = s.Run(fetches, feeds);
        }
        for (int i = 0; i < fetches.Length; i++) AssertClose(optimised[i], plain[i], $"fetch {i} ('{fetches[i].Name}')");
        return optimised;
    }

    /// <summary>Asserts same dtype, shape and values within the tolerance for the dtype.</summary>
    public static void AssertClose(Tensor got, Tensor want, string what = "value")
    {
        Assert.That(got.DType, Is.EqualTo(want.DType), $"{what}: dtype");
        Assert.That(got.Shape, Is.EqualTo(want.Shape), $"{what}: shape");
        double rtol = want.DType == DType.Float32 ? 1e-5 : 1e-12, atol = want.DType == DType.Float32 ? 1e-6 : 1e-14;
        var (a, b) = (got.ToDoubleArray(), want.ToDoubleArray());
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(b[i])) { Assert.That(a[i], Is.NaN, $"{what}: element {i}"); continue; }
            if (double.IsInfinity(b[i])) { Assert.That(a[i], Is.EqualTo(b[i]), $"{what}: element {i}"); continue; }
            Assert.That(Math.Abs(a[i] - b[i]), Is.LessThanOrEqualTo(atol + rtol * Math.Abs(b[i])), $"{what}: element {i} is {a[i]}, expected {b[i]}");
        }
    }
}
