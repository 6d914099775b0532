using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Eager.Interactive;

/// <summary>
/// A minimal PNG writer (ISO/IEC 15948): 8-bit grey, RGB or RGBA, no interlacing, filter type 0 on every row,
/// pixels deflated with zlib. Small and dependency-free, which is all a notebook picture needs.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major, <paramref name="channels"/> bytes per pixel) as a PNG file.</summary>
    /// <param name="pixels">height * width * channels bytes.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="channels">1 (grey), 3 (RGB) or 4 (RGBA).</param>
    /// <exception cref="ArgumentException">The sizes are not positive, the channel count is not 1, 3 or 4, or the pixel count does not match.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Png.Encode: width and height must be positive, got {width} x {height}.");
        byte colorType = channels switch
        {
            1 => 0,
            3 => 2,
            4 => 6,
            _ => throw new ArgumentException($"Png.Encode: channels must be 1 (grey), 3 (RGB) or 4 (RGBA), got {channels}."),
        };
        if (pixels.Length != (long)width * height * channels)
            throw new ArgumentException($"Png.Encode: expected {width} x {height} x {channels} = {(long)width * height * channels} bytes, got {pixels.Length}.");

        using var file = new MemoryStream();
        file.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;          // bits per channel
        header[9] = colorType;
        // header[10..12]: deflate compression, adaptive filtering, no interlace: all zero.
        WriteChunk(file, "IHDR", header);
        WriteChunk(file, "IDAT", Deflate(pixels, width * channels, height));
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>The zlib stream of the rows, each preceded by its filter byte (0: none).</summary>
    private static byte[] Deflate(ReadOnlySpan<byte> pixels, int stride, int height)
    {
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels.Slice(y * stride, stride));
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }

    /// <summary>CRC-32 (the PNG/zlib polynomial 0xEDB88320), continued from <paramref name="crc"/>.</summary>
    internal static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
