using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Elementwise;

/// <summary>
/// Element-wise loops over dense runs of equal length, for fused element-wise programs that run a block of lanes per
/// instruction. Each uses the same operator as the op's broadcasting kernel, so a fused result equals the unfused one
/// bit for bit. Comparison results are masks held as 1 and 0 of the element type. The destination may be exactly one
/// of the operands: every lane is read before it is written.
/// </summary>
public static class LaneLoops
{
    /// <summary>dst[i] = op(a[i], b[i]).</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : unmanaged where TOp : IBinaryOp<T>
    {
        int n = dst.Length, i = 0;
        if (a.Length < n || b.Length < n) throw new ArgumentException("LaneLoops.Binary: operands shorter than the destination.");
        ref T ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rd = ref MemoryMarshal.GetReference(dst);
        if (TOp.Vectorizable)
        {
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
                TOp.Apply(Vector.LoadUnsafe(ref ra, (nuint)i), Vector.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = TOp.Apply(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i));
    }

    /// <summary>dst[i] = op(a[i], b[i]) ? 1 : 0.</summary>
    public static void Compare<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : unmanaged, INumberBase<T> where TOp : ICompareOp<T>
    {
        int n = dst.Length, i = 0;
        if (a.Length < n || b.Length < n) throw new ArgumentException("LaneLoops.Compare: operands shorter than the destination.");
        ref T ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rd = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var one = Vector256.Create(T.One);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (TOp.Apply(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)) & one).StoreUnsafe(ref rd, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = TOp.Apply(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i)) ? T.One : T.Zero;
    }

    /// <summary>dst[i] = mask[i] != 0 ? a[i] : b[i].</summary>
    public static void Select<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : unmanaged, INumberBase<T>
    {
        int n = dst.Length, i = 0;
        if (mask.Length < n || a.Length < n || b.Length < n) throw new ArgumentException("LaneLoops.Select: operands shorter than the destination.");
        ref T rm = ref MemoryMarshal.GetReference(mask), ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rd = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var isZero = Vector256.Equals(Vector256.LoadUnsafe(ref rm, (nuint)i), Vector256<T>.Zero);
                Vector256.ConditionalSelect(isZero, Vector256.LoadUnsafe(ref rb, (nuint)i), Vector256.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref rm, i) != T.Zero ? Unsafe.Add(ref ra, i) : Unsafe.Add(ref rb, i);
    }

    /// <summary>dst[i] = min(max(x[i], low[i]), high[i]) with the Maximum and Minimum kernels' NaN rules.</summary>
    public static void Clip<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> low, ReadOnlySpan<T> high, Span<T> dst) where T : unmanaged, INumber<T>
    {
        // TensorPrimitives' Max and Min follow Math.Max and Math.Min (NaN wins, +0 above -0), as the kernels' operators do.
        TensorPrimitives.Max(x, low, dst);
        TensorPrimitives.Min(dst, high, dst);
    }
}
