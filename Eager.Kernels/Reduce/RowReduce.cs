using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Reduce;

/// <summary>Reductions of each row of a row-major [rows, length] block.</summary>
public static class RowReduce
{
    /// <summary>dst[r] = sum of row r (0 for empty rows).</summary>
    public static void Sum<T>(ReadOnlySpan<T> src, int rows, int length, Span<T> dst) where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var row = src.Slice(r * length, length);
            if (typeof(T) == typeof(float) || typeof(T) == typeof(double)) dst[r] = TensorPrimitives.Sum(row);
            else { T s = T.Zero; foreach (var v in row) s += v; dst[r] = s; }
        }
    }
}
