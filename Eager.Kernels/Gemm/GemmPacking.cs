using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Gemm;

/// <summary>
/// Copies blocks of A and B into the layouts the micro-kernel streams through: A as MR-row panels
/// (for each k, MR consecutive values), B as NR-column panels (for each k, NR consecutive values).
/// Reading the source through row and column strides is what makes transposed and broadcast operands free.
/// Panels are zero-padded past the matrix edge so the micro-kernel always runs full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs the mc x kc block at <paramref name="a"/> into ceil(mc/mr) panels of kc x mr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(int mc, int kc, int mr, T* a, nint rs, nint cs, T* dst) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* src = a + ir * rs;
            if (rows == mr && cs == 1 && mr == 6)
            {
                // Row-major source, unrolled for the AVX2 tile: six contiguous row streams, one contiguous write.
                T* r0 = src, r1 = src + rs, r2 = src + 2 * rs, r3 = src + 3 * rs, r4 = src + 4 * rs, r5 = src + 5 * rs;
                T* d = dst;
                for (int p = 0; p < kc; p++, d += 6)
                {
                    d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p];
                }
            }
            else if (rows == mr && cs == 1)
            {
                // Row-major source: walk each row contiguously, write with stride mr.
                for (int i = 0; i < mr; i++)
                {
                    T* row = src + i * rs;
                    T* d = dst + i;
                    for (int p = 0; p < kc; p++) d[p * mr] = row[p];
                }
            }
            else if (rs == 1 && rows == mr)
            {
                // Column-major source (a transposed operand, or a convolution's shifted input for its filter
                // gradient): each k step is one contiguous run of mr values. (Walking k outer and cutting each run
                // into every panel's piece, as PackB's row-major case does for B, measured 15-25% slower.)
                int bytes = mr * sizeof(T);
                for (int p = 0; p < kc; p++) CopySmall((byte*)(src + p * cs), (byte*)(dst + p * mr), bytes);
            }
            else if (rs == 1)
            {
                // Column-major source, ragged last panel: zero-padded to mr.
                for (int p = 0; p < kc; p++)
                {
                    T* s = src + p * cs;
                    T* d = dst + p * mr;
                    int i = 0;
                    for (; i < rows; i++) d[i] = s[i];
                    for (; i < mr; i++) d[i] = default;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* d = dst + p * mr;
                    int i = 0;
                    for (; i < rows; i++) d[i] = src[i * rs + p * cs];
                    for (; i < mr; i++) d[i] = default;
                }
            }
            dst += (nint)mr * kc;
        }
    }

    /// <summary>Copies a short run (a micro-panel's width) with vector moves: Span.CopyTo's call costs more than the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall(byte* s, byte* d, int bytes)
    {
        int o = 0;
        for (; o + 32 <= bytes; o += 32) Vector256.Store(Vector256.Load(s + o), d + o);
        if (o + 16 <= bytes) { Vector128.Store(Vector128.Load(s + o), d + o); o += 16; }
        if (o + 8 <= bytes) { *(ulong*)(d + o) = *(ulong*)(s + o); o += 8; }
        if (o + 4 <= bytes) *(uint*)(d + o) = *(uint*)(s + o);
    }

    /// <summary>Packs the kc x nc block at <paramref name="b"/> into ceil(nc/nr) panels of kc x nr, each
    /// <paramref name="panelStride"/> elements after the previous (kc * nr when 0: panels back to back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(int kc, int nc, int nr, T* b, nint rs, nint cs, T* dst, nint panelStride = 0) where T : unmanaged
    {
        if (panelStride == 0) panelStride = (nint)nr * kc;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* src = b + jr * cs;
            if (cols == nr && cs == 1)
            {
                // Row-major source: each k step is one contiguous run of nr values.
                int bytes = nr * sizeof(T);
                if (bytes % Vector256<byte>.Count == 0)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        byte* s = (byte*)(src + p * rs), d = (byte*)(dst + p * nr);
                        for (int o = 0; o < bytes; o += Vector256<byte>.Count)
                            Vector256.Store(Vector256.Load(s + o), d + o);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++) new ReadOnlySpan<T>(src + p * rs, nr).CopyTo(new Span<T>(dst + p * nr, nr));
                }
            }
            else if (rs == 1 && cols == nr)
            {
                // Column-major source (a transposed operand): read each column contiguously.
                for (int j = 0; j < nr; j++)
                {
                    T* col = src + j * cs;
                    T* d = dst + j;
                    for (int p = 0; p < kc; p++) d[p * nr] = col[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* d = dst + p * nr;
                    T* s = src + p * rs;
                    int j = 0;
                    for (; j < cols; j++) d[j] = s[j * cs];
                    for (; j < nr; j++) d[j] = default;
                }
            }
            dst += panelStride;
        }
    }
}
