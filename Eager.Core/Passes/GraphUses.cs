namespace Eager;

/// <summary>Who uses what in a graph: the data consumers of every tensor and the control consumers of every node
/// (PyTorch FX's node.users). Computed once per pass; passes that rebuild a graph read it from the source.</summary>
internal sealed class GraphUses
{
    private static readonly List<(Node, int)> None = [];
    private readonly Dictionary<Tensor, List<(Node Node, int Index)>> data = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Node, List<Node>> control = new(ReferenceEqualityComparer.Instance);

    public GraphUses(Graph graph)
    {
        foreach (var n in graph.Nodes)
        {
            for (int i = 0; i < n.Inputs.Length; i++)
            {
                var t = n.Inputs[i];
                if (!data.TryGetValue(t, out var list)) data[t] = list = [];
                list.Add((n, i));
            }
            foreach (var c in n.ControlInputs)
            {
                if (!control.TryGetValue(c, out var list)) control[c] = list = [];
                list.Add(n);
            }
        }
    }

    /// <summary>The (node, input index) pairs reading <paramref name="t"/>.</summary>
    public IReadOnlyList<(Node Node, int Index)> Of(Tensor t) => data.TryGetValue(t, out var l) ? l : None;

    /// <summary>Number of data uses of <paramref name="t"/>.</summary>
    public int Count(Tensor t) => data.TryGetValue(t, out var l) ? l.Count : 0;

    /// <summary>Number of nodes with a control input on <paramref name="n"/>.</summary>
    public int ControlCount(Node n) => control.TryGetValue(n, out var l) ? l.Count : 0;

    /// <summary>The nodes with a control input on <paramref name="n"/>.</summary>
    public IReadOnlyList<Node> ControlUsers(Node n) => control.TryGetValue(n, out var l) ? l : [];

    /// <summary>Every node that reads an output of <paramref name="n"/> or has it as a control input (with repeats).</summary>
    public IEnumerable<Node> Users(Node n)
    {
        foreach (var o in n.Outputs)
            foreach (var (u, _) in Of(o)) yield return u;
        foreach (var u in ControlUsers(n)) yield return u;
    }

    /// <summary>True when anything uses <paramref name="n"/> (an output or the node as a control input).</summary>
    public bool IsUsed(Node n)
    {
        if (ControlCount(n) > 0) return true;
        foreach (var o in n.Outputs) if (Count(o) > 0) return true;
        return false;
    }

    /// <summary>Removes, in place, every node nothing uses that is neither kept nor stateful (repeatedly, so
    /// whole dead chains go). Returns how many were removed.</summary>
    public static int RemoveDead(Graph graph, PassContext context)
    {
        var nodes = graph.Nodes;
        var users = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var n in nodes)
        {
            foreach (var t in n.Inputs) users[t.Node!] = users.GetValueOrDefault(t.Node!) + 1;
            foreach (var c in n.ControlInputs) users[c] = users.GetValueOrDefault(c) + 1;
        }
        var dead = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        // Reverse order: a node's users all come after it, so its count is final when it is reached.
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var n = nodes[i];
            if (users.GetValueOrDefault(n) > 0 || n.Op.IsStateful || context.IsKept(n)) continue;
            dead.Add(n);
            foreach (var t in n.Inputs) users[t.Node!]--;
            foreach (var c in n.ControlInputs) users[c]--;
        }
        if (dead.Count > 0) graph.ReplaceNodes(nodes.Where(n => !dead.Contains(n)).ToList());
        return dead.Count;
    }
}
