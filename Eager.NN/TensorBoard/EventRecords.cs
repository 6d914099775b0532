using System.Buffers.Binary;
using System.Numerics;

namespace Eager.NN;

/// <summary>
/// TensorFlow's record framing (TFRecord), which event files use: little-endian uint64 length, masked CRC32C of
/// those 8 bytes, the payload, masked CRC32C of the payload. The mask rotates right by 15 bits and adds a constant,
/// so that CRCs of data that itself holds CRCs stay well spread (tensorflow/core/lib/hash/crc32c.h).
/// </summary>
internal static class EventRecords
{
    private const uint MaskDelta = 0xa282ead8;

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, with the CPU's crc32 instruction where there is one.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    public static uint MaskedCrc(ReadOnlySpan<byte> data) => Mask(Crc32C(data));

    /// <summary>Writes one framed record.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(payload));
        stream.Write(header);
        stream.Write(payload);
        stream.Write(footer);
    }
}
