using System.Text;
using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>What an ONNX operator importer sees: the node, its resolved inputs, attributes and the opset.</summary>
public sealed class ImportContext
{
    internal ImportContext(NodeProto node, Tensor?[] inputs, int opset, SubgraphRunner? runGraph = null, PreparedWeights? weights = null)
    {
        Node = node; Inputs = inputs; Opset = opset; this.runGraph = runGraph; this.weights = weights;
    }

    /// <summary>Runs a nested graph (If's branches, Loop's body) on its formal inputs in the scope of this node; a
    /// tensor read from the scopes around it passes through <paramref name="outer"/> when given.</summary>
    internal delegate Tensor[] SubgraphRunner(GraphProto graph, IReadOnlyList<Tensor> inputs, Func<Tensor, Tensor>? outer);

    private readonly SubgraphRunner? runGraph;
    private readonly PreparedWeights? weights;

    /// <summary>The same node with other inputs.</summary>
    internal ImportContext WithInputs(Tensor?[] inputs) => new(Node, inputs, Opset, runGraph, weights);

    /// <summary>A graph attribute, or an error naming the node.</summary>
    internal GraphProto GraphAttr(string name) => Attr(name) is { G: { } g } ? g
        : throw new InvalidDataException($"ONNX {Node.OpType} node '{Node.Name}': graph attribute '{name}' is missing.");

    /// <summary>Runs the nested graph <paramref name="graph"/> on <paramref name="inputs"/> (see <see cref="SubgraphRunner"/>).</summary>
    internal Tensor[] RunGraph(GraphProto graph, IReadOnlyList<Tensor> inputs, Func<Tensor, Tensor>? outer = null) =>
        (runGraph ?? throw new InvalidOperationException($"ONNX {Node.OpType} node '{Node.Name}': no scope to run its subgraph in."))(graph, inputs, outer);

    /// <summary><paramref name="prepare"/>(input i): when the model runs eagerly and input i is one of its initializers,
    /// computed once per model under <paramref name="layout"/>'s name and kept contiguous (a filter in the layout the
    /// op wants, which every call would otherwise transpose again); computed on every call otherwise.</summary>
    public Tensor Prepared(int i, string layout, Func<Tensor, Tensor> prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        var t = In(i);
        return weights is not null && Graph.Current is null && !t.IsSymbolic ? weights.Get(Node.Input[i], t, layout, prepare) : prepare(t);
    }

    /// <summary>True when input i is present and its value is known at import time (a constant, or computed only from known dimensions).</summary>
    public bool IsKnown(int i) => Opt(i) is { } t && !KnownValues.Fold(t).IsSymbolic;

    /// <summary>The ONNX node.</summary>
    public NodeProto Node { get; }

    /// <summary>Inputs; null where the node leaves an optional input empty.</summary>
    public Tensor?[] Inputs { get; }

    /// <summary>The model's default-domain opset.</summary>
    public int Opset { get; }

    /// <summary>Input i, or an error naming the node when it is missing.</summary>
    public Tensor In(int i) => i < Inputs.Length && Inputs[i] is { } t ? t
        : throw new InvalidDataException($"ONNX {Node.OpType} node '{Node.Name}': required input {i} is missing.");

    /// <summary>Optional input i.</summary>
    public Tensor? Opt(int i) => i < Inputs.Length ? Inputs[i] : null;

    private AttributeProto? Attr(string name) => Node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>An int attribute.</summary>
    public long Int(string name, long fallback) => Attr(name) is { } a ? a.I : fallback;

    /// <summary>A float attribute.</summary>
    public float Float(string name, float fallback) => Attr(name) is { } a ? a.F : fallback;

    /// <summary>A string attribute.</summary>
    public string Str(string name, string fallback) => Attr(name) is { } a ? Encoding.UTF8.GetString(a.S.Span) : fallback;

    /// <summary>An ints attribute.</summary>
    public long[]? Ints(string name) => Attr(name) is { } a ? [.. a.Ints] : null;

    /// <summary>A floats attribute.</summary>
    public float[]? Floats(string name) => Attr(name) is { } a ? [.. a.Floats] : null;

    /// <summary>A tensor attribute.</summary>
    public Tensor? TensorAttr(string name) => Attr(name) is { T: { } t } ? OnnxTensors.FromProto(t) : null;

    /// <summary>True when the attribute is present.</summary>
    public bool Has(string name) => Attr(name) is not null;

    /// <summary>The concrete value of input i (a constant or initializer), or a clear error when it is computed at run time.</summary>
    public Tensor Const(int i)
    {
        var t = KnownValues.Fold(In(i));
        if (t.IsSymbolic)
            throw new NotSupportedException($"ONNX {Node.OpType} node '{Node.Name}': input {i} ('{Node.Input[i]}') must be a constant known at import time.");
        return t;
    }

    /// <summary>Input i read as int64 values (shapes, axes, pads).</summary>
    public long[] ConstInts(int i)
    {
        var t = Const(i);
        return t.DType switch
        {
            DType.Int64 => t.ToArray<long>(),
            DType.Int32 => t.ToArray<int>().Select(v => (long)v).ToArray(),
            _ => throw new InvalidDataException($"ONNX {Node.OpType} node '{Node.Name}': input {i} must be int64, got {t.DType.Name()}."),
        };
    }

    /// <summary>An error naming the node for an attribute value we do not support.</summary>
    public NotSupportedException Unsupported(string what) =>
        new($"ONNX {Node.OpType} node '{Node.Name}' (opset {Opset}): {what} is not supported.");
}
