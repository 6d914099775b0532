namespace Eager;

/// <summary>
/// Removes what the kept nodes do not need: nodes that no kept or stateful node reaches through data or control
/// edges, duplicate control inputs, and control inputs that are redundant because the node already depends on
/// them through another path (TensorFlow Grappler's dependency optimiser does the same). Stateful nodes are
/// never removed.
/// </summary>
public sealed class Pruning : GraphPass
{
    /// <inheritdoc/>
    public override string Name => "Pruning";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var nodes = graph.Nodes;
        var live = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        foreach (var n in nodes)
            if (context.IsKept(n) || n.Op.IsStateful) stack.Push(n);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!live.Add(n)) continue;
            foreach (var t in n.Inputs) stack.Push(t.Node!);
            foreach (var c in n.ControlInputs) stack.Push(c);
        }
        changed = false;
        if (live.Count < nodes.Count)
        {
            foreach (var n in nodes.Where(n => !live.Contains(n))) context.Note(Name, $"removed '{n.Name}' ({n.Op.Name})");
            graph.ReplaceNodes(nodes.Where(live.Contains).ToList());
            changed = true;
        }
        changed |= ReduceControlInputs(graph, context);
        return graph;
    }

    /// <summary>Drops each control input the node already waits for through its other inputs.</summary>
    private bool ReduceControlInputs(Graph graph, PassContext context)
    {
        bool changed = false;
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Nodes.Count; i++) position[graph.Nodes[i]] = i;
        foreach (var n in graph.Nodes)
        {
            if (n.ControlInputs.Length == 0) continue;
            var distinct = n.ControlInputs.Distinct().ToList();
            for (int k = distinct.Count - 1; k >= 0; k--)
            {
                var c = distinct[k];
                var others = n.Inputs.Select(t => t.Node!).Concat(distinct.Where((_, j) => j != k));
                if (!Reaches(others, c, position)) continue;
                context.Note(Name, $"dropped the control input '{c.Name}' of '{n.Name}': it already depends on it");
                distinct.RemoveAt(k);
            }
            if (distinct.Count == n.ControlInputs.Length) continue;
            n.ControlInputs = [.. distinct];
            changed = true;
        }
        return changed;
    }

    /// <summary>True when <paramref name="target"/> is one of <paramref name="from"/> or an ancestor of one. The walk stops
    /// at nodes placed before the target, which cannot depend on it.</summary>
    private static bool Reaches(IEnumerable<Node> from, Node target, Dictionary<Node, int> position)
    {
        int floor = position[target];
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>(from);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (ReferenceEquals(n, target)) return true;
            if (position[n] < floor || !seen.Add(n)) continue;
            foreach (var t in n.Inputs) stack.Push(t.Node!);
            foreach (var c in n.ControlInputs) stack.Push(c);
        }
        return false;
    }
}
