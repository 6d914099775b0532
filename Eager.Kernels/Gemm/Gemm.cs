using System.Numerics;
using System.Runtime.CompilerServices;

namespace Eager.Kernels.Gemm;

/// <summary>
/// General matrix multiply: C[m,n] = op(A)[m,k] * op(B)[k,n], or C += ... when accumulating.
/// float32 and float64 run a packed, cache-blocked kernel with a register-blocked Vector512 or Vector256
/// micro-kernel (BLIS's five-loop design: Van Zee and van de Geijn, "BLIS: A Framework for Rapidly
/// Instantiating BLAS Functionality", ACM TOMS 2015) and use every core for large products; int32 and
/// int64 use a vectorised row-update loop. Operands may be any strided view (transposed, or broadcast with
/// stride 0): the packing step reads them in place, so transposes never cost a copy.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// C = A * B (+ C when <paramref name="accumulate"/>), all row-major: A is m x k with row stride
    /// <paramref name="lda"/>, B is k x n with row stride <paramref name="ldb"/>, C is m x n with row stride
    /// <paramref name="ldc"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, or a span is too short for its matrix.</exception>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false)
        where T : unmanaged, INumber<T>
        => MultiplyStrided(m, n, k, a, lda, 1, b, ldb, 1, c, ldc, accumulate);

    /// <summary>
    /// C = op(A) * op(B) (+ C), where op(X) is X or its transpose. A is stored row-major as m x k, or as k x m
    /// when <paramref name="transposeA"/>, with row stride <paramref name="lda"/>; likewise B as k x n, or n x k
    /// when <paramref name="transposeB"/>. No transposed copy is made.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, or a span is too short for its matrix.</exception>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false)
        where T : unmanaged, INumber<T>
        => MultiplyStrided(m, n, k, a, transposeA ? 1 : lda, transposeA ? lda : 1, b, transposeB ? 1 : ldb, transposeB ? ldb : 1, c, ldc, accumulate);

    /// <summary>
    /// C = A * B (+ C) for strided operands: element A[i,p] is a[i * aRowStride + p * aColStride], B[p,j] is
    /// b[p * bRowStride + j * bColStride] (strides may be 0 for broadcast rows or columns); C is row-major with
    /// row stride <paramref name="ldc"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, or a span is too short for its matrix.</exception>
    public static void MultiplyStrided<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int ldc, bool accumulate = false)
        where T : unmanaged, INumber<T>
    {
        Check(m, n, k, a.Length, aRowStride, aColStride, b.Length, bRowStride, bColStride, c.Length, ldc);
        if (m == 0 || n == 0) return;
        unsafe
        {
            fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
                GemmDriver.Run(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, ldc, accumulate);
        }
    }

    /// <summary>
    /// <paramref name="batch"/> independent products C_i = A_i * B_i (+ C_i), operand i starting
    /// <c>i * batchStride</c> elements into its span (a batch stride of 0 reuses one matrix for every product).
    /// Small products run one per core; large ones use every core each.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, or a span is too short for its matrices.</exception>
    public static void MultiplyBatched<T>(int batch, int m, int n, int k,
        ReadOnlySpan<T> a, int aBatchStride, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bBatchStride, int bRowStride, int bColStride,
        Span<T> c, int cBatchStride, int ldc, bool accumulate = false)
        where T : unmanaged, INumber<T>
    {
        if (batch < 0 || aBatchStride < 0 || bBatchStride < 0 || cBatchStride < 0)
            ThrowArg($"Gemm: batch {batch} and batch strides ({aBatchStride}, {bBatchStride}, {cBatchStride}) must be non-negative.");
        if (batch == 0) return;
        long last = batch - 1;
        Check(m, n, k, a.Length - last * aBatchStride, aRowStride, aColStride, b.Length - last * bBatchStride, bRowStride, bColStride, c.Length - last * cBatchStride, ldc);
        if (m == 0 || n == 0) return;
        if (batch > 1 && cBatchStride < (long)(m - 1) * ldc + n)
            ThrowArg($"Gemm: output batch stride {cBatchStride} makes the {m}x{n} results (row stride {ldc}) overlap.");
        unsafe
        {
            fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
                GemmDriver.RunBatched(batch, m, n, k, pa, aBatchStride, aRowStride, aColStride, pb, bBatchStride, bRowStride, bColStride, pc, cBatchStride, ldc, accumulate);
        }
    }

    private static void Check(int m, int n, int k, long aLen, int ars, int acs, long bLen, int brs, int bcs, long cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) ThrowArg($"Gemm: dimensions must be non-negative, got m={m}, n={n}, k={k}.");
        if (ars < 0 || acs < 0 || brs < 0 || bcs < 0)
            ThrowArg($"Gemm: strides must be non-negative, got A ({ars}, {acs}) and B ({brs}, {bcs}).");
        if (m > 0 && n > 0 && ldc < n) ThrowArg($"Gemm: C's row stride {ldc} is less than its {n} columns.");
        long needA = Extent(m, k, ars, acs), needB = Extent(k, n, brs, bcs), needC = Extent(m, n, ldc, 1);
        if (m > 0 && n > 0 && aLen < needA) ThrowArg($"Gemm: A ({m}x{k}, strides {ars}, {acs}) needs {needA} elements, the span has {aLen}.");
        if (m > 0 && n > 0 && bLen < needB) ThrowArg($"Gemm: B ({k}x{n}, strides {brs}, {bcs}) needs {needB} elements, the span has {bLen}.");
        if (cLen < needC) ThrowArg($"Gemm: C ({m}x{n}, row stride {ldc}) needs {needC} elements, the span has {cLen}.");
    }

    private static long Extent(int rows, int cols, int rs, int cs) =>
        rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * rs + (long)(cols - 1) * cs + 1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArg(string message) => throw new ArgumentException(message);

    /// <summary>Which kernel family runs float32/float64 products: Auto (the default) picks the widest vector
    /// width the CPU accelerates; tests and benchmarks force the others.</summary>
    public static GemmPath Path { get; set; } = GemmPath.Auto;
}

/// <summary>Kernel families of <see cref="Gemm"/>.</summary>
public enum GemmPath
{
    /// <summary>The widest accelerated vector width; the simple loop for tiny products.</summary>
    Auto,
    /// <summary>Packed, 512-bit micro-kernel (emulated, and slow, where the CPU lacks AVX-512).</summary>
    Vector512,
    /// <summary>Packed, 256-bit micro-kernel.</summary>
    Vector256,
    /// <summary>The unpacked row-update loop used for integers and tiny products.</summary>
    Simple,
}
