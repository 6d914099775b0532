using System.Globalization;
using System.Text;

namespace Eager;

/// <summary>
/// Readable text for graphs: one line per node, "name = Op(inputs; attrs) ^control -> dtype(shape)", in
/// execution order, after a header listing the variables. Used by <see cref="Graph.ToString"/>, by
/// verifier errors, and by pass tests that compare graphs before and after.
/// </summary>
public static class GraphPrinter
{
    /// <summary>The whole graph as text.</summary>
    public static string Print(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var sb = new StringBuilder();
        var nodes = graph.Nodes;
        sb.Append("graph (").Append(nodes.Count).Append(nodes.Count == 1 ? " node" : " nodes").AppendLine(")");
        foreach (var v in Variables(graph))
            sb.Append("  variable ").Append(v.Name).Append(": ").Append(v.DType.Name()).Append(v.Shape.ToString())
              .Append(v.Graph is null ? " (captured)" : "").AppendLine();
        AppendNodes(sb, graph, "  ");
        return sb.ToString();
    }

    /// <summary>One line per node; the subgraphs of control-flow nodes follow their node, indented.</summary>
    private static void AppendNodes(StringBuilder sb, Graph graph, string indent)
    {
        foreach (var n in graph.Nodes)
        {
            sb.Append(indent).AppendLine(Format(n));
            foreach (var kv in n.Attrs)
            {
                if (kv.Value is not Subgraph sub) continue;
                sb.Append(indent).Append("  ").Append(kv.Key).Append(' ').Append(sub).AppendLine(":");
                AppendNodes(sb, sub.Graph, indent + "    ");
            }
        }
    }

    /// <summary>One node: "name = Op(in0, in1; attrs) ^ctrl -> float32(None, 2)".</summary>
    public static string Format(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var sb = new StringBuilder();
        sb.Append(node.Name).Append(" = ").Append(node.Op.Name).Append('(');
        sb.AppendJoin(", ", node.Inputs.Select(t => t.Name ?? "<concrete>"));
        if (node.Attrs.Count > 0)
        {
            sb.Append(node.Inputs.Length > 0 ? "; " : "");
            sb.AppendJoin(", ", node.Attrs.Select(kv => kv.Key + "=" + FormatAttr(kv.Value)));
        }
        sb.Append(')');
        foreach (var c in node.ControlInputs) sb.Append(" ^").Append(c.Name);
        if (node.Outputs.Length > 0)
        {
            sb.Append(" -> ");
            sb.AppendJoin(", ", node.Outputs.Select(o => o.DType.Name() + o.Shape.ToString()));
        }
        return sb.ToString();
    }

    /// <summary>An attribute value as short text (a variable by name, a large tensor by dtype and shape).</summary>
    public static string FormatAttr(object value) => value switch
    {
        Variable v => v.Name,
        Subgraph sub => sub.ToString(),
        Tensor t when !t.IsSymbolic && t.Shape.Size <= 8 => "[" + string.Join(" ", t.ToDoubleArray().Select(x => x.ToString("G6", CultureInfo.InvariantCulture))) + "]",
        Tensor t => $"<{t.DType.Name()}{t.Shape}>",
        DType d => d.Name(),
        bool b => b ? "true" : "false",
        string s => "\"" + s + "\"",
        int[] a => "[" + string.Join(", ", a) + "]",
        long[] a => "[" + string.Join(", ", a) + "]",
        float[] a => "[" + string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
        double[] a => "[" + string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Every variable a graph uses: its own, then eager variables its nodes read or assign, in first-use order.</summary>
    public static IReadOnlyList<Variable> Variables(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        var list = new List<Variable>();
        foreach (var v in graph.Variables) if (seen.Add(v)) list.Add(v);
        AddVariables(graph, seen, list);
        return list;
    }

    private static void AddVariables(Graph graph, HashSet<Variable> seen, List<Variable> list)
    {
        foreach (var n in graph.Nodes)
        {
            foreach (var kv in n.Attrs)
            {
                if (kv.Value is Variable v && seen.Add(v)) list.Add(v);
                else if (kv.Value is Subgraph sub) AddVariables(sub.Graph, seen, list);
            }
        }
    }
}
