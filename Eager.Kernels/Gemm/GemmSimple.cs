using System.Numerics;

namespace Eager.Kernels.Gemm;

/// <summary>
/// The unpacked product: for each row of C, add A[i,p] times row p of B, vectorised along the row when B's
/// rows are contiguous. Used for integer types and for products too small to repay packing.
/// </summary>
internal static unsafe class GemmSimple
{
    public static void Run<T>(int m, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate, bool mayParallelize)
        where T : unmanaged, INumber<T>
    {
        if (!mayParallelize || Workers.Chunks(m, (long)n * k) <= 1)
        {
            Rows(0, m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Workers.For(m, (long)n * k, (i0, i1) => Rows(i0, i1, n, k, (T*)pa, ars, acs, (T*)pb, brs, bcs, (T*)pc, ldc, accumulate));
    }

    private static void Rows<T>(int i0, int i1, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        bool vectorize = Vector.IsHardwareAccelerated && Vector<T>.IsSupported && bcs == 1 && n >= w;
        for (int i = i0; i < i1; i++)
        {
            T* crow = c + i * ldc;
            if (!accumulate) new Span<T>(crow, n).Clear();
            for (int p = 0; p < k; p++)
            {
                T av = a[i * ars + p * acs];
                T* brow = b + p * brs;
                int j = 0;
                if (vectorize)
                {
                    var va = new Vector<T>(av);
                    for (; j <= n - w; j += w)
                    {
                        var acc = Vector.Load(crow + j) + va * Vector.Load(brow + j);
                        acc.Store(crow + j);
                    }
                }
                for (; j < n; j++) crow[j] += av * brow[j * bcs];
            }
        }
    }

    /// <summary>Scalar reference: C = A*B (+ C) one dot product at a time, summed in order. Tests compare against it.</summary>
    public static void Reference<T>(int m, int n, int k, ReadOnlySpan<T> a, int ars, int acs, ReadOnlySpan<T> b, int brs, int bcs, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++) s += a[i * ars + p * acs] * b[p * brs + j * bcs];
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
            }
        }
    }
}
