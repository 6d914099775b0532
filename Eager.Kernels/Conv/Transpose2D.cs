namespace Eager.Kernels.Conv;

/// <summary>Out-of-place transpose of a small row-major matrix (filters and gradient chunks).</summary>
internal static class Transpose2D
{
    private const int Block = 32;

    /// <summary>dst[cols, rows] = src[rows, cols]^T, in cache-sized tiles.</summary>
    public static void Copy<T>(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst)
    {
        for (int i0 = 0; i0 < rows; i0 += Block)
        {
            int i1 = Math.Min(rows, i0 + Block);
            for (int j0 = 0; j0 < cols; j0 += Block)
            {
                int j1 = Math.Min(cols, j0 + Block);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                        dst[j * rows + i] = src[i * cols + j];
            }
        }
    }
}
