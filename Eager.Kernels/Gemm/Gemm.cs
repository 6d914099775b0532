using System.Numerics;

namespace Eager.Kernels.Gemm;

/// <summary>General matrix multiply on row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// C[M,N] = A[M,K] * B[K,N] (+ C when accumulate). A has row stride lda, B row stride ldb, C row stride ldc.
    /// Reference-quality blocked i-k-j loop; the fast packed kernel replaces it.
    /// </summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * ldc, n);
            if (!accumulate) crow.Clear();
            for (int p = 0; p < k; p++)
            {
                T av = a[i * lda + p];
                if (av == T.Zero) continue;
                var brow = b.Slice(p * ldb, n);
                int j = 0;
                if (Vector<T>.IsSupported && n >= Vector<T>.Count)
                {
                    var va = new Vector<T>(av);
                    for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
                        (new Vector<T>(crow.Slice(j)) + va * new Vector<T>(brow.Slice(j))).CopyTo(crow.Slice(j));
                }
                for (; j < n; j++) crow[j] += av * brow[j];
            }
        }
    }
}
