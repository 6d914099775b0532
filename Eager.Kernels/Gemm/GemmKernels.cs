// Generated shape, kept by hand: the register-blocked micro-kernels are written out in full (one local per
// accumulator) so the JIT keeps every accumulator in a vector register for the whole k loop.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Gemm;

/// <summary>
/// Computes one MR x NR tile of C from an A panel and a packed B panel (kc x NR, NR values per k):
/// C = A*B, or C += A*B when accumulating. C has row stride ldc.
/// </summary>
internal unsafe interface IMicroKernel<T> where T : unmanaged
{
    /// <summary>Rows of the tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the tile.</summary>
    static abstract int NR { get; }

    /// <summary>Runs the tile with a packed A panel (kc x MR, MR values per k).</summary>
    static abstract void Run(int kc, T* a, T* b, T* c, nint ldc, bool accumulate);

    /// <summary>Runs the tile reading MR rows of a row-major A in place (row stride lda): no packing, for
    /// products whose B is too narrow to repay packing A.</summary>
    static abstract void RunRowMajorA(int kc, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate);

    /// <summary>
    /// Runs the tile over <paramref name="taps"/> consecutive k segments of <paramref name="kcPerTap"/> each,
    /// segment t reading MR rows of a row-major A in place starting <paramref name="tapOffsets"/>[t] elements
    /// after <paramref name="a"/>; B holds NR values for each of the taps * kcPerTap values of k, row k at
    /// b + k * ldb (ldb = NR when packed). One window tap of a stride-1 convolution is one segment (see
    /// Conv/ShiftedConv), so all taps accumulate in registers.
    /// </summary>
    static abstract void RunRowMajorATaps(int taps, int* tapOffsets, int kcPerTap, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate);
}

/// <summary>
/// AVX2 tile: 6 rows x two 256-bit vectors (6x16 floats, 6x8 doubles). 12 accumulators, two B
/// vectors and one broadcast use 15 of the 16 ymm registers; this is the shape of BLIS's Haswell/Zen sgemm kernel.
/// </summary>
internal readonly unsafe struct Kernel256<T> : IMicroKernel<T> where T : unmanaged
{
    /// <inheritdoc/>
    public static int MR => 6;

    /// <inheritdoc/>
    public static int NR => 2 * Vector256<T>.Count;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero, c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero, c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero, c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero, c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero, c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + w);
            var a0 = Vector256.Create(a[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            var a1 = Vector256.Create(a[1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            var a2 = Vector256.Create(a[2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            var a3 = Vector256.Create(a[3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            var a4 = Vector256.Create(a[4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            var a5 = Vector256.Create(a[5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            a += 6;
            b += 2 * w;
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorA(int kc, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate)
    {
        nint o1 = 1 * lda; nint o2 = 2 * lda;
        int w = Vector256<T>.Count;
        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero, c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero, c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero, c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero, c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero, c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;
        T* at = a;
        T* ah = a + 3 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + w);
            var a0 = Vector256.Create(at[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            var a1 = Vector256.Create(at[o1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            var a2 = Vector256.Create(at[o2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            var a3 = Vector256.Create(ah[0]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            var a4 = Vector256.Create(ah[o1]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            var a5 = Vector256.Create(ah[o2]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            at++;
            ah++;
            b += 2 * w;
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorATaps(int taps, int* tapOffsets, int kcPerTap, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        nint o1 = 1 * lda; nint o2 = 2 * lda;
        int w = Vector256<T>.Count;
        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero, c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero, c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero, c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero, c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero, c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;
        for (int t = 0; t < taps; t++)
        {
            T* at = a + tapOffsets[t];
            T* ah = at + 3 * lda;
            for (int p = 0; p < kcPerTap; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + w);
                var a0 = Vector256.Create(at[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
                var a1 = Vector256.Create(at[o1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
                var a2 = Vector256.Create(at[o2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
                var a3 = Vector256.Create(ah[0]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
                var a4 = Vector256.Create(ah[o1]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
                var a5 = Vector256.Create(ah[o2]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
                at++;
                ah++;
                b += ldb;
            }
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
    }

    /// <summary>
    /// <see cref="RunRowMajorATaps"/> with row i of the tile at <paramref name="a"/> + rowOffsets[i] instead of
    /// i * lda: a stride-1 convolution's tile of consecutive output pixels that crosses an image row then needs
    /// no padding pixels computed between the rows (ShiftedConv.Taps.cs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunGatheredATaps(int taps, int* tapOffsets, int kcPerTap, T* a, int* rowOffsets, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        nint r0 = rowOffsets[0], r1 = rowOffsets[1], r2 = rowOffsets[2], r3 = rowOffsets[3], r4 = rowOffsets[4], r5 = rowOffsets[5];
        int w = Vector256<T>.Count;
        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero, c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero, c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero, c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero, c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero, c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;
        for (int t = 0; t < taps; t++)
        {
            T* at = a + tapOffsets[t];
            for (int p = 0; p < kcPerTap; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + w);
                var a0 = Vector256.Create(at[r0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
                var a1 = Vector256.Create(at[r1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
                var a2 = Vector256.Create(at[r2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
                var a3 = Vector256.Create(at[r3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
                var a4 = Vector256.Create(at[r4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
                var a5 = Vector256.Create(at[r5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
                at++;
                b += ldb;
            }
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Packed GEMM does not support {typeof(T).Name}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(T* c, int w, Vector256<T> lo, Vector256<T> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo = Add(Vector256.Load(c), lo);
            hi = Add(Vector256.Load(c + w), hi);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Add(Vector256<T> x, Vector256<T> y)
    {
        if (typeof(T) == typeof(float)) return (x.AsSingle() + y.AsSingle()).As<float, T>();
        return (x.AsDouble() + y.AsDouble()).As<double, T>();
    }
}

/// <summary>
/// AVX-512 tile: 12 rows x two 512-bit vectors (12x32 floats, 12x16 doubles). 24 accumulators, two B
/// vectors and a broadcast use 27 of the 32 zmm registers, leaving room so the JIT never spills.
/// </summary>
internal readonly unsafe struct Kernel512<T> : IMicroKernel<T> where T : unmanaged
{
    /// <inheritdoc/>
    public static int MR => 12;

    /// <inheritdoc/>
    public static int NR => 2 * Vector512<T>.Count;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = Vector512<T>.Zero, c01 = Vector512<T>.Zero, c10 = Vector512<T>.Zero, c11 = Vector512<T>.Zero, c20 = Vector512<T>.Zero, c21 = Vector512<T>.Zero, c30 = Vector512<T>.Zero, c31 = Vector512<T>.Zero, c40 = Vector512<T>.Zero, c41 = Vector512<T>.Zero, c50 = Vector512<T>.Zero, c51 = Vector512<T>.Zero, c60 = Vector512<T>.Zero, c61 = Vector512<T>.Zero, c70 = Vector512<T>.Zero, c71 = Vector512<T>.Zero, c80 = Vector512<T>.Zero, c81 = Vector512<T>.Zero, c90 = Vector512<T>.Zero, c91 = Vector512<T>.Zero, c100 = Vector512<T>.Zero, c101 = Vector512<T>.Zero, c110 = Vector512<T>.Zero, c111 = Vector512<T>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var a0 = Vector512.Create(a[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            var a1 = Vector512.Create(a[1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            var a2 = Vector512.Create(a[2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            var a3 = Vector512.Create(a[3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            var a4 = Vector512.Create(a[4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            var a5 = Vector512.Create(a[5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            var a6 = Vector512.Create(a[6]); c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
            var a7 = Vector512.Create(a[7]); c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
            var a8 = Vector512.Create(a[8]); c80 = Fma(a8, b0, c80); c81 = Fma(a8, b1, c81);
            var a9 = Vector512.Create(a[9]); c90 = Fma(a9, b0, c90); c91 = Fma(a9, b1, c91);
            var a10 = Vector512.Create(a[10]); c100 = Fma(a10, b0, c100); c101 = Fma(a10, b1, c101);
            var a11 = Vector512.Create(a[11]); c110 = Fma(a11, b0, c110); c111 = Fma(a11, b1, c111);
            a += 12;
            b += 2 * w;
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
        Store(c + 6 * ldc, w, c60, c61, accumulate);
        Store(c + 7 * ldc, w, c70, c71, accumulate);
        Store(c + 8 * ldc, w, c80, c81, accumulate);
        Store(c + 9 * ldc, w, c90, c91, accumulate);
        Store(c + 10 * ldc, w, c100, c101, accumulate);
        Store(c + 11 * ldc, w, c110, c111, accumulate);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorA(int kc, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate)
    {
        nint o1 = 1 * lda; nint o2 = 2 * lda; nint o3 = 3 * lda; nint o4 = 4 * lda; nint o5 = 5 * lda;
        int w = Vector512<T>.Count;
        Vector512<T> c00 = Vector512<T>.Zero, c01 = Vector512<T>.Zero, c10 = Vector512<T>.Zero, c11 = Vector512<T>.Zero, c20 = Vector512<T>.Zero, c21 = Vector512<T>.Zero, c30 = Vector512<T>.Zero, c31 = Vector512<T>.Zero, c40 = Vector512<T>.Zero, c41 = Vector512<T>.Zero, c50 = Vector512<T>.Zero, c51 = Vector512<T>.Zero, c60 = Vector512<T>.Zero, c61 = Vector512<T>.Zero, c70 = Vector512<T>.Zero, c71 = Vector512<T>.Zero, c80 = Vector512<T>.Zero, c81 = Vector512<T>.Zero, c90 = Vector512<T>.Zero, c91 = Vector512<T>.Zero, c100 = Vector512<T>.Zero, c101 = Vector512<T>.Zero, c110 = Vector512<T>.Zero, c111 = Vector512<T>.Zero;
        T* at = a;
        T* ah = a + 6 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var a0 = Vector512.Create(at[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            var a1 = Vector512.Create(at[o1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            var a2 = Vector512.Create(at[o2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            var a3 = Vector512.Create(at[o3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            var a4 = Vector512.Create(at[o4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            var a5 = Vector512.Create(at[o5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            var a6 = Vector512.Create(ah[0]); c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
            var a7 = Vector512.Create(ah[o1]); c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
            var a8 = Vector512.Create(ah[o2]); c80 = Fma(a8, b0, c80); c81 = Fma(a8, b1, c81);
            var a9 = Vector512.Create(ah[o3]); c90 = Fma(a9, b0, c90); c91 = Fma(a9, b1, c91);
            var a10 = Vector512.Create(ah[o4]); c100 = Fma(a10, b0, c100); c101 = Fma(a10, b1, c101);
            var a11 = Vector512.Create(ah[o5]); c110 = Fma(a11, b0, c110); c111 = Fma(a11, b1, c111);
            at++;
            ah++;
            b += 2 * w;
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
        Store(c + 6 * ldc, w, c60, c61, accumulate);
        Store(c + 7 * ldc, w, c70, c71, accumulate);
        Store(c + 8 * ldc, w, c80, c81, accumulate);
        Store(c + 9 * ldc, w, c90, c91, accumulate);
        Store(c + 10 * ldc, w, c100, c101, accumulate);
        Store(c + 11 * ldc, w, c110, c111, accumulate);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorATaps(int taps, int* tapOffsets, int kcPerTap, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        nint o1 = 1 * lda; nint o2 = 2 * lda; nint o3 = 3 * lda; nint o4 = 4 * lda; nint o5 = 5 * lda;
        int w = Vector512<T>.Count;
        Vector512<T> c00 = Vector512<T>.Zero, c01 = Vector512<T>.Zero, c10 = Vector512<T>.Zero, c11 = Vector512<T>.Zero, c20 = Vector512<T>.Zero, c21 = Vector512<T>.Zero, c30 = Vector512<T>.Zero, c31 = Vector512<T>.Zero, c40 = Vector512<T>.Zero, c41 = Vector512<T>.Zero, c50 = Vector512<T>.Zero, c51 = Vector512<T>.Zero, c60 = Vector512<T>.Zero, c61 = Vector512<T>.Zero, c70 = Vector512<T>.Zero, c71 = Vector512<T>.Zero, c80 = Vector512<T>.Zero, c81 = Vector512<T>.Zero, c90 = Vector512<T>.Zero, c91 = Vector512<T>.Zero, c100 = Vector512<T>.Zero, c101 = Vector512<T>.Zero, c110 = Vector512<T>.Zero, c111 = Vector512<T>.Zero;
        for (int t = 0; t < taps; t++)
        {
            T* at = a + tapOffsets[t];
            T* ah = at + 6 * lda;
            for (int p = 0; p < kcPerTap; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + w);
                var a0 = Vector512.Create(at[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
                var a1 = Vector512.Create(at[o1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
                var a2 = Vector512.Create(at[o2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
                var a3 = Vector512.Create(at[o3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
                var a4 = Vector512.Create(at[o4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
                var a5 = Vector512.Create(at[o5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
                var a6 = Vector512.Create(ah[0]); c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
                var a7 = Vector512.Create(ah[o1]); c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
                var a8 = Vector512.Create(ah[o2]); c80 = Fma(a8, b0, c80); c81 = Fma(a8, b1, c81);
                var a9 = Vector512.Create(ah[o3]); c90 = Fma(a9, b0, c90); c91 = Fma(a9, b1, c91);
                var a10 = Vector512.Create(ah[o4]); c100 = Fma(a10, b0, c100); c101 = Fma(a10, b1, c101);
                var a11 = Vector512.Create(ah[o5]); c110 = Fma(a11, b0, c110); c111 = Fma(a11, b1, c111);
                at++;
                ah++;
                b += ldb;
            }
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
        Store(c + 6 * ldc, w, c60, c61, accumulate);
        Store(c + 7 * ldc, w, c70, c71, accumulate);
        Store(c + 8 * ldc, w, c80, c81, accumulate);
        Store(c + 9 * ldc, w, c90, c91, accumulate);
        Store(c + 10 * ldc, w, c100, c101, accumulate);
        Store(c + 11 * ldc, w, c110, c111, accumulate);
    }

    /// <summary>Rows of the <see cref="RunRowMajorATaps14"/> tile.</summary>
    public const int RowTileMR = 14;

    /// <summary>
    /// <see cref="RunRowMajorATaps"/> on a 14-row tile: 28 accumulators, two B vectors and a broadcast use 31 of the
    /// 32 zmm registers. A stride-1 convolution whose output width is a multiple of 14 (every VGG and ResNet layer:
    /// 224, 112, 56, 28, 14) tiles each output row exactly, so no tile computes padding pixels or rounds up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowMajorATaps14(int taps, int* tapOffsets, int kcPerTap, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        nint o1 = 1 * lda; nint o2 = 2 * lda; nint o3 = 3 * lda; nint o4 = 4 * lda; nint o5 = 5 * lda; nint o6 = 6 * lda;
        int w = Vector512<T>.Count;
        Vector512<T> c00 = Vector512<T>.Zero, c01 = Vector512<T>.Zero, c10 = Vector512<T>.Zero, c11 = Vector512<T>.Zero, c20 = Vector512<T>.Zero, c21 = Vector512<T>.Zero, c30 = Vector512<T>.Zero, c31 = Vector512<T>.Zero, c40 = Vector512<T>.Zero, c41 = Vector512<T>.Zero, c50 = Vector512<T>.Zero, c51 = Vector512<T>.Zero, c60 = Vector512<T>.Zero, c61 = Vector512<T>.Zero, c70 = Vector512<T>.Zero, c71 = Vector512<T>.Zero, c80 = Vector512<T>.Zero, c81 = Vector512<T>.Zero, c90 = Vector512<T>.Zero, c91 = Vector512<T>.Zero, c100 = Vector512<T>.Zero, c101 = Vector512<T>.Zero, c110 = Vector512<T>.Zero, c111 = Vector512<T>.Zero, c120 = Vector512<T>.Zero, c121 = Vector512<T>.Zero, c130 = Vector512<T>.Zero, c131 = Vector512<T>.Zero;
        for (int t = 0; t < taps; t++)
        {
            T* at = a + tapOffsets[t];
            T* ah = at + 7 * lda;
            for (int p = 0; p < kcPerTap; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + w);
                var a0 = Vector512.Create(at[0]); c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
                var a1 = Vector512.Create(at[o1]); c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
                var a2 = Vector512.Create(at[o2]); c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
                var a3 = Vector512.Create(at[o3]); c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
                var a4 = Vector512.Create(at[o4]); c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
                var a5 = Vector512.Create(at[o5]); c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
                var a6 = Vector512.Create(at[o6]); c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
                var a7 = Vector512.Create(ah[0]); c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
                var a8 = Vector512.Create(ah[o1]); c80 = Fma(a8, b0, c80); c81 = Fma(a8, b1, c81);
                var a9 = Vector512.Create(ah[o2]); c90 = Fma(a9, b0, c90); c91 = Fma(a9, b1, c91);
                var a10 = Vector512.Create(ah[o3]); c100 = Fma(a10, b0, c100); c101 = Fma(a10, b1, c101);
                var a11 = Vector512.Create(ah[o4]); c110 = Fma(a11, b0, c110); c111 = Fma(a11, b1, c111);
                var a12 = Vector512.Create(ah[o5]); c120 = Fma(a12, b0, c120); c121 = Fma(a12, b1, c121);
                var a13 = Vector512.Create(ah[o6]); c130 = Fma(a13, b0, c130); c131 = Fma(a13, b1, c131);
                at++;
                ah++;
                b += ldb;
            }
        }
        Store(c + 0 * ldc, w, c00, c01, accumulate);
        Store(c + 1 * ldc, w, c10, c11, accumulate);
        Store(c + 2 * ldc, w, c20, c21, accumulate);
        Store(c + 3 * ldc, w, c30, c31, accumulate);
        Store(c + 4 * ldc, w, c40, c41, accumulate);
        Store(c + 5 * ldc, w, c50, c51, accumulate);
        Store(c + 6 * ldc, w, c60, c61, accumulate);
        Store(c + 7 * ldc, w, c70, c71, accumulate);
        Store(c + 8 * ldc, w, c80, c81, accumulate);
        Store(c + 9 * ldc, w, c90, c91, accumulate);
        Store(c + 10 * ldc, w, c100, c101, accumulate);
        Store(c + 11 * ldc, w, c110, c111, accumulate);
        Store(c + 12 * ldc, w, c120, c121, accumulate);
        Store(c + 13 * ldc, w, c130, c131, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Packed GEMM does not support {typeof(T).Name}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(T* c, int w, Vector512<T> lo, Vector512<T> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo = Add(Vector512.Load(c), lo);
            hi = Add(Vector512.Load(c + w), hi);
        }
        Vector512.Store(lo, c);
        Vector512.Store(hi, c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Add(Vector512<T> x, Vector512<T> y)
    {
        if (typeof(T) == typeof(float)) return (x.AsSingle() + y.AsSingle()).As<float, T>();
        return (x.AsDouble() + y.AsDouble()).As<double, T>();
    }
}

#region Filter-gradient kernels: A read in place along a k stride

/// <summary>
/// A micro-kernel whose A operand is read in place with the MR values of one k step contiguous and consecutive
/// k steps <c>lda</c> apart (a stride-1 convolution's input in NHWC, rows = consecutive input channels, k = pixels),
/// so A needs no packing. B is packed NR values per k step. The k steps come in <c>segs</c> runs of
/// <c>segLen</c> steps, run s starting at a + segOffsets[s] (one output row each, so the pixels a padded
/// row adds are skipped); B's k steps are consecutive across runs. C = A*B, or C += A*B when accumulating.
/// </summary>
internal unsafe interface IStridedAKernel<T> where T : unmanaged
{
    /// <summary>Rows of the tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the tile.</summary>
    static abstract int NR { get; }

    /// <summary>Runs the tile over <paramref name="segs"/> runs of k steps (see the interface).</summary>
    static abstract void Run(int segs, nint* segOffsets, int segLen, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate);
}

/// <summary>The AVX-512 strided-A tile: 12 x two 512-bit vectors, the shape and register use of <see cref="Kernel512{T}"/>, whose arithmetic helpers it shares.</summary>
internal readonly unsafe struct StridedAKernel512<T> : IStridedAKernel<T> where T : unmanaged
{
    /// <inheritdoc/>
    public static int MR => 12;

    /// <inheritdoc/>
    public static int NR => 2 * Vector512<T>.Count;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int segs, nint* segOffsets, int segLen, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = Vector512<T>.Zero, c01 = Vector512<T>.Zero, c10 = Vector512<T>.Zero, c11 = Vector512<T>.Zero, c20 = Vector512<T>.Zero, c21 = Vector512<T>.Zero, c30 = Vector512<T>.Zero, c31 = Vector512<T>.Zero, c40 = Vector512<T>.Zero, c41 = Vector512<T>.Zero, c50 = Vector512<T>.Zero, c51 = Vector512<T>.Zero, c60 = Vector512<T>.Zero, c61 = Vector512<T>.Zero, c70 = Vector512<T>.Zero, c71 = Vector512<T>.Zero, c80 = Vector512<T>.Zero, c81 = Vector512<T>.Zero, c90 = Vector512<T>.Zero, c91 = Vector512<T>.Zero, c100 = Vector512<T>.Zero, c101 = Vector512<T>.Zero, c110 = Vector512<T>.Zero, c111 = Vector512<T>.Zero;
        for (int s = 0; s < segs; s++)
        {
            T* ap = a + segOffsets[s];
            for (int p = 0; p < segLen; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + w);
                var a0 = Vector512.Create(ap[0]); c00 = Kernel512<T>.Fma(a0, b0, c00); c01 = Kernel512<T>.Fma(a0, b1, c01);
                var a1 = Vector512.Create(ap[1]); c10 = Kernel512<T>.Fma(a1, b0, c10); c11 = Kernel512<T>.Fma(a1, b1, c11);
                var a2 = Vector512.Create(ap[2]); c20 = Kernel512<T>.Fma(a2, b0, c20); c21 = Kernel512<T>.Fma(a2, b1, c21);
                var a3 = Vector512.Create(ap[3]); c30 = Kernel512<T>.Fma(a3, b0, c30); c31 = Kernel512<T>.Fma(a3, b1, c31);
                var a4 = Vector512.Create(ap[4]); c40 = Kernel512<T>.Fma(a4, b0, c40); c41 = Kernel512<T>.Fma(a4, b1, c41);
                var a5 = Vector512.Create(ap[5]); c50 = Kernel512<T>.Fma(a5, b0, c50); c51 = Kernel512<T>.Fma(a5, b1, c51);
                var a6 = Vector512.Create(ap[6]); c60 = Kernel512<T>.Fma(a6, b0, c60); c61 = Kernel512<T>.Fma(a6, b1, c61);
                var a7 = Vector512.Create(ap[7]); c70 = Kernel512<T>.Fma(a7, b0, c70); c71 = Kernel512<T>.Fma(a7, b1, c71);
                var a8 = Vector512.Create(ap[8]); c80 = Kernel512<T>.Fma(a8, b0, c80); c81 = Kernel512<T>.Fma(a8, b1, c81);
                var a9 = Vector512.Create(ap[9]); c90 = Kernel512<T>.Fma(a9, b0, c90); c91 = Kernel512<T>.Fma(a9, b1, c91);
                var a10 = Vector512.Create(ap[10]); c100 = Kernel512<T>.Fma(a10, b0, c100); c101 = Kernel512<T>.Fma(a10, b1, c101);
                var a11 = Vector512.Create(ap[11]); c110 = Kernel512<T>.Fma(a11, b0, c110); c111 = Kernel512<T>.Fma(a11, b1, c111);
                ap += lda;
                b += 2 * w;
            }
        }
        Kernel512<T>.Store(c + 0 * ldc, w, c00, c01, accumulate);
        Kernel512<T>.Store(c + 1 * ldc, w, c10, c11, accumulate);
        Kernel512<T>.Store(c + 2 * ldc, w, c20, c21, accumulate);
        Kernel512<T>.Store(c + 3 * ldc, w, c30, c31, accumulate);
        Kernel512<T>.Store(c + 4 * ldc, w, c40, c41, accumulate);
        Kernel512<T>.Store(c + 5 * ldc, w, c50, c51, accumulate);
        Kernel512<T>.Store(c + 6 * ldc, w, c60, c61, accumulate);
        Kernel512<T>.Store(c + 7 * ldc, w, c70, c71, accumulate);
        Kernel512<T>.Store(c + 8 * ldc, w, c80, c81, accumulate);
        Kernel512<T>.Store(c + 9 * ldc, w, c90, c91, accumulate);
        Kernel512<T>.Store(c + 10 * ldc, w, c100, c101, accumulate);
        Kernel512<T>.Store(c + 11 * ldc, w, c110, c111, accumulate);
    }
}

/// <summary>The AVX2 strided-A tile: 6 x two 256-bit vectors, the shape and register use of <see cref="Kernel256{T}"/>, whose arithmetic helpers it shares.</summary>
internal readonly unsafe struct StridedAKernel256<T> : IStridedAKernel<T> where T : unmanaged
{
    /// <inheritdoc/>
    public static int MR => 6;

    /// <inheritdoc/>
    public static int NR => 2 * Vector256<T>.Count;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int segs, nint* segOffsets, int segLen, T* a, nint lda, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero, c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero, c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero, c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero, c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero, c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;
        for (int s = 0; s < segs; s++)
        {
            T* ap = a + segOffsets[s];
            for (int p = 0; p < segLen; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + w);
                var a0 = Vector256.Create(ap[0]); c00 = Kernel256<T>.Fma(a0, b0, c00); c01 = Kernel256<T>.Fma(a0, b1, c01);
                var a1 = Vector256.Create(ap[1]); c10 = Kernel256<T>.Fma(a1, b0, c10); c11 = Kernel256<T>.Fma(a1, b1, c11);
                var a2 = Vector256.Create(ap[2]); c20 = Kernel256<T>.Fma(a2, b0, c20); c21 = Kernel256<T>.Fma(a2, b1, c21);
                var a3 = Vector256.Create(ap[3]); c30 = Kernel256<T>.Fma(a3, b0, c30); c31 = Kernel256<T>.Fma(a3, b1, c31);
                var a4 = Vector256.Create(ap[4]); c40 = Kernel256<T>.Fma(a4, b0, c40); c41 = Kernel256<T>.Fma(a4, b1, c41);
                var a5 = Vector256.Create(ap[5]); c50 = Kernel256<T>.Fma(a5, b0, c50); c51 = Kernel256<T>.Fma(a5, b1, c51);
                ap += lda;
                b += 2 * w;
            }
        }
        Kernel256<T>.Store(c + 0 * ldc, w, c00, c01, accumulate);
        Kernel256<T>.Store(c + 1 * ldc, w, c10, c11, accumulate);
        Kernel256<T>.Store(c + 2 * ldc, w, c20, c21, accumulate);
        Kernel256<T>.Store(c + 3 * ldc, w, c30, c31, accumulate);
        Kernel256<T>.Store(c + 4 * ldc, w, c40, c41, accumulate);
        Kernel256<T>.Store(c + 5 * ldc, w, c50, c51, accumulate);
    }
}

#endregion
