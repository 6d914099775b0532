using System.Text;

namespace Eager;

/// <summary>Thrown when a graph breaks an IR invariant; the message prints the offending node and its neighbours.</summary>
public sealed class InvalidGraphException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public InvalidGraphException(string message, IReadOnlyList<string> problems) : base(message) => Problems = problems;

    /// <summary>Every problem found, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// Checks the IR invariants every pass must keep: node names are unique; every input is an output of a
/// node of the same graph that comes earlier in the node list (so the list is a topological order and the
/// graph is acyclic); control inputs likewise; and each node's output dtypes and shapes agree with what
/// its op infers from its inputs and attributes. Tests run it after every graph change.
/// </summary>
public static class GraphVerifier
{
    /// <summary>Throws <see cref="InvalidGraphException"/> listing every problem, or returns when the graph is valid.</summary>
    public static void Verify(Graph graph)
    {
        var problems = Check(graph);
        if (problems.Count == 0) return;
        var sb = new StringBuilder($"The graph breaks {problems.Count} IR invariant{(problems.Count == 1 ? "" : "s")}:");
        foreach (var p in problems.Take(20)) sb.AppendLine().Append("  ").Append(p);
        if (problems.Count > 20) sb.AppendLine().Append($"  ... and {problems.Count - 20} more.");
        throw new InvalidGraphException(sb.ToString(), problems);
    }

    /// <summary>Every problem found (empty for a valid graph).</summary>
    public static IReadOnlyList<string> Check(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<string>();
        var nodes = graph.Nodes;
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (!position.TryAdd(n, i)) problems.Add($"node '{n.Name}' appears twice in the node list.");
            if (!names.Add(n.Name)) problems.Add($"two nodes are named '{n.Name}'.");
            if (n.Graph != graph) problems.Add($"node '{n.Name}' says it belongs to another graph.");
        }
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            for (int k = 0; k < n.Inputs.Length; k++)
            {
                var t = n.Inputs[k];
                if (t is null) { problems.Add(Context(n, $"input {k} is null")); continue; }
                if (t.Node is null) { problems.Add(Context(n, $"input {k} is a concrete tensor; graph inputs must be node outputs (capture it as a Const)")); continue; }
                if (!position.TryGetValue(t.Node, out int p)) { problems.Add(Context(n, $"input {k} '{t.Name}' comes from node '{t.Node.Name}', which is not in this graph")); continue; }
                if (p >= i) problems.Add(Context(n, $"input {k} '{t.Name}' is defined at position {p}, not before this node (position {i}): the list is not a topological order{(Reaches(n, t.Node) ? " and the graph has a cycle" : "")}"));
                if (t.OutputIndex >= t.Node.Outputs.Length || !ReferenceEquals(t.Node.Outputs[t.OutputIndex], t))
                    problems.Add(Context(n, $"input {k} '{t.Name}' is not output {t.OutputIndex} of its node"));
            }
            foreach (var c in n.ControlInputs)
            {
                if (!position.TryGetValue(c, out int p)) problems.Add(Context(n, $"control input '{c.Name}' is not in this graph"));
                else if (p >= i) problems.Add(Context(n, $"control input '{c.Name}' comes at position {p}, not before this node (position {i})"));
            }
            CheckTypes(n, problems);
            foreach (var kv in n.Attrs)
                if (kv.Value is Subgraph sub)
                    problems.AddRange(Check(sub.Graph).Select(p => $"in subgraph '{kv.Key}' of node '{n.Name}': {p}"));
        }
        return problems;
    }

    private static void CheckTypes(Node n, List<string> problems)
    {
        if (n.Inputs.Any(t => t is null)) return;
        TensorSpec[] inferred;
        try { inferred = Graph.InferSpecs(n.Op, n.Inputs, n.Attrs); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidCastException or KeyNotFoundException or IndexOutOfRangeException)
        {
            problems.Add(Context(n, $"its op rejects its inputs and attributes: {e.Message}"));
            return;
        }
        if (inferred.Length != n.Outputs.Length)
        {
            problems.Add(Context(n, $"it has {n.Outputs.Length} outputs but {n.Op.Name} infers {inferred.Length}"));
            return;
        }
        for (int k = 0; k < inferred.Length; k++)
        {
            var o = n.Outputs[k];
            if (o.DType != inferred[k].DType || !o.Shape.IsCompatibleWith(inferred[k].Shape))
                problems.Add(Context(n, $"output {k} is {o.DType.Name()}{o.Shape} but {n.Op.Name} infers {inferred[k].DType.Name()}{inferred[k].Shape}"));
        }
    }

    /// <summary>True when <paramref name="to"/> depends on <paramref name="from"/> (walking inputs and control inputs back from <paramref name="to"/>).</summary>
    private static bool Reaches(Node from, Node to)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        stack.Push(to);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (ReferenceEquals(n, from)) return true;
            if (!seen.Add(n)) continue;
            foreach (var t in n.Inputs) if (t?.Node is { } p) stack.Push(p);
            foreach (var c in n.ControlInputs) stack.Push(c);
        }
        return false;
    }

    /// <summary>"node 'x': problem" followed by the node and its producers, so the reader sees the neighbourhood.</summary>
    private static string Context(Node n, string problem)
    {
        var sb = new StringBuilder($"node '{n.Name}': {problem}.");
        sb.Append("\n      at ").Append(GraphPrinter.Format(n));
        foreach (var p in n.Inputs.Where(t => t?.Node is not null).Select(t => t.Node!).Distinct().Take(4))
            sb.Append("\n      input from ").Append(GraphPrinter.Format(p));
        return sb.ToString();
    }
}
