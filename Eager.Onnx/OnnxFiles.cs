using Google.Protobuf;
using Eager.Onnx.Proto;

namespace Eager.Onnx;

/// <summary>Reading and writing ONNX files safely: size limits, clear errors, atomic writes.</summary>
public static class OnnxFiles
{
    /// <summary>Largest model file accepted (2 GiB, protobuf's own limit).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Reads a whole file after checking it exists and is not too large.</summary>
    public static byte[] ReadBounded(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        var len = new FileInfo(path).Length;
        if (len > MaxFileBytes) throw new InvalidDataException($"ONNX file '{path}' is {len} bytes, more than the {MaxFileBytes} limit.");
        return File.ReadAllBytes(path);
    }

    /// <summary>Parses a model, turning every parser failure into an InvalidDataException that names the file.</summary>
    public static ModelProto ReadModel(string path)
    {
        var bytes = ReadBounded(path);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"'{path}' is not a valid ONNX model (corrupt or truncated protobuf): {e.Message}", e); }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException)
        { throw new InvalidDataException($"'{path}' is not a valid ONNX model: {e.Message}", e); }
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
            throw new InvalidDataException($"'{path}' is not a valid ONNX model: it has no graph.");
        return model;
    }

    /// <summary>Writes a model atomically (<see cref="AtomicFile"/>): a crash leaves the old file or the new one.</summary>
    public static void WriteModel(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, s => model.WriteTo(s));
    }
}
