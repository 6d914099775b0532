using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>
/// Evaluates an ONNX graph with Eager ops: eagerly on concrete inputs, or while a graph is being built
/// (tracing), adding nodes. Nodes whose inputs are all constants are computed at import time, so shape
/// arithmetic on initializers (Shape/Gather/Concat/Reshape chains) folds away.
/// </summary>
internal sealed partial class GraphImporter
{
    private readonly ModelProto model;
    private readonly Dictionary<string, Tensor> initializers = new(StringComparer.Ordinal);

    private readonly PreparedWeights weights;

    public GraphImporter(ModelProto model)
    {
        this.model = model;
        weights = new PreparedWeights(initializers);
        Opset = (int)(model.OpsetImport.FirstOrDefault(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx")?.Version ?? 13);
        foreach (var init in model.Graph.Initializer) initializers[init.Name] = OnnxTensors.FromProto(init);
        long stored = initializers.Values.Sum(t => (long)t.Shape.Size)
            + model.Graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Sum(a => a.T.Dims.Aggregate(1L, (p, d) => d > 0 ? Math.Min(p * Math.Min(d, int.MaxValue), int.MaxValue) : 0));
        FoldLimit = MinFoldLimit + FoldPerStoredElement * stored;
        var unsupported = AllNodes(model.Graph)
            .Where(n => !(string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx") || !OnnxOps.Handlers.ContainsKey(n.OpType))
            .Select(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct().ToList();
        if (unsupported.Count > 0)
            throw new NotSupportedException($"ONNX import: unsupported operator(s) {string.Join(", ", unsupported)} (opset {Opset}). Supported: {string.Join(", ", OnnxOps.Handlers.Keys.Order())}.");
        Inputs = model.Graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        units = QdqFusion.Find(model.Graph);
        deferred = new HashSet<NodeProto>(units.Values.SelectMany(u => u.Replaced).Where(n => !units.ContainsKey(n)), ReferenceEqualityComparer.Instance);
        fusedAway = new HashSet<string>(deferred.SelectMany(n => n.Output), StringComparer.Ordinal);
        foreach (var v in Inputs.Concat(model.Graph.Output))
            if (v.Type?.TensorType is null)
                throw new NotSupportedException($"ONNX import: '{v.Name}' is a {v.Type?.ValueCase.ToString() ?? "untyped"} value; only tensors are supported.");
    }

    public int Opset { get; }

    /// <summary>The QDQ units run as integer kernels, keyed by their QuantizeLinear node; the other nodes of each unit
    /// (deferred to it) and the float values they compute (fusedAway).</summary>
    private readonly Dictionary<NodeProto, QdqUnit> units;
    private readonly HashSet<NodeProto> deferred;
    private readonly HashSet<string> fusedAway;

    /// <summary>
    /// How many elements the nodes computed at import time (those whose inputs are all constants) may produce
    /// together. Their sizes come from the file, so a few bytes (a Range to 2^31, a huge Resize scale) could otherwise
    /// allocate gigabytes: a model may compute a few times what it stores, plus a floor for masks and index tables.
    /// </summary>
    public long FoldLimit { get; }

    private const long MinFoldLimit = 1L << 24, FoldPerStoredElement = 4;

    /// <summary>The graph inputs that are not initializers, in order.</summary>
    public IReadOnlyList<ValueInfoProto> Inputs { get; }

    /// <summary>The input's spec: dtype and shape with -1 for symbolic dims.</summary>
    public static TensorSpec SpecOf(ValueInfoProto v)
    {
        var tt = v.Type?.TensorType ?? throw new NotSupportedException($"ONNX input '{v.Name}' is not a tensor.");
        // Some exporters write -1 for a dynamic dimension: any negative value is read as unknown.
        var dims = tt.Shape?.Dim.Select(d => !d.HasDimValue || d.DimValue < 0 ? -1 : d.DimValue <= int.MaxValue ? (int)d.DimValue
            : throw new InvalidDataException($"ONNX input '{v.Name}': dimension {d.DimValue} is out of range.")).ToArray() ?? [];
        long elements = dims.Aggregate(1L, (n, d) => d < 0 ? n : Math.Min(n * d, long.MaxValue / int.MaxValue));
        if (elements > int.MaxValue)
            throw new InvalidDataException($"ONNX input '{v.Name}': shape ({string.Join(", ", dims)}) has more elements than a tensor can hold (2^31-1).");
        return new TensorSpec(new Shape(dims), OnnxTensors.FromElemType(tt.ElemType, $"input '{v.Name}'"), v.Name);
    }

    public Tensor[] Run(IReadOnlyList<Tensor> inputs)
    {
        var values = Evaluate(inputs, null);
        return model.Graph.Output.Select(o => values.TryGetValue(o.Name, out var t) ? t
            : throw new InvalidDataException($"ONNX graph output '{o.Name}' is never computed.")).ToArray();
    }

    /// <summary>Runs nodes until every value in <paramref name="wanted"/> is computed (all nodes when null).</summary>
    public Dictionary<string, Tensor> Evaluate(IReadOnlyList<Tensor> inputs, IReadOnlyCollection<string>? wanted)
    {
        if (inputs.Count != Inputs.Count)
            throw new ArgumentException($"ONNX model expects {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}), got {inputs.Count}.");
        var values = new Dictionary<string, Tensor>(initializers, StringComparer.Ordinal);
        for (int i = 0; i < inputs.Count; i++) values[Inputs[i].Name] = inputs[i];
        var missing = wanted is null ? null : new HashSet<string>(wanted.Where(w => !values.ContainsKey(w)), StringComparer.Ordinal);
        // While tracing, whatever runs eagerly is computed from the file alone; run on concrete inputs, the caller chose the sizes.
        using var foldLimit = Graph.Current is not null ? Dispatcher.LimitElements(FoldLimit) : null;
        // A caller asking for a float value inside a QDQ unit gets the graph as written.
        bool fuse = wanted is null || !wanted.Any(fusedAway.Contains);
        foreach (var node in model.Graph.Node)
        {
            if (missing is { Count: 0 }) break;
            if (fuse && deferred.Contains(node)) continue;
            if (fuse && units.TryGetValue(node, out var unit))
            {
                var fused = Guarded(node, () => QdqFusion.Run(unit, values, Opset, Graph.Current is null ? null : Graph.EagerScope));
                if (fused is not null) Store(node, [fused]);
                else foreach (var n in unit.Replaced) Store(n, RunNode(n));
                continue;
            }
            Store(node, RunNode(node));
        }
        if (missing is { Count: > 0 }) throw new ArgumentException($"ONNX model: no node computes {string.Join(", ", missing)}.");
        return values;

        void Store(NodeProto node, Tensor[] outs)
        {
            for (int i = 0; i < node.Output.Count && i < outs.Length; i++)
                if (!string.IsNullOrEmpty(node.Output[i])) { values[node.Output[i]] = outs[i]; missing?.Remove(node.Output[i]); }
        }

        Tensor[] RunNode(NodeProto node) => ImportNode(node, n => values.GetValueOrDefault(n));
    }

    /// <summary>Imports one node, reading its inputs through <paramref name="lookup"/> (this scope, then the scopes around it).</summary>
    private Tensor[] ImportNode(NodeProto node, Func<string, Tensor?> lookup)
    {
        var ins = node.Input.Select(n => string.IsNullOrEmpty(n) ? null
            : lookup(n) is { } t ? t
            : throw new InvalidDataException($"ONNX node '{node.Name}' ({node.OpType}) reads '{n}', which no earlier node or input defines.")).ToArray();
        var ctx = new ImportContext(node, ins, Opset, (g, xs, outer) => RunGraph(g, outer is null ? lookup : n => lookup(n) is { } t ? outer(t) : null, xs), weights);
        // A node with subgraphs also reads the outer values they name.
        bool allConst = ins.All(t => t is null || !t.IsSymbolic) && OuterNames(node).All(n => lookup(n) is not { IsSymbolic: true });
        var outs = Guarded(node, () =>
        {
            if (allConst && Graph.Current is not null)
            {
                using (Graph.EagerScope()) return OnnxOps.Handlers[node.OpType](ctx);
            }
            return OnnxOps.Handlers[node.OpType](ctx);
        });
        if (Graph.Current is not null && !allConst)
        {
            KnownValues.Propagate(node, ctx, outs);
            for (int i = 0; i < outs.Length; i++) outs[i] = KnownValues.Fold(outs[i]);
        }
        return outs;
    }

    /// <summary>Runs one node's import, turning argument and overflow errors into errors naming the node.</summary>
    private T Guarded<T>(NodeProto node, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"ONNX node '{node.Name}' ({node.OpType}, opset {Opset}): {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"ONNX node '{node.Name}' ({node.OpType}, opset {Opset}): a size, index or attribute does not fit 32 bits.", e);
        }
    }
}
