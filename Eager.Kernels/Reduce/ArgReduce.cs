using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Reduce;

/// <summary>Index of the largest or smallest element along one axis (first on ties, first NaN wins), as int64.</summary>
public static class ArgReduce
{
    /// <summary>dst[r] = index of the max (or min) of row r of a [rows, length] block; length must be positive.</summary>
    public static void Rows<T>(ReadOnlySpan<T> src, int rows, int length, bool max, Span<long> dst) where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var row = src.Slice(r * length, length);
            dst[r] = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
        }
    }

    /// <summary>dst[o, i] = index along the middle axis of the max (or min) of an [outer, reduce, inner] block.</summary>
    public static void Columns<T>(ReadOnlySpan<T> src, int outer, int reduce, int inner, bool max, Span<long> dst) where T : unmanaged, INumber<T>
    {
        var best = new T[inner];
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * reduce * inner, reduce * inner);
            var idx = dst.Slice(o * inner, inner);
            block.Slice(0, inner).CopyTo(best);
            idx.Clear();
            for (int r = 1; r < reduce; r++)
            {
                var row = block.Slice(r * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    T v = row[i], b = best[i];
                    if (T.IsNaN(b)) continue;
                    if (T.IsNaN(v) || (max ? v > b : v < b)) { best[i] = v; idx[i] = r; }
                }
            }
        }
    }
}
