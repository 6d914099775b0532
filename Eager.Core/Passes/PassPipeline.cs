using System.Diagnostics;

namespace Eager;

/// <summary>What one pass did in one pipeline run.</summary>
/// <param name="Pass">The pass's name.</param>
/// <param name="Changed">Whether it changed the graph.</param>
/// <param name="NodesBefore">Node count before it ran.</param>
/// <param name="NodesAfter">Node count after it ran.</param>
/// <param name="Elapsed">How long it took (verification excluded).</param>
public sealed record PassReport(string Pass, bool Changed, int NodesBefore, int NodesAfter, TimeSpan Elapsed);

/// <summary>
/// The optimiser: an ordered list of passes, each of which can be switched off by name (for debugging and tests).
/// <see cref="Default"/> lists the standard order; <c>ToString()</c> prints it. After every pass the graph is
/// checked with <see cref="GraphVerifier"/> (unless <see cref="VerifyAfterEachPass"/> is off), so a pass that
/// breaks an invariant is named at once.
/// </summary>
public sealed class PassPipeline
{
    private readonly GraphPass[] passes;
    private readonly HashSet<string> disabled;

    /// <summary>A pipeline running <paramref name="passes"/> in order.</summary>
    public PassPipeline(params GraphPass[] passes) : this(passes, [], true) { }

    private PassPipeline(GraphPass[] passes, IEnumerable<string> disabled, bool verify)
    {
        ArgumentNullException.ThrowIfNull(passes);
        foreach (var p in passes) ArgumentNullException.ThrowIfNull(p, nameof(passes));
        this.passes = [.. passes];
        this.disabled = new HashSet<string>(disabled, StringComparer.Ordinal);
        VerifyAfterEachPass = verify;
    }

    /// <summary>The standard passes in order: clean-up first (pruning, folding, simplification, layout, CSE), then fusion.
    /// Memory planning follows when a Session lowers the final graph to steps (<see cref="SessionOptions.PlanMemory"/>).</summary>
    public static PassPipeline Default => new(
        new Pruning(),
        new ConstantFolding(),
        new ArithmeticSimplification(),
        new LayoutPropagation(),
        new CommonSubexpressionElimination(),
        new ContractionFusion(),
        new ElementwiseFusion());

    /// <summary>Every pass, in the order they run (switched-off ones included).</summary>
    public IReadOnlyList<GraphPass> Passes => passes;

    /// <summary>Names of the passes that run, in order.</summary>
    public IReadOnlyList<string> Enabled => [.. passes.Where(p => !disabled.Contains(p.Name)).Select(p => p.Name)];

    /// <summary>Check the graph after each pass (on by default; the check is cheap next to compiling a plan).</summary>
    public bool VerifyAfterEachPass { get; init; }

    /// <summary>A copy of this pipeline with the named passes switched off.</summary>
    /// <exception cref="ArgumentException">A name matches no pass (the message lists the passes).</exception>
    public PassPipeline Without(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var n in names)
            if (!passes.Any(p => p.Name == n))
                throw new ArgumentException($"PassPipeline: no pass is named '{n}'. The passes are: {this}.");
        return new PassPipeline(passes, disabled.Concat(names), VerifyAfterEachPass);
    }

    /// <summary>A copy with only the named passes switched on (in this pipeline's order).</summary>
    /// <exception cref="ArgumentException">A name matches no pass.</exception>
    public PassPipeline Only(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Without(names); // validates the names
        return new PassPipeline(passes, passes.Select(p => p.Name).Except(names), VerifyAfterEachPass);
    }

    /// <summary>True when the pass named <paramref name="name"/> is in the list and switched on.</summary>
    public bool IsEnabled(string name) => passes.Any(p => p.Name == name) && !disabled.Contains(name);

    /// <summary>Runs the switched-on passes in order on <paramref name="graph"/>, which they may change; returns the
    /// optimised graph. Nodes named in <paramref name="keep"/> survive.</summary>
    /// <exception cref="InvalidGraphException">A pass left a graph that breaks an IR invariant (the message names the pass).</exception>
    public Graph Run(Graph graph, IReadOnlySet<string> keep, List<PassReport>? report = null) =>
        Run(graph, new PassContext(keep), report);

    /// <summary>Runs the passes with a context of the caller's (to read its log afterwards).</summary>
    public Graph Run(Graph graph, PassContext context, List<PassReport>? report = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var pass in passes)
        {
            if (disabled.Contains(pass.Name)) continue;
            int before = graph.Nodes.Count;
            var clock = Stopwatch.StartNew();
            graph = pass.Run(graph, context, out bool changed)
                ?? throw new InvalidOperationException($"PassPipeline: pass '{pass.Name}' returned null.");
            clock.Stop();
            report?.Add(new PassReport(pass.Name, changed, before, graph.Nodes.Count, clock.Elapsed));
            if (VerifyAfterEachPass && changed) Verify(graph, pass, context);
        }
        return graph;
    }

    private static void Verify(Graph graph, GraphPass pass, PassContext context)
    {
        var problems = GraphVerifier.Check(graph).ToList();
        var names = new HashSet<string>(graph.Nodes.Select(n => n.Name), StringComparer.Ordinal);
        foreach (var k in context.Keep)
            if (!names.Contains(k)) problems.Add($"the kept node '{k}' is gone.");
        if (problems.Count == 0) return;
        throw new InvalidGraphException(
            $"Pass '{pass.Name}' left an invalid graph:\n  " + string.Join("\n  ", problems.Take(20)) + "\nSwitch it off with PassPipeline.Without(\"" + pass.Name + "\") to run without it.",
            problems);
    }

    /// <summary>This pipeline as a Session's rewrite step (<see cref="SessionOptions.Rewriter"/>).</summary>
    public GraphRewriter AsRewriter() => (graph, keep) => Run(graph, keep);

    /// <summary>"Pruning -> ConstantFolding -> ...", switched-off passes in brackets.</summary>
    public override string ToString() =>
        string.Join(" -> ", passes.Select(p => disabled.Contains(p.Name) ? $"[{p.Name} off]" : p.Name));
}
