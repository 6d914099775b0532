using System.Security.Cryptography;

namespace Eager;

/// <summary>The inputs and outputs of a function stored in a graph file.</summary>
internal sealed record GraphSignature(string Name, Tensor[] Inputs, Tensor[] Outputs);

/// <summary>
/// Graph files (format in docs/graph-format.md): a fixed header with magic, version, kind, payload length and the
/// payload's SHA-256, then the payload: variables with their values, nodes, variable initializers and an optional
/// function signature. Written through <see cref="AtomicFile"/>; read as untrusted input.
/// </summary>
internal static class GraphFile
{
    /// <summary>"EAGRGRPH".</summary>
    public static ReadOnlySpan<byte> Magic => "EAGRGRPH"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const uint Version = 1;

    /// <summary>Kind field: a graph with its variables.</summary>
    public const uint KindGraph = 1;

    /// <summary>Kind field: a traced function (a graph plus a signature).</summary>
    public const uint KindFunction = 2;

    /// <summary>Header bytes: magic 8, version 4, kind 4, payload length 8, SHA-256 32.</summary>
    public const int HeaderSize = 56;

    /// <summary>Default largest file accepted by a load (the whole file is read into memory).</summary>
    public const long DefaultMaxBytes = int.MaxValue - HeaderSize;

    /// <summary>Attribute kinds.</summary>
    public enum AttrKind : byte
    {
        Int32 = 1, Int64 = 2, Float32 = 3, Float64 = 4, Bool = 5, String = 6,
        Int32Array = 7, Int64Array = 8, Float32Array = 9, Float64Array = 10,
        DType = 11, Shape = 12, Tensor = 13, Variable = 14, Subgraph = 15,
    }

    /// <summary>Writes <paramref name="graph"/> (and a function signature when given) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="NotSupportedException">A node has an attribute that cannot be stored (a runtime object).</exception>
    public static void Save(string path, Graph graph, GraphSignature? signature)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(graph);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Graph files are written on little-endian machines only.");
        var payload = GraphFileWriter.Payload(graph, signature);
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), signature is null ? KindGraph : KindFunction);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), (ulong)payload.Length);
        SHA256.HashData(payload.AsSpan(), header.AsSpan(24, 32));

        AtomicFile.Write(path, fs =>
        {
            fs.Write(header);
            fs.Write(payload.AsSpan());
        });
    }

    /// <summary>Reads a graph file. Every problem with its content is an <see cref="InvalidDataException"/> naming the file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a graph file, is truncated, corrupted, too large, or of another version.</exception>
    public static (Graph Graph, GraphSignature? Signature) Load(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes + HeaderSize)
            throw new InvalidDataException($"Graph file '{path}' is {length} bytes, more than the limit of {maxBytes + HeaderSize}.");
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path, verifyChecksum: true);
    }

    /// <summary>Parses file bytes (tests turn the checksum off to fuzz the payload parser itself).</summary>
    internal static (Graph Graph, GraphSignature? Signature) Parse(byte[] bytes, string source, bool verifyChecksum)
    {
        if (bytes.Length < HeaderSize)
            throw new InvalidDataException($"Graph file '{source}' is truncated: {bytes.Length} bytes, shorter than the {HeaderSize}-byte header.");
        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"'{source}' is not an Eager graph file (the first bytes are not \"EAGRGRPH\").");
        uint version = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version)
            throw new InvalidDataException($"Graph file '{source}' has format version {version}; this Eager reads version {Version}.");
        uint kind = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        if (kind is not (KindGraph or KindFunction))
            throw new InvalidDataException($"Graph file '{source}' has an unknown kind {kind}.");
        ulong payloadLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
        if (payloadLength != (ulong)(bytes.Length - HeaderSize))
            throw new InvalidDataException(payloadLength > (ulong)(bytes.Length - HeaderSize)
                ? $"Graph file '{source}' is truncated: the header promises {payloadLength} payload bytes, the file has {bytes.Length - HeaderSize}."
                : $"Graph file '{source}' is corrupted: {bytes.Length - HeaderSize - (long)payloadLength} bytes follow the payload.");
        var payload = bytes.AsMemory(HeaderSize);
        if (verifyChecksum)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(payload.Span, hash);
            if (!hash.SequenceEqual(bytes.AsSpan(24, 32)))
                throw new InvalidDataException($"Graph file '{source}' is corrupted: its SHA-256 checksum does not match the content.");
        }
        try
        {
            var result = GraphFileReader.Read(payload, kind == KindFunction);
            GraphVerifier.Verify(result.Graph);
            return result;
        }
        catch (Exception e) when (e is not (InvalidDataException or OutOfMemoryException))
        {
            throw new InvalidDataException($"Graph file '{source}' is corrupted: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Graph file '{source}' is corrupted: {e.Message}", e);
        }
    }
}
