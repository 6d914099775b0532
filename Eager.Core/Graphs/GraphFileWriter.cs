using System.Runtime.InteropServices;
using System.Text;

namespace Eager;

/// <summary>Serialises a graph's payload (see docs/graph-format.md); little-endian throughout.</summary>
internal static class GraphFileWriter
{
    public static byte[] Payload(Graph graph, GraphSignature? signature)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            var variables = GraphPrinter.Variables(graph);
            var varIndex = new Dictionary<Variable, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < variables.Count; i++) varIndex[variables[i]] = i;
            var nodeIndex = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < graph.Nodes.Count; i++) nodeIndex[graph.Nodes[i]] = i;

            w.Write((uint)variables.Count);
            foreach (var v in variables)
            {
                bool owned = v.Graph == graph;
                bool hasValue = !owned && v.IsInitialized; // an owned variable's value belongs to a session
                WriteString(w, v.Name);
                w.Write((byte)v.DType);
                WriteShape(w, v.Shape);
                w.Write((byte)((v.Trainable ? 1 : 0) | (owned ? 2 : 0) | (hasValue ? 4 : 0)));
                if (hasValue) WriteTensor(w, v.Value);
            }

            WriteNodes(w, graph, nodeIndex, varIndex);

            // Initializers of the graph's own variables, by node index (-1 for none).
            foreach (var v in variables)
                w.Write(v.Graph == graph && v.Initializer is { } init && nodeIndex.TryGetValue(init.Node, out int ni) ? ni : -1);

            w.Write((byte)(signature is null ? 0 : 1));
            if (signature is not null)
            {
                WriteString(w, signature.Name);
                w.Write((uint)signature.Inputs.Length);
                foreach (var t in signature.Inputs) WriteRef(w, t, nodeIndex, "signature");
                w.Write((uint)signature.Outputs.Length);
                foreach (var t in signature.Outputs) WriteRef(w, t, nodeIndex, "signature");
            }
        }
        return ms.ToArray();
    }

    private static void WriteNodes(BinaryWriter w, Graph graph, Dictionary<Node, int> nodeIndex, Dictionary<Variable, int> varIndex)
    {
        w.Write((uint)graph.Nodes.Count);
        foreach (var n in graph.Nodes)
        {
            WriteString(w, n.Name);
            WriteString(w, n.Op.Name);
            w.Write((uint)n.Inputs.Length);
            foreach (var t in n.Inputs) WriteRef(w, t, nodeIndex, n.Name);
            w.Write((uint)n.ControlInputs.Length);
            foreach (var c in n.ControlInputs) w.Write((uint)nodeIndex[c]);
            w.Write((uint)n.Attrs.Count);
            foreach (var kv in n.Attrs)
            {
                WriteString(w, kv.Key);
                WriteAttr(w, kv.Value, varIndex, n, kv.Key);
            }
            w.Write((uint)n.Outputs.Length);
            foreach (var o in n.Outputs)
            {
                w.Write((byte)o.DType);
                WriteShape(w, o.Shape);
            }
        }
    }

    /// <summary>A subgraph: its nodes (indices local to it), then its input and output references.</summary>
    private static void WriteSubgraph(BinaryWriter w, Subgraph sub, Dictionary<Variable, int> varIndex)
    {
        var nodeIndex = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < sub.Graph.Nodes.Count; i++) nodeIndex[sub.Graph.Nodes[i]] = i;
        WriteNodes(w, sub.Graph, nodeIndex, varIndex);
        w.Write((uint)sub.InputArray.Length);
        foreach (var t in sub.InputArray) WriteRef(w, t, nodeIndex, "subgraph input");
        w.Write((uint)sub.OutputArray.Length);
        foreach (var t in sub.OutputArray) WriteRef(w, t, nodeIndex, "subgraph output");
    }

    private static void WriteRef(BinaryWriter w, Tensor t, Dictionary<Node, int> nodeIndex, string user)
    {
        if (t.Node is null || !nodeIndex.TryGetValue(t.Node, out int i))
            throw new InvalidOperationException($"Graph.Save: '{user}' uses '{t.Name ?? "a concrete tensor"}', which is not in the graph.");
        w.Write((uint)i);
        w.Write((uint)t.OutputIndex);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((uint)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteShape(BinaryWriter w, Shape s)
    {
        // An unknown rank is stored as rank 0xFFFFFFFF with no dimensions.
        w.Write(s.IsUnknownRank ? uint.MaxValue : (uint)s.Rank);
        if (!s.IsUnknownRank) foreach (var d in s) w.Write(d);
    }

    private static void WriteTensor(BinaryWriter w, Tensor t)
    {
        if (t.IsSymbolic) throw new NotSupportedException($"Graph.Save: a graph tensor '{t.Name}' cannot be stored as a value.");
        var c = t.Contiguous();
        w.Write((byte)c.DType);
        WriteShape(w, c.Shape);
        switch (c.DType)
        {
            case DType.Float32: w.Write(MemoryMarshal.AsBytes(c.Span<float>())); break;
            case DType.Float64: w.Write(MemoryMarshal.AsBytes(c.Span<double>())); break;
            case DType.Int32: w.Write(MemoryMarshal.AsBytes(c.Span<int>())); break;
            case DType.Int64: w.Write(MemoryMarshal.AsBytes(c.Span<long>())); break;
            case DType.Bool: w.Write(MemoryMarshal.AsBytes(c.Span<bool>())); break;
            default: w.Write(c.Bytes()); break;
        }
        c.KeepAlive();
    }

    private static void WriteAttr(BinaryWriter w, object value, Dictionary<Variable, int> varIndex, Node n, string key)
    {
        switch (value)
        {
            case int v: w.Write((byte)GraphFile.AttrKind.Int32); w.Write(v); break;
            case long v: w.Write((byte)GraphFile.AttrKind.Int64); w.Write(v); break;
            case float v: w.Write((byte)GraphFile.AttrKind.Float32); w.Write(v); break;
            case double v: w.Write((byte)GraphFile.AttrKind.Float64); w.Write(v); break;
            case bool v: w.Write((byte)GraphFile.AttrKind.Bool); w.Write((byte)(v ? 1 : 0)); break;
            case string v: w.Write((byte)GraphFile.AttrKind.String); WriteString(w, v); break;
            case int[] v: w.Write((byte)GraphFile.AttrKind.Int32Array); w.Write((uint)v.Length); foreach (var e in v) w.Write(e); break;
            case long[] v: w.Write((byte)GraphFile.AttrKind.Int64Array); w.Write((uint)v.Length); foreach (var e in v) w.Write(e); break;
            case float[] v: w.Write((byte)GraphFile.AttrKind.Float32Array); w.Write((uint)v.Length); foreach (var e in v) w.Write(e); break;
            case double[] v: w.Write((byte)GraphFile.AttrKind.Float64Array); w.Write((uint)v.Length); foreach (var e in v) w.Write(e); break;
            case DType v: w.Write((byte)GraphFile.AttrKind.DType); w.Write((byte)v); break;
            case Shape v: w.Write((byte)GraphFile.AttrKind.Shape); WriteShape(w, v); break;
            case Tensor v: w.Write((byte)GraphFile.AttrKind.Tensor); WriteTensor(w, v); break;
            case Variable v: w.Write((byte)GraphFile.AttrKind.Variable); w.Write((uint)varIndex[v]); break;
            case Subgraph v: w.Write((byte)GraphFile.AttrKind.Subgraph); WriteSubgraph(w, v, varIndex); break;
            default:
                throw new NotSupportedException(
                    $"Graph.Save: node '{n.Name}' ({n.Op.Name}) has attribute '{key}' of type {value.GetType().Name}, which a graph file cannot hold " +
                    "(only int, long, float, double, bool, string, their arrays, DType, Shape, Tensor, Variable and Subgraph).");
        }
    }
}
