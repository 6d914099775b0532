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
