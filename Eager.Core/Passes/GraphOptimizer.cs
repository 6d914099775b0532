namespace Eager;

/// <summary>
/// The optimiser every <see cref="Session"/> and <see cref="ConcreteFunction"/> uses by default: the pass pipeline
/// runs on each compiled plan's graph. Switch it off for the whole process with <see cref="Enabled"/> (the
/// unoptimised graph then runs node by node), or for one session with <c>new SessionOptions { Rewriter = null }</c>.
/// </summary>
public static class GraphOptimizer
{
    private static volatile bool enabled = true;
    private static volatile PassPipeline pipeline = PassPipeline.Default;

    /// <summary>Whether sessions optimise the graphs they compile (default true). Plans compiled earlier keep the
    /// choice made when they were compiled.</summary>
    public static bool Enabled { get => enabled; set => enabled = value; }

    /// <summary>The pipeline sessions run (default <see cref="PassPipeline.Default"/>); replace it to switch single passes off.</summary>
    public static PassPipeline Pipeline
    {
        get => pipeline;
        set => pipeline = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The rewrite step sessions use by default: <see cref="Pipeline"/> while <see cref="Enabled"/>, else nothing.</summary>
    public static GraphRewriter Rewriter { get; } = (graph, keep) => enabled ? pipeline.Run(graph, keep) : graph;

    /// <summary>An optimised copy of the part of <paramref name="graph"/> that <paramref name="fetches"/> need (the graph
    /// itself is not changed). Fetched nodes keep their names, so <c>copy.FindNode(name)</c> finds them.</summary>
    /// <exception cref="ArgumentException">A fetch is not a tensor of <paramref name="graph"/>.</exception>
    public static Graph Optimize(Graph graph, IReadOnlyList<Tensor> fetches, PassPipeline? passes = null, List<PassReport>? report = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(fetches);
        foreach (var t in fetches)
            if (t is null || t.Graph != graph) throw new ArgumentException($"GraphOptimizer.Optimize: fetch '{t?.Name}' is not a tensor of this graph.");
        var needed = Needed(graph, fetches);
        var copy = GraphCopy.Extract(graph, needed, [], out _, out _);
        var keep = new HashSet<string>(fetches.Select(t => t.Node!.Name), StringComparer.Ordinal);
        foreach (var n in copy.Nodes) if (n.Op == GraphOps.PlaceholderDef) keep.Add(n.Name);
        return (passes ?? pipeline).Run(copy, keep, report);
    }

    /// <summary>The nodes the fetches reach, in graph order.</summary>
    private static List<Node> Needed(Graph graph, IReadOnlyList<Tensor> fetches)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>(fetches.Select(t => t.Node!));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n)) continue;
            foreach (var t in n.Inputs) stack.Push(t.Node!);
            foreach (var c in n.ControlInputs) stack.Push(c);
        }
        return [.. graph.Nodes.Where(seen.Contains)];
    }
}
