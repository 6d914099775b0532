using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Eager.NN;

/// <summary>
/// The checkpoint file format: named tensors with a checksum. Version 1, all integers little-endian:
/// <code>
/// magic      8 bytes  "EAGERCKP"
/// version    u32      1
/// count      u32      number of entries
/// entries    count times:
///   nameLen  u16, then nameLen bytes of UTF-8 (non-empty, unique)
///   dtype    u8       0 float32, 1 float64, 2 int32, 3 int64, 4 bool
///   rank     u8       at most 16
///   dims     rank x i64, each in [0, 2^31)
///   byteLen  u64      = elements x element size
///   data     byteLen bytes, row-major, little-endian
/// checksum   32 bytes SHA-256 of every byte before it
/// </code>
/// Writes go to a temporary file in the same folder, flushed, then renamed over the target, so a crash
/// never leaves a half-written checkpoint. Reads treat the file as untrusted: every length is checked
/// against the bytes that remain before anything is allocated, and the checksum must match before any
/// tensor is returned.
/// </summary>
public static class TensorFile
{
    /// <summary>The current format version.</summary>
    public const int Version = 1;

    private static ReadOnlySpan<byte> Magic => "EAGERCKP"u8;
    private const int MaxRank = 16, MaxName = 4096;

    /// <summary>Writes <paramref name="tensors"/> atomically to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A name is empty, too long or repeated.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in list)
        {
            if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > MaxName)
                throw new ArgumentException($"Checkpoint: tensor name '{name}' must be 1 to {MaxName} bytes of UTF-8.");
            if (!names.Add(name)) throw new ArgumentException($"Checkpoint: the name '{name}' appears twice.");
            ArgumentNullException.ThrowIfNull(t);
            if (t.Rank > MaxRank) throw new ArgumentException($"Checkpoint: '{name}' has rank {t.Rank}; at most {MaxRank} is supported.");
        }
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { hash.AppendData(bytes); stream.Write(bytes); }
            Span<byte> buf = stackalloc byte[8];
            Put(Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(buf, Version); Put(buf[..4]);
            BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)list.Count); Put(buf[..4]);
            foreach (var (name, tensor) in list)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                BinaryPrimitives.WriteUInt16LittleEndian(buf, (ushort)nameBytes.Length); Put(buf[..2]);
                Put(nameBytes);
                var t = tensor.Contiguous();
                buf[0] = DTypeCode(t.DType); buf[1] = (byte)t.Rank; Put(buf[..2]);
                foreach (var d in t.Shape) { BinaryPrimitives.WriteInt64LittleEndian(buf, d); Put(buf); }
                var data = Bytes(t);
                BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)data.Length); Put(buf);
                Put(data);
                GC.KeepAlive(t);
            }
            stream.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>Reads every tensor of a checkpoint file, in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is of an unknown version, truncated, or corrupted.</exception>
    public static List<KeyValuePair<string, Tensor>> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        var reader = new CheckedReader(file, path);
        Span<byte> buf = stackalloc byte[8];
        reader.Read(buf);
        if (!buf.SequenceEqual(Magic)) throw new InvalidDataException($"Checkpoint '{path}': not an Eager checkpoint (bad magic bytes).");
        reader.Read(buf[..4]);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(buf);
        if (version != Version) throw new InvalidDataException($"Checkpoint '{path}': format version {version} is not supported (this build reads version {Version}).");
        reader.Read(buf[..4]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(buf);
        // Each entry needs at least 13 bytes: a bound that stops absurd counts before any allocation.
        if (count > reader.Remaining / 13) throw reader.Corrupt($"it claims {count} entries, more than its size allows");
        var result = new List<KeyValuePair<string, Tensor>>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (uint i = 0; i < count; i++)
        {
            reader.Read(buf[..2]);
            int nameLen = BinaryPrimitives.ReadUInt16LittleEndian(buf);
            if (nameLen == 0 || nameLen > MaxName) throw reader.Corrupt($"entry {i} has a name of {nameLen} bytes");
            var nameBytes = reader.ReadBytes(nameLen);
            string name;
            try { name = new UTF8Encoding(false, true).GetString(nameBytes); }
            catch (DecoderFallbackException) { throw reader.Corrupt($"entry {i}'s name is not valid UTF-8"); }
            if (!names.Add(name)) throw reader.Corrupt($"the name '{name}' appears twice");
            reader.Read(buf[..2]);
            var dtype = DTypeOf(buf[0]) ?? throw reader.Corrupt($"'{name}' has unknown dtype code {buf[0]}");
            int rank = buf[1];
            if (rank > MaxRank) throw reader.Corrupt($"'{name}' has rank {rank}");
            var dims = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                reader.Read(buf);
                long dim = BinaryPrimitives.ReadInt64LittleEndian(buf);
                if (dim is < 0 or > int.MaxValue) throw reader.Corrupt($"'{name}' has dimension {dim}");
                dims[d] = (int)dim;
                elements = Math.Min(elements * Math.Max(dim, 0), long.MaxValue / 16);
            }
            reader.Read(buf);
            ulong byteLen = BinaryPrimitives.ReadUInt64LittleEndian(buf);
            long expected = elements * dtype.Size();
            if (elements > int.MaxValue || (ulong)expected != byteLen)
                throw reader.Corrupt($"'{name}' of shape ({string.Join(", ", dims)}) declares {byteLen} data bytes, expected {expected}");
            if (expected > reader.Remaining - 32) throw reader.Truncated();
            var data = reader.ReadBytes((int)expected);
            result.Add(new(name, FromBytes(data, new Shape(dims), dtype)));
        }
        var actual = reader.HashSoFar();
        var stored = reader.ReadBytes(32);
        if (!actual.AsSpan().SequenceEqual(stored)) throw reader.Corrupt("the checksum does not match its contents");
        if (reader.Remaining != 0) throw reader.Corrupt($"{reader.Remaining} unexpected bytes follow the checksum");
        return result;
    }

    internal static byte DTypeCode(DType d) => d switch
    {
        DType.Float32 => 0, DType.Float64 => 1, DType.Int32 => 2, DType.Int64 => 3, DType.Bool => 4,
        DType.Float16 => 5, DType.BFloat16 => 6, DType.Int8 => 7, DType.UInt8 => 8,
        _ => throw new ArgumentException($"Checkpoint: dtype {d} cannot be stored."),
    };

    private static DType? DTypeOf(byte code) => code switch
    {
        0 => DType.Float32, 1 => DType.Float64, 2 => DType.Int32, 3 => DType.Int64, 4 => DType.Bool,
        5 => DType.Float16, 6 => DType.BFloat16, 7 => DType.Int8, 8 => DType.UInt8, _ => null,
    };

    /// <summary>The raw little-endian bytes of a contiguous tensor.</summary>
    internal static ReadOnlySpan<byte> Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<int>()),
        DType.Int64 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<long>()),
        DType.Float16 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<Half>()),
        DType.BFloat16 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<BFloat16>()),
        DType.Int8 => MemoryMarshal.AsBytes(t.AsReadOnlySpan<sbyte>()),
        DType.UInt8 => t.AsReadOnlySpan<byte>(),
        _ => MemoryMarshal.AsBytes(t.AsReadOnlySpan<bool>()),
    };

    /// <summary>A tensor from raw little-endian bytes (bool bytes other than 0/1 are read as true).</summary>
    internal static Tensor FromBytes(ReadOnlySpan<byte> data, Shape shape, DType dtype)
    {
        switch (dtype)
        {
            case DType.Float32: return Tensor.From(MemoryMarshal.Cast<byte, float>(data), shape);
            case DType.Float64: return Tensor.From(MemoryMarshal.Cast<byte, double>(data), shape);
            case DType.Int32: return Tensor.From(MemoryMarshal.Cast<byte, int>(data), shape);
            case DType.Int64: return Tensor.From(MemoryMarshal.Cast<byte, long>(data), shape);
            case DType.Float16: return Tensor.From(MemoryMarshal.Cast<byte, Half>(data), shape);
            case DType.BFloat16: return Tensor.From(MemoryMarshal.Cast<byte, BFloat16>(data), shape);
            case DType.Int8: return Tensor.From(MemoryMarshal.Cast<byte, sbyte>(data), shape);
            case DType.UInt8: return Tensor.From(data, shape);
            default:
                var b = new bool[data.Length];
                for (int i = 0; i < b.Length; i++) b[i] = data[i] != 0;
                return Tensor.From<bool>(b, shape);
        }
    }

    /// <summary>Reads exact byte counts, hashing as it goes, with clear errors for a short file.</summary>
    private sealed class CheckedReader(FileStream file, string path)
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Remaining => file.Length - file.Position;

        public void Read(Span<byte> into)
        {
            if (into.Length > Remaining) throw Truncated();
            file.ReadExactly(into);
            hash.AppendData(into);
        }

        public byte[] ReadBytes(int n)
        {
            if (n > Remaining) throw Truncated();
            var b = new byte[n];
            file.ReadExactly(b);
            hash.AppendData(b);
            return b;
        }

        public byte[] HashSoFar() => hash.GetCurrentHash();

        public InvalidDataException Truncated() => new($"Checkpoint '{path}': the file is truncated ({file.Length} bytes); it was not written completely.");

        public InvalidDataException Corrupt(string what) => new($"Checkpoint '{path}': the file is corrupted: {what}.");
    }
}
