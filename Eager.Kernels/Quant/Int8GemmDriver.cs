using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Numerics.Tensors;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Quant;

/// <summary>
/// Packs A (as uint8) and B (as int8) into the layouts the micro-kernels stream through, with A's row sums and B's
/// column sums, splits the tiles across cores, and applies the zero points while storing each tile. Packing groups
/// k by fours because each int32 lane of the dot-product instructions sums four consecutive k: an A panel holds,
/// for each group of four k, four bytes per row (MR rows); a B panel four bytes per column (NR columns). Both are
/// zero-padded to whole panels and whole groups of four, which adds nothing to any sum.
/// </summary>
internal static unsafe class Int8GemmDriver
{
    /// <summary>Bytes of packed B a thread walks for each packed panel of A (an L2's share).</summary>
    private const int BBlockBytes = 256 * 1024;

    public static void Run(Int8GemmPath path, int m, int n, int k, byte* a, nint lda, bool aSigned, int[] alpha,
        byte* b, nint ldb, bool bSigned, int[] beta, int* c, nint ldc)
    {
        if (k == 0)
        {
            for (int i = 0; i < m; i++) new Span<int>(c + i * ldc, n).Clear();
            return;
        }
        byte xa = aSigned ? (byte)0x80 : (byte)0;
        byte xb = bSigned ? (byte)0 : (byte)0x80;
        switch (path)
        {
            case Int8GemmPath.AvxVnni: Packed<Int8KernelVnni256>(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc); break;
            case Int8GemmPath.Avx512BW: Packed<Int8KernelMadd512, Int16KernelMadd256>(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc); break;
            case Int8GemmPath.Avx2: Packed<Int8KernelMadd256, Int16KernelMadd256>(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc); break;
            default: Portable(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc); break;
        }
    }

    /// <summary>Runs the vpmaddubsw kernel when every B value is a 7-bit weight, where its saturating int16 sums cannot
    /// overflow, and the exact kernel (int16 vpmaddwd) otherwise.</summary>
    private static void Packed<TFast, TExact>(int m, int n, int k, byte* a, nint lda, byte xa, int[] alpha, byte* b, nint ldb, byte xb, int[] beta, int* c, nint ldc)
        where TFast : IInt8Kernel where TExact : IInt8Kernel
    {
        if (!SevenBit(k, n, b, ldb, xb)) Packed<TExact>(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc);
        else Packed<TFast>(m, n, k, a, lda, xa, alpha, b, ldb, xb, beta, c, ldc);
    }

    /// <summary>Whether every B value (after the shift to int8) lies in [-64, 64].</summary>
    private static bool SevenBit(int k, int n, byte* b, nint ldb, byte xb)
    {
        // t in [-64, 64] exactly when the byte t + 64 is at most 128.
        var vx = Vector128.Create(xb);
        var off = Vector128.Create((byte)64);
        var limit = Vector128.Create((byte)128);
        for (int p = 0; p < k; p++)
        {
            byte* row = b + p * ldb;
            int j = 0;
            for (; j + 16 <= n; j += 16)
                if (Vector128.GreaterThanAny((Vector128.Load(row + j) ^ vx) + off, limit)) return false;
            for (; j < n; j++)
            {
                int v = (sbyte)(row[j] ^ xb);
                if (v < -64 || v > 64) return false;
            }
        }
        return true;
    }

    /// <summary>The sums over k of B's columns j0 .. j0 + count (after the shift to int8).</summary>
    private static void ColumnSums(int k, byte* b, nint ldb, byte xb, int j0, int count, Span<int> sums)
    {
        sums[..count].Clear();
        int j = 0;
        if (Avx2.IsSupported)
        {
            for (; j + 8 <= count; j += 8)
            {
                var acc = Vector256<int>.Zero;
                byte* col = b + j0 + j;
                // uint8 B (xb = 0x80) is shifted by -128 per value: add the raw bytes and take 128 k off at the end.
                if (xb == 0) for (int p = 0; p < k; p++) acc += Avx2.ConvertToVector256Int32((sbyte*)(col + p * ldb));
                else for (int p = 0; p < k; p++) acc += Avx2.ConvertToVector256Int32(col + p * ldb);
                if (xb != 0) acc -= Vector256.Create(128 * k);
                acc.CopyTo(sums.Slice(j, 8));
            }
        }
        for (; j < count; j++)
        {
            int sum = 0;
            for (int p = 0; p < k; p++) sum += (sbyte)(b[p * ldb + j0 + j] ^ xb);
            sums[j] = sum;
        }
    }

    private static void Packed<TKernel>(int m, int n, int k, byte* a, nint lda, byte xa, int[] alpha, byte* b, nint ldb, byte xb, int[] beta, int* c, nint ldc)
        where TKernel : IInt8Kernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        bool wide = TKernel.Wide;
        int kp = wide ? (k + 1) & ~1 : (k + 3) & ~3, eb = wide ? 2 : 1;
        int pm = (m + mr - 1) / mr, pn = (n + nr - 1) / nr;
        var aBuf = BufferPool<byte>.Rent(pm * mr * kp * eb + 64);
        var bBuf = BufferPool<byte>.Rent(pn * nr * kp * eb + 64);
        var rowSum = BufferPool<int>.Rent(pm * mr);
        var colAdj = BufferPool<int>.Rent(pn * nr);
        var betaCols = BufferPool<int>.Rent(pn * nr);
        try
        {
            fixed (byte* aPin = aBuf) fixed (byte* bPin = bBuf)
            {
                nint ap = Align(aPin), bp = Align(bPin), pa = (nint)a, pb = (nint)b;
                Workers.For(pm, (long)mr * kp, (p0, p1) =>
                {
                    for (int p = p0; p < p1; p++)
                        if (wide) PackA16(p, m, k, kp, mr, (byte*)pa, lda, xa, (short*)ap, rowSum);
                        else PackA(p, m, k, kp, mr, (byte*)pa, lda, xa, (byte*)ap, rowSum);
                });
                Workers.For(pn, (long)nr * kp, (q0, q1) =>
                {
                    for (int q = q0; q < q1; q++)
                        if (wide) PackB16(q, n, k, kp, nr, (byte*)pb, ldb, xb, (short*)bp, beta, betaCols, colAdj);
                        else PackB(q, n, k, kp, nr, (byte*)pb, ldb, xb, (sbyte*)bp, beta, betaCols, colAdj);
                });
                var ctx = new Context(m, n, k, kp, (byte*)ap, (sbyte*)bp, rowSum, colAdj, betaCols, alpha, c, ldc);
                // Split the larger side: each thread then reads all of the smaller packed operand.
                if (pn >= pm)
                    Workers.For(pn, (long)m * kp * nr, (q0, q1) => Tiles<TKernel>(ctx, 0, pm, q0, q1));
                else
                    Workers.For(pm, (long)n * kp * mr, (p0, p1) => Tiles<TKernel>(ctx, p0, p1, 0, pn));
            }
        }
        finally
        {
            BufferPool<byte>.Return(aBuf);
            BufferPool<byte>.Return(bBuf);
            BufferPool<int>.Return(rowSum);
            BufferPool<int>.Return(colAdj);
            BufferPool<int>.Return(betaCols);
        }
    }

    /// <summary>What the tile loops of every thread share.</summary>
    private sealed class Context(int m, int n, int k, int kp, byte* a, sbyte* b, int[] rowSum, int[] colAdj, int[] beta, int[] alpha, int* c, nint ldc)
    {
        public readonly int M = m, N = n, K = k, Kp = kp;
        public readonly byte* A = a;
        public readonly sbyte* B = b;
        public readonly int[] RowSum = rowSum, ColAdj = colAdj, Beta = beta, Alpha = alpha;
        public readonly int* C = c;
        public readonly nint Ldc = ldc;
    }

    private static void Tiles<TKernel>(Context x, int p0, int p1, int q0, int q1) where TKernel : IInt8Kernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, kp = x.Kp, eb = TKernel.Wide ? 2 : 1, steps = TKernel.Wide ? kp >> 1 : kp >> 2;
        int group = Math.Max(1, BBlockBytes / (nr * kp * eb));
        int* tile = stackalloc int[mr * nr];
        for (int g0 = q0; g0 < q1; g0 += group)
        {
            int g1 = Math.Min(q1, g0 + group);
            for (int p = p0; p < p1; p++)
            {
                byte* aPanel = x.A + (nint)p * mr * kp * eb;
                for (int q = g0; q < g1; q++)
                {
                    TKernel.Run(steps, aPanel, x.B + (nint)q * nr * kp * eb, tile);
                    Store(x, p * mr, q * nr, mr, nr, tile);
                }
            }
        }
    }

    /// <summary>Writes one tile into C with the zero points applied:
    /// C = raw - rowSum(A') * beta[j] - alpha[i] * (colSum(B') - k * beta[j]).</summary>
    private static void Store(Context x, int i0, int j0, int mr, int nr, int* tile)
    {
        int mv = Math.Min(mr, x.M - i0), nv = Math.Min(nr, x.N - j0);
        fixed (int* betaP = x.Beta) fixed (int* adjP = x.ColAdj)
        {
            for (int r = 0; r < mv; r++)
            {
                int i = i0 + r;
                int rs = x.RowSum[i], ai = x.Alpha[x.Alpha.Length == 1 ? 0 : i];
                int* src = tile + r * nr, dst = x.C + i * x.Ldc + j0;
                int* bj = betaP + j0, adj = adjP + j0;
                int j = 0;
                // Whole vectors even in an edge tile: reading single ints back from the kernel's wide stores stalls
                // store forwarding, which made narrow outputs (8 channels) slower than wide ones. 256-bit vectors so an
                // 8-column tile is one vector on AVX-512 too.
                var vrs = Vector256.Create(rs);
                var vai = Vector256.Create(ai);
                for (; j + 8 <= nv; j += 8)
                {
                    var v = Vector256.Load(src + j) - vrs * Vector256.Load(bj + j) - vai * Vector256.Load(adj + j);
                    v.Store(dst + j);
                }
                for (; j < nv; j++) dst[j] = src[j] - rs * bj[j] - ai * adj[j];
            }
        }
    }

    private static void PackA(int p, int m, int k, int kp, int mr, byte* a, nint lda, byte xa, byte* dst, int[] rowSum)
    {
        byte* d = dst + (nint)p * mr * kp;
        uint mask = xa * 0x01010101u;
        int k4 = k & ~3;
        for (int r = 0; r < mr; r++)
        {
            int i = p * mr + r;
            byte* o = d + r * 4;
            nint step = mr * 4;
            if (i >= m)
            {
                for (int g = 0; g < kp; g += 4, o += step) *(uint*)o = 0;
                rowSum[i] = 0;
                continue;
            }
            byte* src = a + i * lda;
            int sum = 0;
            int q = 0;
            for (; q < k4; q += 4, o += step)
            {
                uint v = *(uint*)(src + q) ^ mask;
                *(uint*)o = v;
                sum += (int)((v & 0xFF) + ((v >> 8) & 0xFF) + ((v >> 16) & 0xFF) + (v >> 24));
            }
            if (q < kp)
            {
                *(uint*)o = 0;
                for (int t = 0; q + t < k; t++)
                {
                    byte v = (byte)(src[q + t] ^ xa);
                    o[t] = v;
                    sum += v;
                }
            }
            rowSum[i] = sum;
        }
    }

    /// <summary>Packs panel <paramref name="q"/> of B and fills its columns' beta and colSum - k * beta.</summary>
    private static void PackB(int q, int n, int k, int kp, int nr, byte* b, nint ldb, byte xb, sbyte* dst, int[] beta, int[] betaCols, int[] colAdj)
    {
        sbyte* d = dst + (nint)q * nr * kp;
        int j0 = q * nr, nv = Math.Min(nr, n - j0);
        int pFull = 0;
        if (nv == nr && nr % 16 == 0)
        {
            // Four rows of sixteen columns interleave into four bytes per column in two rounds of unpacking.
            pFull = k & ~3;
            var vx = Vector128.Create(xb);
            for (int p = 0; p < pFull; p += 4)
            {
                byte* row = b + p * ldb + j0;
                sbyte* o = d + p * nr;
                for (int c = 0; c < nr; c += 16, o += 64)
                {
                    var r0 = Vector128.Load(row + c) ^ vx;
                    var r1 = Vector128.Load(row + ldb + c) ^ vx;
                    var r2 = Vector128.Load(row + 2 * ldb + c) ^ vx;
                    var r3 = Vector128.Load(row + 3 * ldb + c) ^ vx;
                    var lo01 = Sse2.UnpackLow(r0, r1).AsInt16();
                    var hi01 = Sse2.UnpackHigh(r0, r1).AsInt16();
                    var lo23 = Sse2.UnpackLow(r2, r3).AsInt16();
                    var hi23 = Sse2.UnpackHigh(r2, r3).AsInt16();
                    Sse2.UnpackLow(lo01, lo23).AsSByte().Store(o);
                    Sse2.UnpackHigh(lo01, lo23).AsSByte().Store(o + 16);
                    Sse2.UnpackLow(hi01, hi23).AsSByte().Store(o + 32);
                    Sse2.UnpackHigh(hi01, hi23).AsSByte().Store(o + 48);
                }
            }
        }
        for (int p = pFull; p < kp; p++)
        {
            sbyte* o = d + (p >> 2) * nr * 4 + (p & 3);
            byte* row = b + p * ldb + j0;
            for (int c = 0; c < nr; c++) o[c * 4] = p < k && c < nv ? (sbyte)(row[c] ^ xb) : (sbyte)0;
        }
        Finish(q, n, k, nr, b, ldb, xb, beta, betaCols, colAdj);
    }

    /// <summary>Panel <paramref name="q"/>'s columns: beta and colSum - k * beta (zero for padding columns).</summary>
    private static void Finish(int q, int n, int k, int nr, byte* b, nint ldb, byte xb, int[] beta, int[] betaCols, int[] colAdj)
    {
        int j0 = q * nr, nv = Math.Min(nr, n - j0);
        Span<int> sums = stackalloc int[nr];
        ColumnSums(k, b, ldb, xb, j0, nv, sums);
        for (int c = 0; c < nr; c++)
        {
            int j = j0 + c;
            int bt = c < nv ? beta[beta.Length == 1 ? 0 : j] : 0;
            betaCols[j] = bt;
            colAdj[j] = c < nv ? sums[c] - k * bt : 0;
        }
    }

    /// <summary>Packs panel <paramref name="p"/> of A as int16 pairs: for each two k, two int16 per row.</summary>
    private static void PackA16(int p, int m, int k, int kp, int mr, byte* a, nint lda, byte xa, short* dst, int[] rowSum)
    {
        short* d = dst + (nint)p * mr * kp;
        int k2 = k & ~1;
        nint step = mr * 2;
        for (int r = 0; r < mr; r++)
        {
            int i = p * mr + r;
            short* o = d + r * 2;
            if (i >= m)
            {
                for (int g = 0; g < kp; g += 2, o += step) *(uint*)o = 0;
                rowSum[i] = 0;
                continue;
            }
            byte* src = a + i * lda;
            int sum = 0, q = 0;
            for (; q < k2; q += 2, o += step)
            {
                uint v0 = (uint)(src[q] ^ xa), v1 = (uint)(src[q + 1] ^ xa);
                *(uint*)o = v0 | v1 << 16;
                sum += (int)(v0 + v1);
            }
            if (q < kp)
            {
                uint v0 = (uint)(src[q] ^ xa);
                *(uint*)o = v0;
                sum += (int)v0;
            }
            rowSum[i] = sum;
        }
    }

    /// <summary>Packs panel <paramref name="q"/> of B as int16 pairs (for each two k, two int16 per column) and fills its
    /// columns' beta and colSum - k * beta.</summary>
    private static void PackB16(int q, int n, int k, int kp, int nr, byte* b, nint ldb, byte xb, short* dst, int[] beta, int[] betaCols, int[] colAdj)
    {
        short* d = dst + (nint)q * nr * kp;
        int j0 = q * nr, nv = Math.Min(nr, n - j0);
        int pFull = 0;
        if (nv == nr && nr % 16 == 0)
        {
            // Two rows of sixteen columns: interleave the bytes, then sign-extend them to int16 pairs.
            pFull = k & ~1;
            var vx = Vector128.Create(xb);
            for (int p = 0; p < pFull; p += 2)
            {
                byte* row = b + p * ldb + j0;
                short* o = d + p * nr;
                for (int c = 0; c < nr; c += 16, o += 32)
                {
                    var r0 = Vector128.Load(row + c) ^ vx;
                    var r1 = Vector128.Load(row + ldb + c) ^ vx;
                    var lo = Sse2.UnpackLow(r0, r1).AsSByte();
                    var hi = Sse2.UnpackHigh(r0, r1).AsSByte();
                    Vector128.WidenLower(lo).Store(o);
                    Vector128.WidenUpper(lo).Store(o + 8);
                    Vector128.WidenLower(hi).Store(o + 16);
                    Vector128.WidenUpper(hi).Store(o + 24);
                }
            }
        }
        for (int p = pFull; p < kp; p++)
        {
            short* o = d + (p >> 1) * nr * 2 + (p & 1);
            byte* row = b + p * ldb + j0;
            for (int c = 0; c < nr; c++) o[c * 2] = p < k && c < nv ? (sbyte)(row[c] ^ xb) : (short)0;
        }
        Finish(q, n, k, nr, b, ldb, xb, beta, betaCols, colAdj);
    }

    /// <summary>No packing: B minus its zero points widened to int32 once, then each row of C is a sum of scaled rows
    /// of it (TensorPrimitives vectorises each row update).</summary>
    private static void Portable(int m, int n, int k, byte* a, nint lda, byte xa, int[] alpha, byte* b, nint ldb, byte xb, int[] beta, int* c, nint ldc)
    {
        var wide = BufferPool<int>.Rent(k * n);
        try
        {
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    wide[p * n + j] = (sbyte)(b[p * ldb + j] ^ xb) - beta[beta.Length == 1 ? 0 : j];
            nint pa = (nint)a, pc = (nint)c;
            Workers.For(m, (long)n * k, (i0, i1) =>
            {
                for (int i = i0; i < i1; i++)
                {
                    var row = new Span<int>((int*)pc + i * ldc, n);
                    row.Clear();
                    byte* src = (byte*)pa + i * lda;
                    int ai = alpha[alpha.Length == 1 ? 0 : i];
                    for (int p = 0; p < k; p++)
                    {
                        int av = (src[p] ^ xa) - ai;
                        if (av != 0) TensorPrimitives.MultiplyAdd(wide.AsSpan(p * n, n), av, row, row);
                    }
                }
            });
        }
        finally
        {
            BufferPool<int>.Return(wide);
        }
    }

    private static nint Align(byte* p) => ((nint)p + 63) & ~(nint)63;
}
