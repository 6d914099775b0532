using System.Buffers.Binary;
using System.Text;

namespace Eager.Tests.NN.TensorBoard;

/// <summary>
/// An event-file reader written independently of the writer: its own bitwise CRC-32C, its own record parser and
/// its own protobuf field walker, so a mistake in the writer cannot be mirrored here.
/// </summary>
internal static class EventFileReader
{
    /// <summary>CRC-32C, bit by bit (reflected polynomial 0x82F63B78), straight from the definition.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint c = Crc32C(data);
        return unchecked(((c >> 15) | (c << 17)) + 0xa282ead8);
    }

    /// <summary>The payloads of every record, checking both CRCs of each.</summary>
    public static List<byte[]> Records(string path)
    {
        byte[] all;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var ms = new MemoryStream())
        {
            fs.CopyTo(ms);
            all = ms.ToArray();
        }
        var result = new List<byte[]>();
        int at = 0;
        while (at < all.Length)
        {
            if (at + 12 > all.Length) throw new InvalidDataException($"truncated header at {at}");
            var header = all.AsSpan(at, 8);
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(at + 8)) != Masked(header)) throw new InvalidDataException($"length CRC at {at}");
            if ((ulong)(all.Length - at - 16) < len) throw new InvalidDataException($"truncated payload at {at}");
            var payload = all.AsSpan(at + 12, (int)len);
            if (BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(at + 12 + (int)len)) != Masked(payload)) throw new InvalidDataException($"payload CRC at {at}");
            result.Add(payload.ToArray());
            at += 16 + (int)len;
        }
        return result;
    }

    /// <summary>One protobuf field: its number and either an integer (varint, fixed32 or fixed64 bits) or bytes.</summary>
    public sealed record Field(int Number, ulong Bits, byte[]? Bytes)
    {
        public double AsDouble => BitConverter.Int64BitsToDouble((long)Bits);
        public float AsFloat => BitConverter.Int32BitsToSingle((int)(uint)Bits);
        public string AsString => Encoding.UTF8.GetString(Bytes!);
        public List<Field> AsMessage => Fields(Bytes!);
    }

    public static List<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        int at = 0;
        ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = message[at++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
        }
        while (at < message.Length)
        {
            ulong key = Varint();
            int number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0: fields.Add(new(number, Varint(), null)); break;
                case 1: fields.Add(new(number, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(at)), null)); at += 8; break;
                case 5: fields.Add(new(number, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(at)), null)); at += 4; break;
                case 2:
                    int len = (int)Varint();
                    fields.Add(new(number, 0, message.AsSpan(at, len).ToArray()));
                    at += len;
                    break;
                default: throw new InvalidDataException($"wire type {key & 7}");
            }
        }
        return fields;
    }

    public static Field One(this List<Field> fields, int number) => fields.Single(f => f.Number == number);

    public static IEnumerable<Field> All(this List<Field> fields, int number) => fields.Where(f => f.Number == number);

    public static double[] PackedDoubles(byte[] bytes) =>
        [.. Enumerable.Range(0, bytes.Length / 8).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8)))];

    /// <summary>(step, tag, Summary.Value fields) of every summary event in a file.</summary>
    public static List<(long Step, string Tag, List<Field> Value)> Summaries(string path) =>
        [.. Records(path).Select(Fields).Where(e => e.Any(f => f.Number == 5))
            .Select(e => (Step: e.Any(f => f.Number == 2) ? (long)e.One(2).Bits : 0L, Value: e.One(5).AsMessage.One(1).AsMessage))
            .Select(x => (x.Step, x.Value.One(1).AsString, x.Value))];
}
