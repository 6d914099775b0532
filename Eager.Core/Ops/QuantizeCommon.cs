namespace Eager;

/// <summary>
/// What the quantisation ops share: reading scales and zero points (per tensor, or one per channel along an axis)
/// and checking them with errors that name the op, the shapes and the dtypes.
/// </summary>
internal static partial class QuantizationOps
{
    /// <summary>True for int8 and uint8.</summary>
    public static bool IsQuantized(DType d) => d is DType.Int8 or DType.UInt8;

    /// <summary>Rejects a tensor that is not int8/uint8.</summary>
    public static void Require8Bit(string op, string role, Tensor t)
    {
        if (!IsQuantized(t.DType))
            throw new ArgumentException($"{op}: {role} must be int8 or uint8, got {t.DType.Name()} {t.Shape}.");
    }

    /// <summary>Rejects a scale that is not float32 with <paramref name="allowed"/> values (1 = per tensor) and a zero point
    /// that does not match it in shape or is not of <paramref name="zeroDType"/>.</summary>
    public static void CheckScaleZero(string op, string what, Tensor scale, Tensor zero, DType? zeroDType, int channels)
    {
        if (scale.DType != DType.Float32)
            throw new ArgumentException($"{op}: {what} scale must be float32, got {scale.DType.Name()} {scale.Shape}.");
        if (scale.Rank > 1 || (scale.Rank == 1 && scale.Shape[0] != 1 && channels >= 0 && scale.Shape[0] != channels && scale.Shape[0] >= 0))
            throw new ArgumentException($"{op}: {what} scale must be a scalar or have {channels} values (one per channel), got shape {scale.Shape}.");
        if (zeroDType is { } zd && zero.DType != zd)
            throw new ArgumentException($"{op}: {what} zero point must be {zd.Name()}, got {zero.DType.Name()} {zero.Shape}.");
        if (zero.Shape.Size >= 0 && scale.Shape.Size >= 0 && zero.Shape.Size != scale.Shape.Size)
            throw new ArgumentException($"{op}: {what} zero point {zero.Shape} and scale {scale.Shape} must have the same number of values.");
    }

    /// <summary>The scale values (1 or per channel).</summary>
    public static float[] Scales(Tensor scale) => scale.Contiguous().ToArray<float>();

    /// <summary>The zero point values widened to int32.</summary>
    public static int[] Zeros(Tensor zero) => zero.DType switch
    {
        DType.UInt8 => Array.ConvertAll(zero.Contiguous().ToArray<byte>(), v => (int)v),
        DType.Int8 => Array.ConvertAll(zero.Contiguous().ToArray<sbyte>(), v => (int)v),
        DType.Int32 => zero.Contiguous().ToArray<int>(),
        _ => throw new ArgumentException($"zero point of dtype {zero.DType.Name()} is not int8, uint8 or int32."),
    };

    /// <summary>A per-tensor list widened to <paramref name="count"/> copies when the op's kernel wants one per channel.</summary>
    public static T[] Spread<T>(T[] values, int count) => values.Length == count ? values : Enumerable.Repeat(values[0], count).ToArray();

    /// <summary>The zero-point tensor for an omitted one: a uint8 0 (ONNX's default).</summary>
    public static Tensor DefaultZero(DType dtype = DType.UInt8) => dtype == DType.Int8 ? Tensor.Scalar((sbyte)0) : Tensor.Scalar((byte)0);

    /// <summary>The zero point for an omitted one beside <paramref name="scale"/>: 0 of <paramref name="dtype"/> (int8, uint8
    /// or int32), a scalar for a per-tensor scale and one per channel for a per-channel one.</summary>
    public static Tensor DefaultZero(DType dtype, Tensor scale)
    {
        if (scale.Rank != 1 || scale.Shape[0] < 0) return dtype == DType.Int32 ? Tensor.Scalar(0) : DefaultZero(dtype);
        int n = scale.Shape[0];
        return dtype switch
        {
            DType.Int32 => Tensor.From(new int[n]),
            DType.Int8 => Tensor.From(new sbyte[n]),
            _ => Tensor.From(new byte[n]),
        };
    }

    /// <summary>[outer, channels, inner] of a tensor quantised along <paramref name="axis"/> with <paramref name="scales"/> scales.</summary>
    public static (int Channels, int Inner) Layout(string op, Shape shape, int axis, int scales)
    {
        if (scales == 1) return (1, shape.Size);
        int a = axis < 0 ? axis + shape.Rank : axis;
        if (a < 0 || a >= shape.Rank)
            throw new ArgumentException($"{op}: axis {axis} is out of range for input {shape} with per-channel scales.");
        if (shape[a] != scales)
            throw new ArgumentException($"{op}: {scales} scales along axis {axis}, but the input {shape} has {shape[a]} there.");
        int inner = 1;
        for (int d = a + 1; d < shape.Rank; d++) inner *= shape[d];
        return (scales, inner);
    }
}
