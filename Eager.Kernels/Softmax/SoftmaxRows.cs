using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;
using Eager.Kernels.Elementwise;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Softmax;

/// <summary>
/// Softmax and log-softmax along one axis of a row-major block viewed as [outer, n, inner] (the axis has n
/// entries, consecutive entries inner elements apart). The max is subtracted first, so large logits neither
/// overflow nor lose the small ones. When inner is 1 each row is contiguous and TensorPrimitives does the work;
/// otherwise each axis entry is a contiguous run of inner elements and the same steps run element-wise.
/// </summary>
public static class SoftmaxRows
{
    /// <summary>y = exp(x - max) / sum(exp(x - max)) along the axis.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0 || inner == 0 || outer == 0) return;
        if (inner == 1)
        {
            // Rows are independent: large batches split across cores.
            ForRows(x, y, outer, n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (src, dst) =>
            {
                if (typeof(T) == typeof(float))
                {
                    // One fused pass for exp(x - max) and its sum.
                    var s = MemoryMarshal.Cast<T, float>(src); var d = MemoryMarshal.Cast<T, float>(dst);
                    float sum = FastExp.ExpShiftedSum(s, RowMax(s), d);
                    ScalarSpan.Multiply(d, 1f / sum, d);
                    return;
                }
                TensorPrimitives.Subtract(src, TensorPrimitives.Max(src), dst);
                TensorPrimitives.Exp(dst, dst);
                TensorPrimitives.Multiply(dst, T.One / TensorPrimitives.Sum<T>(dst), dst);
            });
            return;
        }
        var scratch = BufferPool<T>.Rent(2 * inner);
        var max = scratch.AsSpan(0, inner); var sum = scratch.AsSpan(inner, inner);
        for (int r = 0; r < outer; r++)
        {
            var src = x.Slice(r * n * inner, n * inner); var dst = y.Slice(r * n * inner, n * inner);
            ShiftedExpSums(src, dst, n, inner, max, sum, exp: default);
            for (int i = 0; i < n; i++) { var d = dst.Slice(i * inner, inner); TensorPrimitives.Divide(d, sum, d); }
        }
        BufferPool<T>.Return(scratch);
    }

    /// <summary>
    /// For n rows of <paramref name="inner"/> columns: max = the column maxima, dst = src - max, and sum = the column sums
    /// of exp(src - max). With an empty <paramref name="exp"/>, dst receives exp(src - max) instead of src - max.
    /// </summary>
    private static void ShiftedExpSums<T>(ReadOnlySpan<T> src, Span<T> dst, int n, int inner, Span<T> max, Span<T> sum, Span<T> exp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ColumnMax(src, n, inner, max);
        sum.Clear();
        for (int i = 0; i < n; i++)
        {
            var d = dst.Slice(i * inner, inner);
            var e = exp.IsEmpty ? d : exp;
            TensorPrimitives.Subtract(src.Slice(i * inner, inner), max, d);
            TensorPrimitives.Exp(d, e);
            TensorPrimitives.Add(sum, e, sum);
        }
    }

    private delegate void RowFn<T>(ReadOnlySpan<T> src, Span<T> dst);

    /// <summary>Runs <paramref name="row"/> on each of <paramref name="outer"/> contiguous rows of n elements, on
    /// every core when there are enough of them.</summary>
    private static unsafe void ForRows<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, RowFn<T> row) where T : unmanaged
    {
        if (Workers.Chunks(outer, (long)n * Workers.ElementWork) <= 1)
        {
            for (int r = 0; r < outer; r++) row(x.Slice(r * n, n), y.Slice(r * n, n));
            return;
        }
        fixed (T* px = x, py = y)
        {
            nint a = (nint)px, b = (nint)py;
            Workers.For(outer, (long)n * Workers.ElementWork, (r0, r1) =>
            {
                for (int r = r0; r < r1; r++) row(new ReadOnlySpan<T>((T*)a + (nint)r * n, n), new Span<T>((T*)b + (nint)r * n, n));
            });
        }
    }

    /// <summary>y = x - max - log(sum(exp(x - max))) along the axis.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0 || inner == 0 || outer == 0) return;
        if (inner == 1)
        {
            ForRows(x, y, outer, n, static (src, dst) => LogSoftmaxRow(src, dst));
            return;
        }
        var scratch = BufferPool<T>.Rent(3 * inner);
        var max = scratch.AsSpan(0, inner); var sum = scratch.AsSpan(inner, inner); var e = scratch.AsSpan(2 * inner, inner);
        for (int r = 0; r < outer; r++)
        {
            var src = x.Slice(r * n * inner, n * inner); var dst = y.Slice(r * n * inner, n * inner);
            ShiftedExpSums(src, dst, n, inner, max, sum, e);
            TensorPrimitives.Log(sum, sum);
            for (int i = 0; i < n; i++) { var d = dst.Slice(i * inner, inner); TensorPrimitives.Subtract(d, sum, d); }
        }
        BufferPool<T>.Return(scratch);
    }

    /// <summary>One contiguous row: dst = src - max - log(sum(exp(src - max))). src and dst may be the same span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogSoftmaxRow<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (src.Length == 0) return;
        T max;
        // exp goes through dst first, then dst is overwritten with the shifted logits.
        T total;
        if (typeof(T) == typeof(float))
        {
            float m = RowMax(MemoryMarshal.Cast<T, float>(src));
            max = (T)(object)m;
            total = (T)(object)FastExp.ExpShiftedSum(MemoryMarshal.Cast<T, float>(src), m, MemoryMarshal.Cast<T, float>(dst));
        }
        else
        {
            max = TensorPrimitives.Max(src);
            TensorPrimitives.Subtract(src, max, dst);
            TensorPrimitives.Exp(dst, dst);
            total = TensorPrimitives.Sum<T>(dst);
        }
        T shift = max + T.Log(total);
        if (typeof(T) == typeof(float)) ScalarSpan.Add(MemoryMarshal.Cast<T, float>(src), -(float)(object)shift, MemoryMarshal.Cast<T, float>(dst));
        else TensorPrimitives.Subtract(src, shift, dst);
    }

    /// <summary>
    /// The largest element of a non-empty row, or any value when the row holds a NaN: the NaN then reaches
    /// every output through exp(x - max) and the sum, as it would through a NaN max. Plain maxps in four
    /// lanes of accumulators; TensorPrimitives.Max's NaN-propagating max cost a quarter of the softmax.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float RowMax(ReadOnlySpan<float> x)
    {
        int i = 0, n = x.Length;
        float m = float.NegativeInfinity;
        ref float xs = ref MemoryMarshal.GetReference(x);
        if (Vector256.IsHardwareAccelerated && n >= 32)
        {
            var a0 = Vector256.LoadUnsafe(ref xs); var a1 = Vector256.LoadUnsafe(ref xs, 8);
            var a2 = Vector256.LoadUnsafe(ref xs, 16); var a3 = Vector256.LoadUnsafe(ref xs, 24);
            for (i = 32; i <= n - 32; i += 32)
            {
                a0 = Vector256.MaxNative(a0, Vector256.LoadUnsafe(ref xs, (nuint)i));
                a1 = Vector256.MaxNative(a1, Vector256.LoadUnsafe(ref xs, (nuint)(i + 8)));
                a2 = Vector256.MaxNative(a2, Vector256.LoadUnsafe(ref xs, (nuint)(i + 16)));
                a3 = Vector256.MaxNative(a3, Vector256.LoadUnsafe(ref xs, (nuint)(i + 24)));
            }
            var a = Vector256.MaxNative(Vector256.MaxNative(a0, a1), Vector256.MaxNative(a2, a3));
            for (; i <= n - 8; i += 8) a = Vector256.MaxNative(a, Vector256.LoadUnsafe(ref xs, (nuint)i));
            for (int k = 0; k < 8; k++) m = Math.Max(m, a.GetElement(k));
        }
        for (; i < n; i++) m = Math.Max(m, x[i]);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnMax<T>(ReadOnlySpan<T> block, int n, int inner, Span<T> max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        block.Slice(0, inner).CopyTo(max);
        for (int i = 1; i < n; i++) TensorPrimitives.Max(max, block.Slice(i * inner, inner), max);
    }
}
