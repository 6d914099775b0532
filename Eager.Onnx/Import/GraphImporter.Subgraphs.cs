using System.Runtime.CompilerServices;
using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>Nested graphs (If's branches, Loop's body): ONNX lets them read any value of the scopes around them by
/// name, so each runs in a scope of its own that falls back to its node's.</summary>
internal sealed partial class GraphImporter
{
    private static readonly ConditionalWeakTable<NodeProto, string[]> OuterNamesOf = new();

    /// <summary>Every node of <paramref name="g"/> and of the graphs nested in it.</summary>
    internal static IEnumerable<NodeProto> AllNodes(GraphProto g) =>
        g.Node.SelectMany(n => n.Attribute.SelectMany(GraphsOf).SelectMany(AllNodes).Prepend(n));

    private static IEnumerable<GraphProto> GraphsOf(AttributeProto a) => a.G is null ? a.Graphs : a.Graphs.Prepend(a.G);

    /// <summary>The names a node's nested graphs read from the scopes around the node (none for a node without them).</summary>
    internal static string[] OuterNames(NodeProto node) =>
        node.Attribute.All(a => a.G is null && a.Graphs.Count == 0) ? []
        : OuterNamesOf.GetValue(node, n => [.. n.Attribute.SelectMany(GraphsOf).SelectMany(FreeNames).Distinct(StringComparer.Ordinal)]);

    private static List<string> FreeNames(GraphProto g)
    {
        var defined = new HashSet<string>(g.Input.Select(i => i.Name).Concat(g.Initializer.Select(i => i.Name)), StringComparer.Ordinal);
        var free = new List<string>();
        foreach (var node in g.Node)
        {
            free.AddRange(node.Input.Concat(OuterNames(node)).Where(n => !string.IsNullOrEmpty(n) && !defined.Contains(n)));
            defined.UnionWith(node.Output);
        }
        free.AddRange(g.Output.Select(o => o.Name).Where(n => !defined.Contains(n)));
        return free;
    }

    /// <summary>Runs a nested graph on its formal inputs: its initializers and inputs first, then the names of the scopes around it.</summary>
    private Tensor[] RunGraph(GraphProto g, Func<string, Tensor?> outer, IReadOnlyList<Tensor> inputs)
    {
        string what = $"ONNX subgraph '{g.Name}'";
        if (inputs.Count != g.Input.Count)
            throw new InvalidDataException($"{what} takes {g.Input.Count} inputs ({string.Join(", ", g.Input.Select(i => i.Name))}); its node gives {inputs.Count}.");
        var own = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var init in g.Initializer) own[init.Name] = OnnxTensors.FromProto(init);
        for (int i = 0; i < inputs.Count; i++)
        {
            var v = g.Input[i];
            if (v.Type is { } type && type.ValueCase != TypeProto.ValueOneofCase.TensorType)
                throw new NotSupportedException($"{what}: input '{v.Name}' is a {type.ValueCase} value; only tensors are supported.");
            if (v.Type?.TensorType is { ElemType: not 0 } tt && OnnxTensors.FromElemType(tt.ElemType, $"{what} input '{v.Name}'") != inputs[i].DType)
                throw new InvalidDataException($"{what}: input '{v.Name}' is declared {OnnxTensors.FromElemType(tt.ElemType, v.Name).Name()} but gets {inputs[i].DType.Name()}{inputs[i].Shape}.");
            own[v.Name] = inputs[i];
        }
        Tensor? Lookup(string n) => own.TryGetValue(n, out var t) ? t : outer(n);
        foreach (var node in g.Node)
        {
            var outs = ImportNode(node, Lookup);
            for (int i = 0; i < node.Output.Count && i < outs.Length; i++)
                if (!string.IsNullOrEmpty(node.Output[i])) own[node.Output[i]] = outs[i];
        }
        return [.. g.Output.Select(o => o.Type is { } type && type.ValueCase != TypeProto.ValueOneofCase.TensorType
            ? throw new NotSupportedException($"{what}: output '{o.Name}' is a {type.ValueCase} value; only tensors are supported.")
            : Lookup(o.Name) ?? throw new InvalidDataException($"{what}: output '{o.Name}' is never computed."))];
    }
}
