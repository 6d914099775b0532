using System.Numerics.Tensors;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Reduce;

/// <summary>Numerically stable log(sum(exp(row))) = m + log(sum(exp(row - m))) with m the row maximum.</summary>
public static class LogSumExp
{
    /// <summary>dst[r] = logsumexp of row r of a [rows, length] block (-inf for an empty row).</summary>
    public static void Rows<T>(ReadOnlySpan<T> src, int rows, int length, Span<T> dst)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>, System.Numerics.IMinMaxValue<T>
    {
        if (length == 0) { dst.Slice(0, rows).Fill(T.NegativeInfinity); return; }
        var scratch = BufferPool<T>.Rent(length);
        var tmp = scratch.AsSpan(0, length);
        for (int r = 0; r < rows; r++)
        {
            var row = src.Slice(r * length, length);
            T m = TensorPrimitives.Max(row);
            // All -inf (or +inf / NaN present): the shift would give NaN; the answer is m itself.
            if (!T.IsFinite(m)) { dst[r] = m; continue; }
            TensorPrimitives.Subtract(row, m, tmp);
            TensorPrimitives.Exp(tmp, tmp);
            dst[r] = m + T.Log(TensorPrimitives.Sum((ReadOnlySpan<T>)tmp));
        }
        BufferPool<T>.Return(scratch);
    }
}
