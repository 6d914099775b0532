using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Elementwise;

/// <summary>Element type conversions between contiguous spans (the Cast op).</summary>
public static class TypeConvert
{
    /// <summary>Numeric to numeric. Floats to integers truncate toward zero and saturate at the integer's
    /// range (NaN gives 0); int64 to int32 keeps the low bits (wraps, as TensorFlow); float64 to float32
    /// rounds to nearest and overflows to infinity.</summary>
    public static void Numbers<TFrom, TTo>(ReadOnlySpan<TFrom> src, Span<TTo> dst)
        where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
        => TensorPrimitives.ConvertTruncating(src, dst);

    /// <summary>Numeric to numeric, clamping to the destination's range: floats truncate toward zero, NaN gives 0,
    /// integers saturate instead of wrapping (the rule for casts to int8 and uint8).</summary>
    public static void Saturating<TFrom, TTo>(ReadOnlySpan<TFrom> src, Span<TTo> dst)
        where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
        => TensorPrimitives.ConvertSaturating(src, dst);

    /// <summary>Float32 to float16, rounding to nearest even (overflow gives infinity; vectorised).</summary>
    public static void ToHalf(ReadOnlySpan<float> src, Span<Half> dst) => TensorPrimitives.ConvertToHalf(src, dst);

    /// <summary>Float16 to float32 (exact; vectorised).</summary>
    public static void FromHalf(ReadOnlySpan<Half> src, Span<float> dst) => TensorPrimitives.ConvertToSingle(src, dst);

    /// <summary>Float64 to float16, each rounded once to nearest even.</summary>
    public static void ToHalf(ReadOnlySpan<double> src, Span<Half> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (Half)src[i];
    }

    /// <summary>Bool to numeric: 1 for true, 0 for false.</summary>
    public static void FromBool<TTo>(ReadOnlySpan<bool> src, Span<TTo> dst) where TTo : unmanaged, INumberBase<TTo>
    {
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] ? TTo.One : TTo.Zero;
    }

    /// <summary>Numeric to bool: true for every non-zero value (NaN included), as TensorFlow.</summary>
    public static void ToBool<TFrom>(ReadOnlySpan<TFrom> src, Span<bool> dst) where TFrom : unmanaged, INumberBase<TFrom>
    {
        for (int i = 0; i < src.Length; i++) dst[i] = !TFrom.IsZero(src[i]);
    }
}
