namespace Eager;

/// <summary>
/// One optimiser pass: a graph-to-graph rewrite that says whether it changed anything. A pass gets a graph the
/// pipeline owns (a Session's private copy) and returns the rewritten graph, which may be the same object.
/// It must keep every node named in <see cref="PassContext.Keep"/> (fetches, feeds and targets) with its
/// outputs, never fold, merge or drop a stateful node, and leave a graph that passes <see cref="GraphVerifier"/>.
/// </summary>
public abstract class GraphPass
{
    /// <summary>The pass's name, as listed by <see cref="PassPipeline"/> and used to switch it off.</summary>
    public abstract string Name { get; }

    /// <summary>Rewrites <paramref name="graph"/>; <paramref name="changed"/> tells whether anything changed.</summary>
    public abstract Graph Run(Graph graph, PassContext context, out bool changed);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What a pass knows besides the graph: the nodes it must keep, and a log of what passes did.</summary>
public sealed class PassContext
{
    /// <summary>A context keeping the nodes named in <paramref name="keep"/>.</summary>
    public PassContext(IReadOnlySet<string> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        Keep = keep;
    }

    /// <summary>Names of the nodes that must survive with their outputs (fetches, feeds and targets).</summary>
    public IReadOnlySet<string> Keep { get; }

    /// <summary>One line per rewrite ("ConstantFolding: folded 'mul' (Multiply)"), in order.</summary>
    public List<string> Log { get; } = [];

    /// <summary>True when <paramref name="node"/> must be kept.</summary>
    public bool IsKept(Node node) => Keep.Contains(node.Name);

    /// <summary>Adds a line to <see cref="Log"/>.</summary>
    public void Note(string pass, string message) => Log.Add($"{pass}: {message}");
}
