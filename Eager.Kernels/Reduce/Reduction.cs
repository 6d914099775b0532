using System.Numerics;
using System.Numerics.Tensors;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Reduce;

/// <summary>
/// Runs an <see cref="IReduceOp{T}"/> over a contiguous block. Two layouts cover every reduction without a
/// transposing copy when the reduced axes are adjacent: rows ([rows, length], reduce each row) and columns
/// ([outer, reduce, inner], reduce the middle axis by accumulating whole inner rows, which vectorises).
/// </summary>
public static class Reduction
{
    /// <summary>Rows of columns summed at a time before being added to the result, so float sums over long
    /// columns gather error like a blocked (not a naive sequential) sum.</summary>
    private const int ColumnBlock = 64;

    /// <summary>dst[r] = op over src[r, :] for a [rows, length] block.</summary>
    public static void Rows<T, TOp>(ReadOnlySpan<T> src, int rows, int length, Span<T> dst)
        where T : unmanaged where TOp : IReduceOp<T>
    {
        if (length == 0) { dst.Slice(0, rows).Fill(TOp.Identity); return; }
        for (int r = 0; r < rows; r++) dst[r] = TOp.Row(src.Slice(r * length, length));
    }

    /// <summary>dst[o, i] = op over src[o, :, i] for an [outer, reduce, inner] block.</summary>
    public static void Columns<T, TOp>(ReadOnlySpan<T> src, int outer, int reduce, int inner, Span<T> dst)
        where T : unmanaged where TOp : IReduceOp<T>
    {
        if (reduce == 0) { dst.Slice(0, outer * inner).Fill(TOp.Identity); return; }
        if (inner < WideRow && reduce >= 2 * ((WideRow + inner - 1) / inner))
        {
            NarrowColumns<T, TOp>(src, outer, reduce, inner, dst);
            return;
        }
        T[]? scratch = reduce > ColumnBlock ? BufferPool<T>.Rent(inner) : null;
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * reduce * inner, reduce * inner);
            var acc = dst.Slice(o * inner, inner);
            AccumulateRange<T, TOp>(block, 0, Math.Min(reduce, ColumnBlock), inner, acc);
            for (int start = ColumnBlock; start < reduce; start += ColumnBlock)
            {
                var part = scratch.AsSpan(0, inner);
                AccumulateRange<T, TOp>(block, start, Math.Min(reduce, start + ColumnBlock), inner, part);
                TOp.Accumulate(part, acc);
            }
        }
        if (scratch is not null) BufferPool<T>.Return(scratch);
    }

    /// <summary>Rows shorter than this are reduced as runs of several rows at a time.</summary>
    private const int WideRow = 64;

    /// <summary>
    /// Columns of short rows (a bias gradient over NHWC activations with a few channels: rows of 6) reduce m rows at a
    /// time as one row of m * inner elements, then fold the m parts: one accumulate call per row of 6 cost more
    /// in call overhead than in arithmetic (64x24x24x6 to 6 took 0.27 ms).
    /// </summary>
    private static void NarrowColumns<T, TOp>(ReadOnlySpan<T> src, int outer, int reduce, int inner, Span<T> dst)
        where T : unmanaged where TOp : IReduceOp<T>
    {
        int m = (WideRow + inner - 1) / inner, width = m * inner, wideRows = reduce / m;
        var wide = BufferPool<T>.Rent(width);
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * reduce * inner, reduce * inner);
            var parts = wide.AsSpan(0, width);
            Columns<T, TOp>(block.Slice(0, wideRows * width), 1, wideRows, width, parts);
            var acc = dst.Slice(o * inner, inner);
            parts.Slice(0, inner).CopyTo(acc);
            for (int j = 1; j < m; j++) TOp.Accumulate(parts.Slice(j * inner, inner), acc);
            for (int r = wideRows * m; r < reduce; r++) TOp.Accumulate(block.Slice(r * inner, inner), acc);
        }
        BufferPool<T>.Return(wide);
    }

    private static void AccumulateRange<T, TOp>(ReadOnlySpan<T> block, int from, int to, int inner, Span<T> acc)
        where T : unmanaged where TOp : IReduceOp<T>
    {
        block.Slice(from * inner, inner).CopyTo(acc);
        for (int r = from + 1; r < to; r++) TOp.Accumulate(block.Slice(r * inner, inner), acc);
    }

    /// <summary>dst[i] /= count (for means); count 0 gives NaN for floating point and 0 for integers.</summary>
    public static void DivideBy<T>(Span<T> dst, int count) where T : unmanaged, INumber<T>
    {
        if (count == 1) return;
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        {
            TensorPrimitives.Divide(dst, T.CreateTruncating(count), dst);
            return;
        }
        if (count == 0) { dst.Clear(); return; }
        var c = T.CreateTruncating(count);
        for (int i = 0; i < dst.Length; i++) dst[i] /= c;
    }
}
