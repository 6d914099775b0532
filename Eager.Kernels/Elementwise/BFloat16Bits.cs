using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Elementwise;

/// <summary>
/// Conversions between bfloat16 (as its raw 16 bits: the top half of a float32) and wider numbers. Narrowing rounds
/// to nearest, ties to even, keeps infinities, and turns every NaN into a quiet NaN of the same sign (plain
/// truncation of a signalling NaN's bits could give an infinity). Kernels see the bits as <see cref="ushort"/>, so
/// they need no bfloat16 type of their own.
/// </summary>
public static class BFloat16Bits
{
    /// <summary>The bfloat16 nearest to <paramref name="x"/> (ties to even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x)) return (ushort)((bits >> 16) | 0x0040);
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest with ties to even; a carry
        // out of the mantissa steps the exponent, which is exactly the next bfloat16 (and overflow gives infinity).
        bits += 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    /// <summary>The float32 equal to bfloat16 <paramref name="bits"/> (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The bfloat16 nearest to <paramref name="x"/>, rounded once (not through a float32 first, which can
    /// round twice and miss a tie).</summary>
    public static ushort FromDouble(double x)
    {
        float f = (float)x;
        if (!float.IsFinite(f) || (double)f == x) return FromSingle(f);
        // Round to odd into float32 (truncate toward zero, then set the lowest bit): float32 keeps 16 more bits than
        // bfloat16, so the final rounding to nearest even sees the true position of x between its two neighbours.
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (Math.Abs((double)f) > Math.Abs(x)) bits--;
        return FromSingle(BitConverter.UInt32BitsToSingle(bits | 1));
    }

    /// <summary>The bfloat16 nearest to the integer <paramref name="x"/>, rounded once.</summary>
    public static ushort FromInt64(long x)
    {
        ulong m = x < 0 ? (ulong)(-(x + 1)) + 1 : (ulong)x;
        int msb = 63 - BitOperations.LeadingZeroCount(m | 1);
        if (msb <= 7) return FromSingle(x); // at most 8 significant bits: exact in bfloat16
        int shift = msb - 7;
        ulong top = m >> shift, rest = m & ((1UL << shift) - 1), half = 1UL << (shift - 1);
        if (rest > half || (rest == half && (top & 1) != 0)) top++;
        float magnitude = float.ScaleB(top, shift); // top has at most 9 bits: exact
        return FromSingle(x < 0 ? -magnitude : magnitude);
    }

    /// <summary>Float32 to bfloat16 bits, element-wise (vectorised).</summary>
    public static void FromSingle(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("BFloat16Bits.FromSingle: destination is shorter than the source.");
        int i = 0;
        ref float s = ref MemoryMarshal.GetReference(src);
        ref ushort d = ref MemoryMarshal.GetReference(dst);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= src.Length; i += 32)
            {
                var lo = Round512(Vector512.LoadUnsafe(ref s, (nuint)i));
                var hi = Round512(Vector512.LoadUnsafe(ref s, (nuint)(i + 16)));
                Vector512.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= src.Length; i += 16)
            {
                var lo = Round256(Vector256.LoadUnsafe(ref s, (nuint)i));
                var hi = Round256(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < src.Length; i++) dst[i] = FromSingle(src[i]);
    }

    /// <summary>Bfloat16 bits to float32, element-wise (vectorised, exact).</summary>
    public static void ToSingle(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("BFloat16Bits.ToSingle: destination is shorter than the source.");
        int i = 0;
        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= src.Length; i += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
                Vector512.ShiftLeft(lo, 16).StoreUnsafe(ref d, (nuint)i);
                Vector512.ShiftLeft(hi, 16).StoreUnsafe(ref d, (nuint)(i + 16));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= src.Length; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref d, (nuint)i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        for (; i < src.Length; i++) dst[i] = ToSingle(src[i]);
    }

    /// <summary>Float64 to bfloat16 bits, each rounded once.</summary>
    public static void FromDouble(ReadOnlySpan<double> src, Span<ushort> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = FromDouble(src[i]);
    }

    /// <summary>Int64 to bfloat16 bits, each rounded once.</summary>
    public static void FromInt64(ReadOnlySpan<long> src, Span<ushort> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = FromInt64(src[i]);
    }

    /// <summary>Int32 to bfloat16 bits, each rounded once (through float64, which holds every int32 exactly).</summary>
    public static void FromInt32(ReadOnlySpan<int> src, Span<ushort> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = FromDouble(src[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Round512(Vector512<float> x)
    {
        var bits = x.AsUInt32();
        var rounded = (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One)) >> 16;
        var quiet = (bits >> 16) | Vector512.Create(0x40u);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x).AsUInt32(), rounded, quiet);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round256(Vector256<float> x)
    {
        var bits = x.AsUInt32();
        var rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        var quiet = (bits >> 16) | Vector256.Create(0x40u);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x).AsUInt32(), rounded, quiet);
    }
}
