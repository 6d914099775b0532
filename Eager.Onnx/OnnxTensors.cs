using Google.Protobuf;
using Eager.Onnx.Proto;

namespace Eager.Onnx;

/// <summary>Conversions between Eager tensors and ONNX TensorProto / element types.</summary>
public static class OnnxTensors
{
    /// <summary>The ONNX element type code of a dtype.</summary>
    public static int ElemType(DType d) => d switch
    {
        DType.Float32 => (int)TensorProto.Types.DataType.Float,
        DType.Float64 => (int)TensorProto.Types.DataType.Double,
        DType.Int32 => (int)TensorProto.Types.DataType.Int32,
        DType.Int64 => (int)TensorProto.Types.DataType.Int64,
        DType.Bool => (int)TensorProto.Types.DataType.Bool,
        DType.Float16 => (int)TensorProto.Types.DataType.Float16,
        DType.BFloat16 => (int)TensorProto.Types.DataType.Bfloat16,
        DType.Int8 => (int)TensorProto.Types.DataType.Int8,
        DType.UInt8 => (int)TensorProto.Types.DataType.Uint8,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>The dtype of an ONNX element type code, or a clear error for unsupported ones.</summary>
    public static DType FromElemType(int code, string where) => (TensorProto.Types.DataType)code switch
    {
        TensorProto.Types.DataType.Float => DType.Float32,
        TensorProto.Types.DataType.Double => DType.Float64,
        TensorProto.Types.DataType.Int32 => DType.Int32,
        TensorProto.Types.DataType.Int64 => DType.Int64,
        TensorProto.Types.DataType.Bool => DType.Bool,
        TensorProto.Types.DataType.Float16 => DType.Float16,
        TensorProto.Types.DataType.Bfloat16 => DType.BFloat16,
        TensorProto.Types.DataType.Int8 => DType.Int8,
        TensorProto.Types.DataType.Uint8 => DType.UInt8,
        var other => throw new NotSupportedException($"ONNX {where}: element type {other} is not supported (float, double, float16, bfloat16, int8, uint8, int32, int64 and bool are)."),
    };

    /// <summary>A TensorProto holding a copy of <paramref name="t"/> (raw little-endian data).</summary>
    public static TensorProto ToProto(Tensor t, string name)
    {
        var p = new TensorProto { Name = name, DataType = ElemType(t.DType) };
        foreach (var d in t.Shape) p.Dims.Add(d);
        byte[] raw = t.DType switch
        {
            DType.Float32 => ToBytes(t.ToArray<float>()),
            DType.Float64 => ToBytes(t.ToArray<double>()),
            DType.Int32 => ToBytes(t.ToArray<int>()),
            DType.Int64 => ToBytes(t.ToArray<long>()),
            DType.Bool => t.ToArray<bool>().Select(b => b ? (byte)1 : (byte)0).ToArray(),
            DType.Float16 => ToBytes(t.ToArray<Half>()),
            DType.BFloat16 => ToBytes(t.ToArray<BFloat16>()),
            DType.Int8 => ToBytes(t.ToArray<sbyte>()),
            DType.UInt8 => t.ToArray<byte>(),
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        };
        p.RawData = ByteString.CopyFrom(raw);
        return p;
    }

    private static byte[] ToBytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Maximum elements accepted in one tensor of an untrusted file.</summary>
    public const long MaxElements = 1L << 30;

    /// <summary>A tensor from a TensorProto, validating sizes against the declared dims (untrusted input).</summary>
    public static Tensor FromProto(TensorProto p)
    {
        var dtype = FromElemType(p.DataType, $"tensor '{p.Name}'");
        long count = 1;
        var dims = new int[p.Dims.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (p.Dims[i] < 0 || p.Dims[i] > int.MaxValue) throw new InvalidDataException($"ONNX tensor '{p.Name}': dimension {p.Dims[i]} is invalid.");
            dims[i] = (int)p.Dims[i];
            count *= dims[i];
            if (count > MaxElements) throw new InvalidDataException($"ONNX tensor '{p.Name}': more than {MaxElements} elements.");
        }
        if (p.HasDataLocation && p.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"ONNX tensor '{p.Name}': external data files are not supported.");
        var shape = new Shape(dims);
        int n = (int)count;
        if (p.HasRawData)
        {
            var raw = p.RawData.Span;
            int size = dtype.Size();
            if (raw.Length != (long)n * size)
                throw new InvalidDataException($"ONNX tensor '{p.Name}': raw data has {raw.Length} bytes, shape {shape} of {dtype.Name()} needs {(long)n * size}.");
            return dtype switch
            {
                DType.Float32 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray(), shape),
                DType.Float64 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray(), shape),
                DType.Int32 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(raw).ToArray(), shape),
                DType.Int64 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).ToArray(), shape),
                DType.Float16 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(raw), shape),
                DType.BFloat16 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, BFloat16>(raw), shape),
                DType.Int8 => Tensor.From(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(raw), shape),
                DType.UInt8 => Tensor.From(raw, shape),
                _ => Tensor.From(raw.ToArray().Select(b => b != 0).ToArray(), shape),
            };
        }
        T[] Check<T>(T[] values)
        {
            if (values.Length != n) throw new InvalidDataException($"ONNX tensor '{p.Name}': {values.Length} values for shape {shape} ({n} elements).");
            return values;
        }
        return dtype switch
        {
            DType.Float32 => Tensor.From(Check(p.FloatData.ToArray()), shape),
            DType.Float64 => Tensor.From(Check(p.DoubleData.ToArray()), shape),
            DType.Int32 => Tensor.From(Check(p.Int32Data.ToArray()), shape),
            DType.Int64 => Tensor.From(Check(p.Int64Data.ToArray()), shape),
            // onnx.proto keeps the 16-bit floats' bit patterns and the 8-bit integers' values in int32_data.
            DType.Float16 => Tensor.From(Check(p.Int32Data.Select(v => BitConverter.UInt16BitsToHalf((ushort)v)).ToArray()), shape),
            DType.BFloat16 => Tensor.From(Check(p.Int32Data.Select(v => BFloat16.FromBits((ushort)v)).ToArray()), shape),
            DType.Int8 => Tensor.From(Check(p.Int32Data.Select(v => (sbyte)v).ToArray()), shape),
            DType.UInt8 => Tensor.From(Check(p.Int32Data.Select(v => (byte)v).ToArray()), shape),
            _ => Tensor.From(Check(p.Int32Data.Select(v => v != 0).ToArray()), shape),
        };
    }

    /// <summary>Reads a TensorProto file (as in ONNX's node tests: input_0.pb, output_0.pb).</summary>
    public static Tensor ReadFile(string path)
    {
        var bytes = OnnxFiles.ReadBounded(path);
        try { return FromProto(TensorProto.Parser.ParseFrom(bytes)); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"'{path}' is not a valid ONNX TensorProto: {e.Message}", e); }
    }
}
