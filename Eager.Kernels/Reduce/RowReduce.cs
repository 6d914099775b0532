using System.Numerics;

namespace Eager.Kernels.Reduce;

/// <summary>Reductions of each row of a row-major [rows, length] block.</summary>
public static class RowReduce
{
    /// <summary>dst[r] = sum of row r (0 for empty rows).</summary>
    public static void Sum<T>(ReadOnlySpan<T> src, int rows, int length, Span<T> dst) where T : unmanaged, INumber<T>
        => Reduction.Rows<T, SumOp<T>>(src, rows, length, dst);
}
