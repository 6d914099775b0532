using Eager.Onnx.Export;
using Eager.Onnx.Proto;

namespace Eager.Onnx;

/// <summary>Exports traced functions to ONNX files that ONNX Runtime runs unchanged.</summary>
public static class OnnxExporter
{
    /// <summary>The opset written by default.</summary>
    public const int DefaultOpset = 13;

    /// <summary>
    /// Writes <paramref name="function"/> as an ONNX model: its inputs become graph inputs (unknown dims become
    /// symbolic dims, so a batch size is never baked in), variables and constants become initializers, and
    /// every op maps itself through its definition's ONNX mapping. An op without one is named in a
    /// NotSupportedException. The file is written to a temporary name and renamed into place.
    /// </summary>
    public static void Export(ConcreteFunction function, string path, int opset = DefaultOpset)
    {
        ArgumentNullException.ThrowIfNull(function);
        var model = ToModel(function, opset);
        OnnxFiles.WriteModel(model, path);
    }

    /// <summary>The ONNX model for a function, without writing it.</summary>
    public static ModelProto ToModel(ConcreteFunction function, int opset = DefaultOpset)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (opset < 13) throw new ArgumentOutOfRangeException(nameof(opset), $"ONNX export writes opset 13 or later; got {opset}.");
        var names = function.InputSpecs.Select(s => s.Name ?? "input").ToList();
        var graph = new GraphExporter(opset).Export(function.Graph, function.Inputs, function.Outputs, names, function.Name);
        return new ModelProto
        {
            IrVersion = 7,
            ProducerName = "Eager",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
        };
    }
}

/// <summary>Imports ONNX models as traced functions run by Eager's Session.</summary>
public static class OnnxImporter
{
    /// <summary>
    /// Reads an ONNX model (untrusted: size limits, bounds checks, clear errors for corrupt files and for
    /// unsupported operators, naming them and the opset) and traces it into a <see cref="ConcreteFunction"/>.
    /// </summary>
    public static ConcreteFunction Import(string path) => Import(path, null);

    /// <summary>
    /// As <see cref="Import(string)"/>, tracing with <paramref name="inputSpecs"/> (one per model input, same dtype)
    /// instead of the model's own input shapes: pins dimensions the model leaves symbolic, such as an image's height
    /// and width, where an operator needs them known at import time.
    /// </summary>
    public static ConcreteFunction Import(string path, params TensorSpec[]? inputSpecs)
    {
        var model = OnnxModel.Load(path);
        var specs = model.Inputs.Select((s, i) => s with { Name = s.Name ?? $"input_{i}" }).ToArray();
        if (inputSpecs is { Length: > 0 })
        {
            if (inputSpecs.Length != specs.Length)
                throw new ArgumentException($"ONNX import of '{path}': the model has {specs.Length} inputs, got {inputSpecs.Length} input specs.");
            for (int i = 0; i < specs.Length; i++)
            {
                if (inputSpecs[i].DType != specs[i].DType || !specs[i].Shape.IsCompatibleWith(inputSpecs[i].Shape))
                    throw new ArgumentException($"ONNX import of '{path}': input '{specs[i].Name}' is {specs[i]}, which {inputSpecs[i]} does not fit.");
                specs[i] = inputSpecs[i] with { Name = specs[i].Name };
            }
        }
        return ConcreteFunction.Trace(Path.GetFileNameWithoutExtension(path), xs => model.Run(xs), specs);
    }
}
