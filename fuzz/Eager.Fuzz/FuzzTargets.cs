using System.Buffers.Binary;
using System.Security.Cryptography;
using Eager.NN;
using Eager.NN.Datasets;
using Eager.Onnx;

namespace Eager.Fuzz;

/// <summary>
/// One fuzz target per untrusted file format. <see cref="Run"/> writes the input to a scratch file and loads it
/// through the public loader; it returns when the loader returns a value or throws the exception type the
/// loader documents, and lets anything else escape (the fuzzer records that as a crash). Compiled into the
/// fuzz harness and into Eager.Tests, which replays the committed corpora with the same rules.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The target names: the folder names under fuzz/corpus and fuzz/regressions.</summary>
    public static readonly string[] Names = ["onnx", "graph", "checkpoint", "safetensors", "idx"];

    /// <summary>Loads <paramref name="input"/> as file format <paramref name="target"/> through <paramref name="scratch"/>.</summary>
    /// <returns>null when a value came back, else the documented exception the loader threw.</returns>
    public static Exception? Run(string target, ReadOnlySpan<byte> input, string scratch)
    {
        File.WriteAllBytes(scratch, FileBytes(target, input));
        try
        {
            Load(target, scratch);
            return null;
        }
        catch (Exception e) when (IsDocumented(target, e))
        {
            return e;
        }
    }

    /// <summary>
    /// The file the loader sees. Graph files and checkpoints carry a SHA-256 that random bytes never match, so for
    /// them the input is the content and the harness writes a valid checksum: the fuzzer then explores the parser
    /// behind it. A graph input's first byte picks the kind (even: graph, odd: function).
    /// </summary>
    public static byte[] FileBytes(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "graph":
            {
                const int headerSize = 56;
                var payload = input.Length > 0 ? input[1..] : [];
                var file = new byte[headerSize + payload.Length];
                "EAGRGRPH"u8.CopyTo(file);
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(12), input.Length > 0 && (input[0] & 1) == 1 ? 2u : 1u);
                BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(16), (ulong)payload.Length);
                SHA256.HashData(payload, file.AsSpan(24, 32));
                payload.CopyTo(file.AsSpan(headerSize));
                return file;
            }
            case "checkpoint":
            {
                var file = new byte[input.Length + 32];
                input.CopyTo(file);
                SHA256.HashData(input, file.AsSpan(input.Length));
                return file;
            }
            default:
                return input.ToArray();
        }
    }

    /// <summary>The harness input that reproduces a real file of format <paramref name="target"/> (the inverse of <see cref="FileBytes"/>).</summary>
    public static byte[] InputOf(string target, byte[] file) => target switch
    {
        "graph" => [(byte)(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)) == 2 ? 1 : 0), .. file.AsSpan(56)],
        "checkpoint" => file[..^32],
        _ => file,
    };

    private static void Load(string target, string path)
    {
        switch (target)
        {
            case "onnx": _ = OnnxImporter.Import(path); break;
            case "graph":
                if (BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(path).AsSpan(12)) == 2) _ = ConcreteFunction.Load(path);
                else _ = Graph.Load(path);
                break;
            case "checkpoint": _ = TensorFile.Read(path); break;
            case "safetensors": _ = SafeTensors.List(path); _ = SafeTensors.Read(path); break;
            case "idx": _ = Idx.Read(path); break;
            default: throw new ArgumentException($"Unknown fuzz target '{target}'; expected one of {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// The exceptions each loader documents for bad content, with a message. ONNX import also documents
    /// NotSupportedException for valid models that use operators or features Eager lacks.
    /// </summary>
    public static bool IsDocumented(string target, Exception e) =>
        (e.GetType() == typeof(InvalidDataException) || target == "onnx" && e.GetType() == typeof(NotSupportedException))
        && IsClear(e.Message);

    /// <summary>
    /// A message is clear when it says what is wrong in the loader's words: not empty, and not the runtime's text of
    /// an exception a loader caught and wrapped (an index or argument out of range says nothing about the file).
    /// </summary>
    public static bool IsClear(string message) =>
        !string.IsNullOrWhiteSpace(message) && !RuntimeMessages.Any(m => message.Contains(m, StringComparison.Ordinal));

    private static readonly string[] RuntimeMessages =
    [
        "Specified argument was out of the range of valid values", "Index was outside the bounds of the array",
        "Object reference not set to an instance", "Arithmetic operation resulted in an overflow", "Sequence contains no",
        "Value cannot be null", "Unable to cast object",
    ];
}
