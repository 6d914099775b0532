using Eager.Onnx.Import;
using Eager.Onnx.Proto;

namespace Eager.Onnx;

/// <summary>
/// An imported ONNX model run by Eager's ops: eagerly (with gradients through a GradientTape) or inside a
/// graph being built. Intermediate values can be read by name, which feature extractors need.
/// </summary>
public sealed class OnnxModel
{
    private readonly ModelProto proto;
    private readonly GraphImporter importer;

    private OnnxModel(ModelProto proto)
    {
        this.proto = proto;
        importer = new GraphImporter(proto);
    }

    /// <summary>Reads and validates a model file (untrusted input: size limits, clear errors, unsupported operators named).</summary>
    public static OnnxModel Load(string path) => new(OnnxFiles.ReadModel(path));

    /// <summary>The model's default-domain opset.</summary>
    public int Opset => importer.Opset;

    /// <summary>Inputs (those that are not initializers): name, dtype and shape with -1 for symbolic dims.</summary>
    public IReadOnlyList<TensorSpec> Inputs => importer.Inputs.Select(GraphImporter.SpecOf).ToList();

    /// <summary>Names of the graph outputs.</summary>
    public IReadOnlyList<string> Outputs => proto.Graph.Output.Select(o => o.Name).ToList();

    /// <summary>The first output name of every node of the given ONNX op type, in graph order.</summary>
    public IReadOnlyList<string> NodeOutputs(string opType) =>
        proto.Graph.Node.Where(n => n.OpType == opType && n.Output.Count > 0).Select(n => n.Output[0]).ToList();

    /// <summary>An initializer's value.</summary>
    public Tensor Initializer(string name) =>
        proto.Graph.Initializer.FirstOrDefault(i => i.Name == name) is { } t ? OnnxTensors.FromProto(t)
        : throw new KeyNotFoundException($"ONNX model has no initializer named '{name}'.");

    /// <summary>Runs the whole model.</summary>
    public Tensor[] Run(params Tensor[] inputs) => importer.Run(inputs);

    /// <summary>Runs only as far as needed to compute the named values.</summary>
    public IReadOnlyDictionary<string, Tensor> RunTo(IReadOnlyList<Tensor> inputs, IReadOnlyCollection<string> names)
    {
        var all = importer.Evaluate(inputs, names);
        return names.ToDictionary(n => n, n => all[n], StringComparer.Ordinal);
    }
}
