using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Gemm;

/// <summary>
/// Picks the kernel family for a product and runs the cache-blocked loops around the micro-kernel.
/// Loop order and block roles follow BLIS: a KC x NC block of B is packed once and stays in L3; an
/// MC x KC block of A stays in L2; one KC x NR micro-panel of B stays in L1 while the micro-kernel walks
/// the MR-row panels of A. Large products are split across cores along M or N, whichever makes the
/// duplicated packing smaller; each part runs the serial loops with its own pooled packing buffers.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Products with fewer multiply-adds run the simple loop: packing would cost more than it saves.</summary>
    private const long MinPackedWork = 8192;

    /// <summary>Widest B for which a row-major A is read in place rather than packed (see <see cref="Serial{T, TKernel}"/>).</summary>
    internal static int InPlaceMaxN { get; set; } = 256;

    public static void Run<T>(int m, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate, bool mayParallelize = true)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<T>(c + i * ldc, n).Clear();
            return;
        }
        switch (Choose<T>(m, n, k))
        {
            case GemmPath.Vector512: Split<T, Kernel512<T>>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, mayParallelize); break;
            case GemmPath.Vector256: Split<T, Kernel256<T>>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, mayParallelize); break;
            default: GemmSimple.Run(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, mayParallelize); break;
        }
    }

    public static void RunBatched<T>(int batch, int m, int n, int k, T* a, nint aBatch, nint ars, nint acs, T* b, nint bBatch, nint brs, nint bcs, T* c, nint cBatch, nint ldc, bool accumulate)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        long work = (long)m * n * Math.Max(k, 1);
        if (batch == 1 || Ways(m, n, k) >= Workers.Count)
        {
            // Each product is big enough to use every core on its own.
            for (int i = 0; i < batch; i++)
                Run(m, n, k, a + i * aBatch, ars, acs, b + i * bBatch, brs, bcs, c + i * cBatch, ldc, accumulate);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Workers.For(batch, work, (start, end) =>
        {
            for (int i = start; i < end; i++)
                Run(m, n, k, (T*)pa + i * aBatch, ars, acs, (T*)pb + i * bBatch, brs, bcs, (T*)pc + i * cBatch, ldc, accumulate, mayParallelize: false);
        });
    }

    /// <summary>How many threads one product is split over: by its larger dimension, as <see cref="Split"/> cuts it.
    /// (Asking <see cref="Workers.Chunks"/> about one item always answers 1, which once kept every product serial.)</summary>
    internal static int Ways(int m, int n, int k) => Workers.Chunks(Math.Max(m, n), (long)Math.Min(m, n) * Math.Max(k, 1));

    /// <summary>The packed kernel family large float32/float64 products use (Simple for other types or without SIMD).</summary>
    internal static GemmPath PackedPath<T>() where T : unmanaged => Choose<T>(int.MaxValue / 4, 64, 64);

    private static GemmPath Choose<T>(int m, int n, int k) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return GemmPath.Simple;
        var forced = Gemm.Path;
        if (forced != GemmPath.Auto) return forced;
        if (m < 4 || n < 4 || (long)m * n * k < MinPackedWork) return GemmPath.Simple;
        if (Vector512.IsHardwareAccelerated) return GemmPath.Vector512;
        if (Vector256.IsHardwareAccelerated) return GemmPath.Vector256;
        return GemmPath.Simple;
    }

    private static void Split<T, TKernel>(int m, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate, bool mayParallelize)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        if (!mayParallelize || Ways(m, n, k) <= 1)
        {
            Serial<T, TKernel>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        // Splitting M makes every part pack all of B (k x n); splitting N makes every part pack all of A (m x k),
        // unless A is read in place (narrow B, row-major A), when splitting N packs nothing twice (for a tall A
        // splitting M still wins: each part would otherwise stream all of A).
        if (n > m || (acs == 1 && n <= InPlaceMaxN && n >= 2 * TKernel.NR && m <= 2 * n))
        {
            Workers.For(n, (long)m * k, (j0, j1) =>
                Serial<T, TKernel>(m, j1 - j0, k, (T*)pa, ars, acs, (T*)pb + j0 * bcs, brs, bcs, (T*)pc + j0, ldc, accumulate), TKernel.NR);
        }
        else if (SharedPacking && !(acs == 1 && n <= InPlaceMaxN))
        {
            SharedB<T, TKernel>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
        }
        else
        {
            Workers.For(m, (long)n * k, (i0, i1) =>
                Serial<T, TKernel>(i1 - i0, n, k, (T*)pa + i0 * ars, ars, acs, (T*)pb, brs, bcs, (T*)pc + i0 * ldc, ldc, accumulate), TKernel.MR);
        }
    }

    /// <summary>Set false to split the serial loops along M instead of <see cref="SharedB"/> (tuning runs).</summary>
    internal static bool SharedPacking { get; set; } = true;

    /// <summary>
    /// Split along M with one packed copy of each KC x NC block of B for all parts: the block is packed by every
    /// part together (panels split between them), then each part runs its rows against it. Splitting the serial
    /// loops instead has every part pack all of B, a duplicated copy that cost MatMul 1024 about 6% on two cores.
    /// </summary>
    private static void SharedB<T, TKernel>(int m, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        var (mcMax, kcMax, ncMax) = Blocks<T, TKernel>();
        int kcAlloc = Math.Min(kcMax, k);
        int ncAlloc = Math.Min(ncMax, RoundUp(n, nr));
        var bBuf = BufferPool<T>.Rent(kcAlloc * ncAlloc + 64 / sizeof(T));
        try
        {
            fixed (T* bPin = bBuf)
            {
                nint bp = (nint)Align(bPin), pa = (nint)a, pb = (nint)b, pc = (nint)c;
                for (int jc = 0; jc < n; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, n - jc);
                    for (int p0 = 0; p0 < k; p0 += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - p0);
                        bool acc = accumulate || p0 > 0;
                        int j0 = jc, k0 = p0;
                        Workers.For(nc, (long)kc * Workers.ElementWork, (q0, q1) =>
                            GemmPacking.PackB(kc, q1 - q0, nr, (T*)pb + k0 * brs + (j0 + q0) * bcs, brs, bcs, (T*)bp + (nint)q0 * kc), nr);
                        Workers.For(m, (long)nc * kc, (i0, i1) =>
                            PackedBRows<T, TKernel>(i1 - i0, nc, kc, (T*)pa + i0 * ars + k0 * acs, ars, acs, (T*)bp, (T*)pc + i0 * ldc + j0, ldc, acc, mcMax), mr);
                    }
                }
            }
        }
        finally
        {
            BufferPool<T>.Return(bBuf);
        }
    }

    /// <summary>Rows of one part against a packed KC x NC block of B: A packed in MC-row blocks.</summary>
    private static void PackedBRows<T, TKernel>(int m, int nc, int kc, T* a, nint ars, nint acs, T* bp, T* c, nint ldc, bool accumulate, int mcMax)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        int mr = TKernel.MR;
        var aBuf = BufferPool<T>.Rent(Math.Min(mcMax, RoundUp(m, mr)) * kc + 64 / sizeof(T));
        try
        {
            fixed (T* aPin = aBuf) PackedARows<T, TKernel>(m, nc, kc, a, ars, acs, bp, c, ldc, accumulate, mcMax, Align(aPin));
        }
        finally
        {
            BufferPool<T>.Return(aBuf);
        }
    }

    /// <summary>Rows against a packed KC x NC block of B, each MC-row block of A packed into <paramref name="ap"/> first.</summary>
    private static void PackedARows<T, TKernel>(int m, int nc, int kc, T* a, nint ars, nint acs, T* bp, T* c, nint ldc, bool accumulate, int mcMax, T* ap)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        for (int ic = 0; ic < m; ic += mcMax)
        {
            int mc = Math.Min(mcMax, m - ic);
            GemmPacking.PackA(mc, kc, TKernel.MR, a + ic * ars, ars, acs, ap);
            Macro<T, TKernel>(mc, nc, kc, ap, null, 0, bp, c + ic * ldc, ldc, accumulate);
        }
    }

    /// <summary>The blocked loops on one thread.</summary>
    private static void Serial<T, TKernel>(int m, int n, int k, T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint ldc, bool accumulate)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        var (mcMax, kcMax, ncMax) = Blocks<T, TKernel>();
        int kcAlloc = Math.Min(kcMax, k);
        int ncAlloc = Math.Min(ncMax, RoundUp(n, nr));
        int mcAlloc = Math.Min(mcMax, RoundUp(m, mr));
        int pad = 64 / sizeof(T);
        // A narrow B gives each packed element of A only a few uses, too few to repay the copy: read a
        // row-major A in place instead (BLIS packs A unconditionally; this is a measured deviation).
        bool aInPlace = acs == 1 && n <= InPlaceMaxN;
        // In place, only the ragged last panel of a block is packed: one panel of scratch, not a block's worth
        // (what a call rents counts toward the pool's next induced collection).
        var aBuf = BufferPool<T>.Rent((aInPlace ? mr : mcAlloc) * kcAlloc + pad);
        var bBuf = BufferPool<T>.Rent(kcAlloc * ncAlloc + pad);
        try
        {
            fixed (T* aPin = aBuf) fixed (T* bPin = bBuf)
            {
                T* ap = Align(aPin), bp = Align(bPin);
                for (int jc = 0; jc < n; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, n - jc);
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        bool acc = accumulate || pc > 0;
                        GemmPacking.PackB(kc, nc, nr, b + pc * brs + jc * bcs, brs, bcs, bp);
                        if (!aInPlace)
                        {
                            PackedARows<T, TKernel>(m, nc, kc, a + pc * acs, ars, acs, bp, c + jc, ldc, acc, mcMax, ap);
                            continue;
                        }
                        for (int ic = 0; ic < m; ic += mcMax)
                        {
                            int mc = Math.Min(mcMax, m - ic);
                            T* aBlock = a + ic * ars + pc * acs;
                            // Only the ragged last rows are packed (zero-padded to a full panel).
                            int tail = TallTiles<T, TKernel>(mc, nc) > 0 ? 0 : mc % mr;
                            if (tail > 0) GemmPacking.PackA(tail, kc, mr, aBlock + (mc - tail) * ars, ars, acs, ap);
                            Macro<T, TKernel>(mc, nc, kc, ap, aBlock, ars, bp, c + ic * ldc + jc, ldc, acc);
                        }
                    }
                }
            }
        }
        finally
        {
            BufferPool<T>.Return(aBuf);
            BufferPool<T>.Return(bBuf);
        }
    }

    /// <summary>
    /// All micro-tiles of one MC x KC block of A times one packed KC x NC block of B. A is either packed
    /// (<paramref name="aRows"/> null) or read in place from row-major <paramref name="aRows"/> with row stride
    /// <paramref name="lda"/>, in which case <paramref name="ap"/> holds just the packed ragged last panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<T, TKernel>(int mc, int nc, int kc, T* ap, T* aRows, nint lda, T* bp, T* c, nint ldc, bool accumulate)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        T* tile = stackalloc T[mr * nr];
        if (aRows != null)
        {
            // In place, the MR rows of A (a few KiB) stay in L1 while the micro-kernel walks the whole packed
            // B block, which is narrow enough to sit in L2: rows outer, panels inner.
            int ir = 0;
            int tall = TallTiles<T, TKernel>(mc, nc);
            if (tall > 0)
            {
                // The first rows in 14-row tiles, so that the 12-row tiles after them cover the rest exactly: 256 rows
                // are 2 x 14 + 19 x 12, where 12-row tiles alone end with a tile of 4 valid rows in 12.
                int one = 0;
                for (; ir < tall * Kernel512<T>.RowTileMR; ir += Kernel512<T>.RowTileMR)
                    for (int jr = 0; jr < nc; jr += nr)
                        Kernel512<T>.RunRowMajorATaps14(1, &one, kc, aRows + ir * lda, lda, bp + (nint)jr * kc, nr, c + ir * ldc + jr, ldc, accumulate);
            }
            for (; ir < mc; ir += mr)
            {
                int mv = Math.Min(mr, mc - ir);
                for (int jr = 0; jr < nc; jr += nr)
                    Tile<T, TKernel>(kc, mv, Math.Min(nr, nc - jr), mv == mr ? aRows + ir * lda : null, lda, ap, bp + (nint)jr * kc, c + ir * ldc + jr, ldc, accumulate, tile);
            }
            return;
        }
        // Packed, the MC x KC block of A sits in L2 and one B micro-panel in L1: panels outer, rows inner.
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nv = Math.Min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr)
                Tile<T, TKernel>(kc, Math.Min(mr, mc - ir), nv, null, 0, ap + (nint)ir * kc, bp + (nint)jr * kc, c + ir * ldc + jr, ldc, accumulate, tile);
        }
    }

    /// <summary>
    /// How many 14-row tiles an in-place block of <paramref name="mc"/> rows starts with so that 12-row tiles cover
    /// the rest with no ragged last tile: 0 when <paramref name="mc"/> is a multiple of 12, when no count up to
    /// five fits (odd row counts), off the 512-bit kernel, or when the block has a ragged column panel.
    /// </summary>
    internal static int TallTiles<T, TKernel>(int mc, int nc) where T : unmanaged where TKernel : IMicroKernel<T>
    {
        if (typeof(TKernel) != typeof(Kernel512<T>) || !TallTilesEnabled || nc % TKernel.NR != 0 || mc % TKernel.MR == 0) return 0;
        for (int tall = 1; tall <= 5 && tall * Kernel512<T>.RowTileMR <= mc; tall++)
            if ((mc - tall * Kernel512<T>.RowTileMR) % TKernel.MR == 0) return tall;
        return 0;
    }

    /// <summary>Set false to end in-place blocks with a ragged 12-row tile instead (tests and tuning runs).</summary>
    internal static bool TallTilesEnabled { get; set; } = true;

    /// <summary>One micro-tile: A from <paramref name="aRows"/> in place when non-null, else from packed <paramref name="aPanel"/>.
    /// Edge tiles are computed in full into <paramref name="tile"/> and only their valid part is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<T, TKernel>(int kc, int mv, int nv, T* aRows, nint lda, T* aPanel, T* bPanel, T* c, nint ldc, bool accumulate, T* tile)
        where T : unmanaged where TKernel : IMicroKernel<T>
    {
        int nr = TKernel.NR;
        bool full = mv == TKernel.MR && nv == nr;
        T* dst = full ? c : tile;
        nint ld = full ? ldc : nr;
        bool acc = full && accumulate;
        if (aRows != null) TKernel.RunRowMajorA(kc, aRows, lda, bPanel, dst, ld, acc);
        else TKernel.Run(kc, aPanel, bPanel, dst, ld, acc);
        if (!full) MergeEdge(mv, nv, tile, nr, c, ldc, accumulate);
    }

    private static void MergeEdge<T>(int mv, int nv, T* tile, int nr, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        for (int i = 0; i < mv; i++)
        {
            T* src = tile + i * nr, dst = c + i * ldc;
            if (!accumulate)
                new ReadOnlySpan<T>(src, nv).CopyTo(new Span<T>(dst, nv));
            else if (typeof(T) == typeof(float))
                for (int j = 0; j < nv; j++) ((float*)dst)[j] += ((float*)src)[j];
            else if (typeof(T) == typeof(double))
                for (int j = 0; j < nv; j++) ((double*)dst)[j] += ((double*)src)[j];
            else
                throw new NotSupportedException($"Packed GEMM does not support {typeof(T).Name}.");
        }
    }

    /// <summary>
    /// (MC, KC, NC): a KC-deep micro-panel of B (KC x NR) fills about a quarter of a 32 KiB L1; an MC x KC
    /// block of A about 160 KiB of L2; a KC x NC block of B about 2 MiB of L3. BLIS uses similar sizes for
    /// Zen and Skylake-X (kernels/zen and config/skx, bli_cntx_init_*.c). The 512-bit kernel (AVX-512 machines
    /// have 1-2 MiB of L2 per core) takes KC 512 and a 384 KiB A block; a B micro-panel then streams from L2
    /// rather than sitting in L1, which the hardware prefetcher covers. On a 2-core Zen 4 EPYC (117 GFLOP/s
    /// peak per core), measured with the benchmark process at real-time priority on a busy machine: MatMul
    /// 1024 in 21 ms on one core (102 GFLOP/s), 11 ms on two; KC 256 or 384 and A blocks of 96-384 KiB
    /// measured within 5% of it.
    /// </summary>
    private static (int Mc, int Kc, int Nc) Blocks<T, TKernel>() where T : unmanaged where TKernel : IMicroKernel<T>
    {
        var (kcOverride, aBytes, bBytes) = BlockSizes;
        bool wide = typeof(TKernel) == typeof(Kernel512<T>);
        int kc = kcOverride > 0 ? kcOverride : wide ? 512 : 256;
        if (kcOverride == 0 && wide) aBytes = aBytes * 12 / 5; // 384 KiB of a 1 MiB L2
        int mc = Math.Max(TKernel.MR, (aBytes / (kc * sizeof(T))) / TKernel.MR * TKernel.MR);
        int nc = Math.Max(TKernel.NR, (bBytes / (kc * sizeof(T))) / TKernel.NR * TKernel.NR);
        return (mc, kc, nc);
    }

    /// <summary>(KC, bytes of an A block, bytes of a B block); KC 0 means the default. For tuning experiments.</summary>
    /// <remarks>Initialised from a property, not a field declared below it: static initialisers run in text order,
    /// and reading a later field here once left every product on degenerate 12 x 32 blocks (half speed).</remarks>
    internal static (int Kc, int ABytes, int BBytes) BlockSizes { get; set; } = DefaultBlockSizes;

    internal static (int Kc, int ABytes, int BBytes) DefaultBlockSizes => (0, 160 * 1024, 2 * 1024 * 1024);

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static T* Align<T>(T* p) where T : unmanaged => (T*)(((nint)p + 63) & ~(nint)63);
}
