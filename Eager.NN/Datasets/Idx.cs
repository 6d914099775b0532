using System.Buffers.Binary;
using System.IO.Compression;

namespace Eager.NN.Datasets;

/// <summary>
/// Reader for the IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed, detected from the content):
/// two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64), the rank, then each
/// dimension as a big-endian int32, then the data, big-endian. Unsigned bytes load as int32 tensors unless
/// asked for as float32 scaled to [0, 1]. Files are untrusted: sizes are checked before allocation.
/// </summary>
public static class Idx
{
    private const long MaxElements = 1L << 30;

    /// <summary>Reads an IDX file into a tensor: integer types as int32, f32 as float32, f64 as float64.</summary>
    /// <exception cref="InvalidDataException">The file is not IDX, or is truncated.</exception>
    public static Tensor Read(string path)
    {
        var (shape, type, data) = ReadRaw(path);
        int n = shape.Size;
        switch (type)
        {
            case 0x08: return Tensor.From(Array.ConvertAll(data, b => (int)b), shape);
            case 0x09: return Tensor.From(Array.ConvertAll(data, b => (int)(sbyte)b), shape);
            case 0x0B:
            {
                var v = new int[n];
                for (int i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(2 * i));
                return Tensor.From(v, shape);
            }
            case 0x0C:
            {
                var v = new int[n];
                for (int i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 * i));
                return Tensor.From(v, shape);
            }
            case 0x0D:
            {
                var v = new float[n];
                for (int i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i));
                return Tensor.From(v, shape);
            }
            default:
            {
                var v = new double[n];
                for (int i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(8 * i));
                return Tensor.From(v, shape);
            }
        }
    }

    /// <summary>Reads an unsigned-byte IDX image file as float32 in [0, 1] (pixel / 255).</summary>
    /// <exception cref="InvalidDataException">The file is not an unsigned-byte IDX file.</exception>
    public static Tensor ReadImagesAsFloat(string path)
    {
        var (shape, type, data) = ReadRaw(path);
        if (type != 0x08) throw new InvalidDataException($"IDX '{path}': expected unsigned bytes (type 0x08), got type 0x{type:X2}.");
        return Tensor.From(Array.ConvertAll(data, b => b / 255f), shape);
    }

    /// <summary>Writes an int32 (as unsigned bytes, values 0..255) or float32 tensor as an uncompressed IDX file.</summary>
    /// <exception cref="ArgumentException">Values do not fit the chosen type.</exception>
    public static void Write(string path, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Rank is 0 or > 255) throw new ArgumentException($"Idx.Write: rank must be 1 to 255, got {t.Rank}.");
        byte type = t.DType switch
        {
            DType.Int32 => 0x08,
            DType.Float32 => 0x0D,
            _ => throw new ArgumentException($"Idx.Write: int32 (as bytes) or float32 tensors only, got {t.DType.Name()}."),
        };
        using var ms = new MemoryStream();
        ms.Write([0, 0, type, (byte)t.Rank]);
        Span<byte> b4 = stackalloc byte[4];
        foreach (var d in t.Shape) { BinaryPrimitives.WriteInt32BigEndian(b4, d); ms.Write(b4); }
        if (type == 0x08)
        {
            foreach (var v in t.ToArray<int>())
            {
                if (v is < 0 or > 255) throw new ArgumentException($"Idx.Write: value {v} does not fit an unsigned byte.");
                ms.WriteByte((byte)v);
            }
        }
        else
        {
            foreach (var v in t.ToArray<float>()) { BinaryPrimitives.WriteSingleBigEndian(b4, v); ms.Write(b4); }
        }
        AtomicFile.Write(path, s => { ms.Position = 0; ms.CopyTo(s); });
    }

    private static (Shape Shape, byte Type, byte[] Data) ReadRaw(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = got == 2 && head[0] == 0x1F && head[1] == 0x8B;
        using Stream s = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> magic = stackalloc byte[4];
        if (!TryRead(s, magic) || magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException($"IDX '{path}': not an IDX file (the first two bytes must be zero{(gzip ? ", after gunzip" : "")}).");
        byte type = magic[2];
        int size = type switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0 };
        if (size == 0) throw new InvalidDataException($"IDX '{path}': unknown element type 0x{type:X2}.");
        int rank = magic[3];
        if (rank == 0) throw new InvalidDataException($"IDX '{path}': rank 0 is not allowed.");
        var dims = new int[rank];
        long elements = 1;
        Span<byte> b4 = stackalloc byte[4];
        for (int i = 0; i < rank; i++)
        {
            if (!TryRead(s, b4)) throw Truncated(path);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(b4);
            if (dims[i] < 0) throw new InvalidDataException($"IDX '{path}': dimension {i} is negative ({dims[i]}).");
            elements *= dims[i];
            if (elements > MaxElements) throw new InvalidDataException($"IDX '{path}': more than {MaxElements} elements declared.");
        }
        long bytes = elements * size;
        if (bytes > Array.MaxLength) throw new InvalidDataException($"IDX '{path}': {elements} elements of {size} bytes are more than one array holds.");
        if (!gzip && bytes > file.Length - file.Position) throw Truncated(path);
        var data = gzip ? ReadGrowing(s, (int)bytes, path) : new byte[bytes];
        if (!gzip && !TryRead(s, data)) throw Truncated(path);
        return (new Shape(dims), type, data);
    }

    /// <summary>
    /// Reads <paramref name="bytes"/> bytes of decompressed data. The size comes from the file and a compressed file can
    /// be tiny, so memory grows with the data that actually arrives instead of being allocated up front.
    /// </summary>
    private static byte[] ReadGrowing(Stream s, int bytes, string path)
    {
        const int Step = 1 << 24;
        var data = new byte[Math.Min(bytes, Step)];
        int have = 0;
        while (true)
        {
            int got = s.ReadAtLeast(data.AsSpan(have), data.Length - have, throwOnEndOfStream: false);
            have += got;
            if (have < data.Length) throw Truncated(path);
            if (have == bytes) return data;
            Array.Resize(ref data, (int)Math.Min(bytes, 2L * data.Length));
        }
    }

    private static bool TryRead(Stream s, Span<byte> into) => s.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) == into.Length;

    private static InvalidDataException Truncated(string path) => new($"IDX '{path}': the file is truncated (fewer bytes than its header declares).");
}
