using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Eager.Kernels.Gemm;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Conv;

internal static unsafe partial class ShiftedConv
{
    /// <summary>
    /// The correlation with every tap fused into the micro-kernel's k loop: B is the whole filter as a
    /// [taps * cin, cout] matrix packed once per call (or given packed by the caller), and each MR x NR output tile reads its MR rows of the
    /// padded input block at the KH*KW tap offsets, accumulating all taps in registers before one store.
    /// </summary>
    private static void CorrelateTaps<T, TKernel>(int batch, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* filter, bool flipped, T* given)
        where T : unmanaged, INumber<T> where TKernel : IMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR, taps = kh * kw, kTotal = taps * cin;
        int wp = yw + kw - 1;
        int panels = (cout + nr - 1) / nr;
        var packed = given != null ? [] : BufferPool<T>.Rent(panels * nr * kTotal + 64 / sizeof(T));
        try
        {
            fixed (T* packedPin = packed)
            {
                T* bp = given;
                if (bp == null)
                {
                    bp = (T*)(((nint)packedPin + 63) & ~(nint)63);
                    // Packed even for the forward filter, which is already a row-major [taps * cin, cout] matrix:
                    // read in place, its rows (cout apart) miss L1 and the TLB, measured 2x slower at 256 channels.
                    PackFilter(cin, cout, taps, nr, filter, flipped, bp);
                }
                bool rowTiles = UsesRowTiles<T, TKernel>(yw);
                if (rowTiles && (long)panels * nr * kTotal * sizeof(T) > GroupedFilterBytes)
                {
                    GroupedRowTiles(batch, xh, xw, cin, x, yh, yw, cout, y, kh, kw, padT, padL, bp);
                    return;
                }
                int rows = BalancedRows(batch, yh, yw, wp, rowTiles ? Kernel512<T>.RowTileMR : mr, BlockRows(yh, wp, Math.Max(cin, cout), sizeof(T)),
                    (long)yw * kTotal * cout, rowTiles || typeof(TKernel) == typeof(Kernel256<T>));
                int perImage = (yh + rows - 1) / rows;
                nint px = (nint)x, py = (nint)y, pb = (nint)bp;
                Workers.For(batch * perImage, (long)rows * yw * kTotal * cout, (b0, b1) =>
                    Blocks<T, TKernel>(b0, b1, perImage, rows, xh, xw, cin, (T*)px, yh, yw, cout, (T*)py, kh, kw, padT, padL, (T*)pb));
            }
        }
        finally
        {
            if (given == null) BufferPool<T>.Return(packed);
        }
    }

    /// <summary>
    /// Output rows per block: <paramref name="baseRows"/>, or another count up to twice it when that gives the
    /// busiest worker fewer rows to compute. A block computes (rows - 1) * wp + yw pixels rounded up to MR, and
    /// Workers.For hands each worker a contiguous run of blocks; at 14x14 the cache-sized 4 rows made blocks of
    /// 4, 4, 4 and 2 rows, so one of two workers did 132 tile rows and the other 96; blocks of 7 give 114 each.
    /// </summary>
    internal static int BalancedRows(int batch, int yh, int yw, int wp, int mr, int baseRows, long workPerRow, bool gathered)
    {
        int best = baseRows;
        long bestCost = Cost(baseRows);
        for (int rows = 1; rows <= Math.Min(yh, 2 * baseRows); rows++)
        {
            long c = Cost(rows);
            if (c < bestCost) { best = rows; bestCost = c; }
        }
        return best;

        long Cost(int rows)
        {
            int perImage = (yh + rows - 1) / rows, blocks = batch * perImage;
            int chunks = Math.Min(Workers.Chunks(blocks, rows * workPerRow), blocks);
            long worst = 0;
            for (int c = 0; c < chunks; c++)
            {
                int b0 = (int)((long)blocks * c / chunks), b1 = (int)((long)blocks * (c + 1) / chunks);
                long sum = 0;
                for (int b = b0; b < b1; b++)
                {
                    int r = Math.Min(rows, yh - b % perImage * rows);
                    long pixels = gathered ? (long)r * yw : (long)(r - 1) * wp + yw;
                    sum += (pixels + mr - 1) / mr * mr;
                }
                worst = Math.Max(worst, sum);
            }
            return worst;
        }
    }

    /// <summary>Set false to keep the 512-bit kernel on its 12-row tiles at every width (tests compare the two).</summary>
    internal static bool RowTilesEnabled { get; set; } = true;

    /// <summary>Whether the 512-bit kernel tiles each output row with <see cref="Kernel512{T}.RunRowMajorATaps14"/>.
    /// Its 12-row tiles run along the padded-width rows instead: at 56x56 a two-row block then computes 120 pixels
    /// for 112 (the 2 padding pixels a row and the round-up to 12), 7% of the arithmetic thrown away.</summary>
    private static bool UsesRowTiles<T, TKernel>(int yw) where T : unmanaged where TKernel : IMicroKernel<T> =>
        RowTilesEnabled && typeof(TKernel) == typeof(Kernel512<T>) && yw % Kernel512<T>.RowTileMR == 0;

    /// <summary>Row blocks [b0, b1) of the correlation (one worker's share).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks<T, TKernel>(int b0, int b1, int perImage, int rows, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* bp)
        where T : unmanaged, INumber<T> where TKernel : IMicroKernel<T>
    {
        if (UsesRowTiles<T, TKernel>(yw))
        {
            RowTileBlocks(b0, b1, perImage, rows, xh, xw, cin, x, yh, yw, cout, y, kh, kw, padT, padL, bp);
            return;
        }
        int mr = TKernel.MR, nr = TKernel.NR, taps = kh * kw, kTotal = taps * cin;
        int wp = yw + kw - 1;
        int mMax = ((rows - 1) * wp + yw + mr - 1) / mr * mr;
        // The last tile of a block reads up to mr - 1 pixels past the padded rows: keep them zero.
        int padLen = (rows + kh - 1) * wp * cin, slack = mr * cin;
        var padded = BufferPool<T>.Rent(padLen + slack);
        var acc = BufferPool<T>.Rent(mMax * cout);
        bool gathered = typeof(TKernel) == typeof(Kernel256<T>);
        var (tapsPerSegment, chunk) = TapSegments(taps, cin);
        int* offsets = stackalloc int[taps];
        for (int t = 0; t < taps; t++) offsets[t] = (t / kw * wp + t % kw) * cin;
        T* tile = stackalloc T[mr * nr];
        // The AVX2 kernel takes one A offset per tile row, so its tiles run over the block's real pixels only
        // (r * yw of them) and skip the KW - 1 padding pixels a row that the padded-width layout computes and
        // discards (7% of the work at 28x28, 14% at 14x14). Tail rows past the last pixel repeat it.
        var rowOffsets = gathered ? BufferPool<int>.Rent(mMax) : [];
        fixed (T* pad = padded, o = acc)
        fixed (int* rowOff = rowOffsets)
        {
            for (int b = b0; b < b1; b++)
            {
                int n = b / perImage, y0 = b % perImage * rows, r = Math.Min(rows, yh - y0);
                PadRows(x, n, xh, xw, cin, y0 - padT, r + kh - 1, padL, wp, pad);
                int used = (r + kh - 1) * wp * cin;
                new Span<T>(pad + used, padLen + slack - used).Clear();
                int m = gathered ? r * yw : (r - 1) * wp + yw, pitch = gathered ? yw : wp;
                if (gathered)
                    for (int q = 0; q < mMax; q++)
                    {
                        int px = Math.Min(q, m - 1);
                        rowOff[q] = (px / yw * wp + px % yw) * cin;
                    }
                for (int jr = 0; jr < cout; jr += nr)
                {
                    int nv = Math.Min(nr, cout - jr);
                    T* bPanel = bp + (nint)jr * kTotal;
                    // k is cut into segments of at most TapSegmentDepth (whole taps, or channel chunks of one tap).
                    for (int t0 = 0; t0 < taps; t0 += tapsPerSegment)
                    {
                        int tn = Math.Min(tapsPerSegment, taps - t0);
                        for (int c0 = 0; c0 < cin; c0 += chunk)
                        {
                            int kc = Math.Min(chunk, cin - c0);
                            for (int ir = 0; ir < m; ir += mr)
                            {
                                // A tile spans output rows [ra, rb] of the block: it skips the taps that read padding
                                // rows for all of them (the first row's lower bound, the last row's upper one).
                                int ra = ir / pitch, rb = (Math.Min(ir + mr, m) - 1) / pitch;
                                int tLo = ImageTaps(y0 + rb, xh, padT, kh, kw).Lo, tHi = ImageTaps(y0 + ra, xh, padT, kh, kw).Hi;
                                var (run, s, sn, more) = SegmentPart(tLo, tHi, t0, tn, c0);
                                if (!run) continue;
                                T* bSeg = bPanel + ((nint)s * cin + c0) * nr;
                                if (gathered)
                                {
                                    bool direct = nv == nr;
                                    Kernel256<T>.RunGatheredATaps(sn, offsets + s, kc, pad + c0, rowOff + ir, bSeg, nr,
                                        direct ? o + (nint)ir * cout + jr : tile, direct ? cout : nr, direct && more);
                                    if (!direct) MergeTile(tile, nr, nv, mr, o + (nint)ir * cout + jr, cout, more);
                                    continue;
                                }
                                T* a = pad + (nint)ir * cin + c0;
                                if (nv == nr)
                                {
                                    TKernel.RunRowMajorATaps(sn, offsets + s, kc, a, cin, bSeg, nr, o + (nint)ir * cout + jr, cout, more);
                                }
                                else
                                {
                                    TKernel.RunRowMajorATaps(sn, offsets + s, kc, a, cin, bSeg, nr, tile, nr, false);
                                    MergeTile(tile, nr, nv, mr, o + (nint)ir * cout + jr, cout, more);
                                }
                            }
                        }
                    }
                }
                if (gathered)
                    new ReadOnlySpan<T>(o, r * yw * cout).CopyTo(new Span<T>(y + ((nint)(n * yh + y0) * yw) * cout, r * yw * cout));
                else
                    for (int rr = 0; rr < r; rr++)
                        new ReadOnlySpan<T>(o + (nint)rr * wp * cout, yw * cout)
                            .CopyTo(new Span<T>(y + ((nint)(n * yh + y0 + rr) * yw) * cout, yw * cout));
            }
        }
        BufferPool<T>.Return(padded);
        BufferPool<T>.Return(acc);
        if (gathered) BufferPool<int>.Return(rowOffsets);
    }

    /// <summary>
    /// <see cref="Blocks"/> for the 512-bit kernel when the output width is a multiple of its 14-row tile: each tile
    /// is 14 pixels of one output row, so tiles write straight into the output (no scratch, no copy) and compute
    /// no padding pixels.
    /// </summary>
    private static void RowTileBlocks<T>(int b0, int b1, int perImage, int rows, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* bp)
        where T : unmanaged, INumber<T>
    {
        int wp = yw + kw - 1, panels = (cout + Kernel512<T>.NR - 1) / Kernel512<T>.NR;
        var padded = BufferPool<T>.Rent((rows + kh - 1) * wp * cin);
        fixed (T* pad = padded)
        {
            for (int b = b0; b < b1; b++)
            {
                int n = b / perImage, y0 = b % perImage * rows, r = Math.Min(rows, yh - y0);
                PadRows(x, n, xh, xw, cin, y0 - padT, r + kh - 1, padL, wp, pad);
                RowTileBlock(pad, y0, r, xh, padT, cin, wp, yw, cout, y + ((nint)(n * yh + y0) * yw) * cout, kh, kw, bp, 0, panels);
            }
        }
        BufferPool<T>.Return(padded);
    }

    /// <summary>Packed filters above this size (the 512-channel layers of VGG) run in <see cref="GroupedRowTiles"/>.</summary>
    internal static long GroupedFilterBytes { get; set; } = 4 << 20;

    /// <summary>Bytes of filter panels in one group of <see cref="GroupedRowTiles"/>: half of Zen 4's 1 MiB L2.</summary>
    internal static long GroupBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// <see cref="RowTileBlocks"/> for a filter too large to stream once per row block: with blocks of a few rows,
    /// every block read all 9.4 MiB of a 3x3x512x512 filter from L3 for only 4-8 tiles per panel slice (28x28x512
    /// ran 1.10x ONNX Runtime's time, 1.02-1.03x this way). Each image is padded once, shared by every worker, and
    /// the work items are (group of panels, block of rows), group-major, so a worker runs every block of the image
    /// over one group's panels while they sit in its L2.
    /// </summary>
    private static void GroupedRowTiles<T>(int batch, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* bp)
        where T : unmanaged, INumber<T>
    {
        int nr = Kernel512<T>.NR, kTotal = kh * kw * cin, wp = yw + kw - 1, ph = yh + kh - 1;
        int panels = (cout + nr - 1) / nr;
        int perGroup = (int)Math.Clamp(GroupBytes / ((long)kTotal * nr * sizeof(T)), 1, panels);
        // A multiple of the workers, panels split evenly, so every worker gets the same share of the filter.
        int groups = (panels + perGroup - 1) / perGroup;
        groups = Math.Min(panels, (groups + Workers.Count - 1) / Workers.Count * Workers.Count);
        int rows = BalancedRows(groups, yh, yw, wp, Kernel512<T>.RowTileMR, BlockRows(yh, wp, Math.Max(cin, cout), sizeof(T)),
            (long)yw * kTotal * cout / groups, gathered: true);
        int perImage = (yh + rows - 1) / rows;
        var padded = BufferPool<T>.Rent(ph * wp * cin);
        try
        {
            fixed (T* padPin = padded)
            {
                nint px = (nint)x, py = (nint)y, pb = (nint)bp, pp = (nint)padPin;
                for (int n = 0; n < batch; n++)
                {
                    int img = n;
                    Workers.For(ph, (long)wp * cin * Workers.ElementWork, (r0, r1) =>
                        PadRows((T*)px, img, xh, xw, cin, r0 - padT, r1 - r0, padL, wp, (T*)pp + (nint)r0 * wp * cin));
                    Workers.For(groups * perImage, (long)rows * yw * kTotal * cout / groups, (i0, i1) =>
                    {
                        for (int i = i0; i < i1; i++)
                        {
                            int g = i / perImage, y0 = i % perImage * rows;
                            RowTileBlock((T*)pp + (nint)y0 * wp * cin, y0, Math.Min(rows, yh - y0), xh, padT, cin, wp, yw, cout,
                                (T*)py + ((nint)(img * yh + y0) * yw) * cout, kh, kw, (T*)pb, panels * g / groups, panels * (g + 1) / groups);
                        }
                    });
                }
            }
        }
        finally
        {
            BufferPool<T>.Return(padded);
        }
    }

    /// <summary>Set false to run every tap on every output row, the zero padding rows included (tests compare the two).</summary>
    internal static bool SkipPaddingRows { get; set; } = true;

    /// <summary>The taps [Lo, Hi) of output row <paramref name="row"/> whose kernel rows read image rows, not the zero
    /// padding above or below it (all taps when <see cref="SkipPaddingRows"/> is off); taps run kernel row by kernel row.</summary>
    private static (int Lo, int Hi) ImageTaps(int row, int xh, int padT, int kh, int kw)
    {
        if (!SkipPaddingRows) return (0, kh * kw);
        int top = row - padT;
        return (Math.Clamp(-top, 0, kh) * kw, Math.Clamp(xh - top, 0, kh) * kw);
    }

    /// <summary>
    /// The taps [S, S + Sn) of the k segment of taps [t0, t0 + tn) (channels from <paramref name="c0"/>) that a tile
    /// runs when its rows read image rows through taps [tLo, tHi); Run is false when the tile has nothing to do in this
    /// segment. The tile's first part stores and later ones add (More); a tile that reads no image row at all still
    /// runs its first segment with no taps, so it stores zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (bool Run, int S, int Sn, bool More) SegmentPart(int tLo, int tHi, int t0, int tn, int c0)
    {
        int s = Math.Max(t0, tLo), e = Math.Min(t0 + tn, tHi);
        return (s < e || (t0 == 0 && c0 == 0 && tLo >= tHi), s, Math.Max(0, e - s), s > tLo || c0 > 0);
    }

    /// <summary>
    /// Output rows [y0, y0 + r) of one row block over filter panels [p0, p1): <paramref name="pad"/> is the padded
    /// input at the block's first row, <paramref name="yBlock"/> the output at it. The kernel rows of the filter that
    /// fall on the zero padding above or below the image (the first and last KH / 2 output rows at SAME padding) are
    /// skipped: their taps are a leading or trailing run of the fused k loop, so a row's tiles start later in B or end
    /// earlier. At 56x56 that is 1.2% of the arithmetic, at 14x14 4.8%.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowTileBlock<T>(T* pad, int y0, int r, int xh, int padT, int cin, int wp, int yw, int cout, T* yBlock, int kh, int kw, T* bp, int p0, int p1)
        where T : unmanaged, INumber<T>
    {
        const int mr = Kernel512<T>.RowTileMR;
        int nr = Kernel512<T>.NR, taps = kh * kw, kTotal = taps * cin;
        var (tapsPerSegment, chunk) = TapSegments(taps, cin);
        int* offsets = stackalloc int[taps];
        for (int t = 0; t < taps; t++) offsets[t] = (t / kw * wp + t % kw) * cin;
        T* tile = stackalloc T[mr * nr];
        for (int jr = p0 * nr; jr < Math.Min(cout, p1 * nr); jr += nr)
        {
            int nv = Math.Min(nr, cout - jr);
            T* bPanel = bp + (nint)jr * kTotal;
            for (int t0 = 0; t0 < taps; t0 += tapsPerSegment)
            {
                int tn = Math.Min(tapsPerSegment, taps - t0);
                for (int c0 = 0; c0 < cin; c0 += chunk)
                {
                    int kc = Math.Min(chunk, cin - c0);
                    for (int rr = 0; rr < r; rr++)
                    {
                        var (tLo, tHi) = ImageTaps(y0 + rr, xh, padT, kh, kw);
                        var (run, s, sn, more) = SegmentPart(tLo, tHi, t0, tn, c0);
                        if (!run) continue;
                        T* bSeg = bPanel + ((nint)s * cin + c0) * nr;
                        for (int x0 = 0; x0 < yw; x0 += mr)
                        {
                            T* a = pad + ((nint)rr * wp + x0) * cin + c0;
                            T* c = yBlock + ((nint)rr * yw + x0) * cout + jr;
                            if (nv == nr)
                            {
                                Kernel512<T>.RunRowMajorATaps14(sn, offsets + s, kc, a, cin, bSeg, nr, c, cout, more);
                            }
                            else
                            {
                                Kernel512<T>.RunRowMajorATaps14(sn, offsets + s, kc, a, cin, bSeg, nr, tile, nr, false);
                                MergeTile(tile, nr, nv, mr, c, cout, more);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Most k values per segment of the tap tiles: 2304 x NR is 144 KiB (AVX2) or 288 KiB (AVX-512) of B, read from L2.</summary>
    internal static int TapSegmentDepth { get; set; } = 2304;

    /// <summary>
    /// Taps per segment and channels per chunk for the tap tiles (both kernel families): as many whole taps as fit in
    /// <see cref="TapSegmentDepth"/>, spread evenly over the segments (9 taps at 512 channels: 3, 3 and 3, not 4, 4
    /// and 1); one tap in even channel chunks when a tap alone is deeper. A segment's B slice then streams from L2
    /// rather than sitting in L1, but each tile stores its C rows once per segment instead of once per tap. AVX2, at
    /// 56x56x256 on one core: one-tap segments ran at 89% of the FMA peak, all nine taps in one at 94% (the 6x16 tile
    /// reads 8 values per 12 FMAs, so B from L2 does not hold it back). AVX-512 (the 14x32 row tiles, which kept
    /// 256-deep segments whose 32 KiB of B filled L1): 56x56x256 33.4 -> 32.7 ms on one core, 28x28x256->512 17.0 ->
    /// 16.6 ms, 14x14x512 8.63 -> 8.53 ms, and the 12-row tiles at widths off the 14 grid (20x20x256) 4.73 -> 4.63 ms.
    /// </summary>
    internal static (int Taps, int Chunk) TapSegments(int taps, int cin)
    {
        int depth = Math.Max(1, TapSegmentDepth);
        if (cin <= depth)
        {
            int segments = (taps + depth / cin - 1) / (depth / cin);
            return ((taps + segments - 1) / segments, cin);
        }
        int chunks = (cin + depth - 1) / depth;
        return (1, (cin + chunks - 1) / chunks);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeTile<T>(T* tile, int nr, int nv, int mr, T* c, nint ldc, bool accumulate) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < mr; i++)
        {
            var src = new ReadOnlySpan<T>(tile + i * nr, nv);
            var dst = new Span<T>(c + i * ldc, nv);
            if (!accumulate) { src.CopyTo(dst); continue; }
            for (int j = 0; j < nv; j++) dst[j] += src[j];
        }
    }

    /// <summary>
    /// Packs a row-major [k, n] block into NR-column panels row by row: each source row is read once, in
    /// order, and its NR-wide pieces go to every panel. Packing panel by panel instead (GemmPacking.PackB)
    /// walks the whole block once per panel with a stride of n elements, a TLB miss every row or two at
    /// 512 channels: that made packing a 3x3x512x512 filter take about 1.8 ms, 12% of the 14x14x512 conv.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowsAcross<T>(int k, int n, int nr, T* src, T* dst, nint panelStride) where T : unmanaged
    {
        int full = n / nr, rest = n - full * nr, bytes = nr * sizeof(T);
        bool vectors = bytes % Vector256<byte>.Count == 0;
        for (int p = 0; p < k; p++)
        {
            T* s = src + (nint)p * n;
            T* d = dst + (nint)p * nr;
            for (int q = 0; q < full; q++, s += nr, d += panelStride)
            {
                if (vectors)
                    for (int o = 0; o < bytes; o += Vector256<byte>.Count)
                        Vector256.Store(Vector256.Load((byte*)s + o), (byte*)d + o);
                else
                    new ReadOnlySpan<T>(s, nr).CopyTo(new Span<T>(d, nr));
            }
            if (rest > 0)
            {
                new ReadOnlySpan<T>(s, rest).CopyTo(new Span<T>(d, rest));
                new Span<T>(d + rest, nr - rest).Clear();
            }
        }
    }

    /// <summary>Set false to pack the flipped filter element by element (tests compare the two).</summary>
    internal static bool VectorTranspose { get; set; } = true;

    /// <summary>
    /// Packs the transpose of a row-major [n, k] block (row c holds k values) as a [k, n] matrix in NR-column panels:
    /// row p of a panel holds element p of its NR source rows. Whole 8 x 8 (float) or 4 x 4 (double) squares are
    /// transposed in registers; element by element (GemmPacking.PackB on the transposed strides), the 14x14x512
    /// input gradient took 11.3 ms on one core (AVX2) instead of 10.4, the 28x28x256->512 one 17.6 instead of 17.1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackTransposed<T>(int k, int n, int nr, T* src, T* dst, nint panelStride) where T : unmanaged
    {
        int s = typeof(T) == typeof(float) ? 8 : typeof(T) == typeof(double) ? 4 : 0;
        if (!VectorTranspose || !Avx.IsSupported || s == 0 || nr % s != 0 || k < s)
        {
            GemmPacking.PackB(k, n, nr, src, 1, k, dst, panelStride);
            return;
        }
        int full = n / nr, kv = k / s * s;
        for (int q = 0; q < full; q++)
        {
            T* d = dst + q * panelStride;
            for (int j = 0; j < nr; j += s)
            {
                T* rows = src + (nint)(q * nr + j) * k;
                for (int p = 0; p < kv; p += s)
                {
                    if (s == 8) Transpose8((float*)(rows + p), k, (float*)(d + (nint)p * nr + j), nr);
                    else Transpose4((double*)(rows + p), k, (double*)(d + (nint)p * nr + j), nr);
                }
                for (int p = kv; p < k; p++)
                    for (int i = 0; i < s; i++) d[(nint)p * nr + j + i] = rows[(nint)i * k + p];
            }
        }
        if (full * nr < n) GemmPacking.PackB(k, n - full * nr, nr, src + (nint)full * nr * k, 1, k, dst + full * panelStride, panelStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(float* s, nint ls, float* d, nint ld)
    {
        var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + ls));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + ls));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls));
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ld, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ld, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ld, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ld, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ld, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ld, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ld, Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(double* s, nint ls, double* d, nint ld)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ls);
        var r2 = Avx.LoadVector256(s + 2 * ls); var r3 = Avx.LoadVector256(s + 3 * ls);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(d, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(d + ld, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(d + 2 * ld, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(d + 3 * ld, Avx.Permute2x128(t1, t3, 0x31));
    }

    /// <summary>
    /// Packs the filter as a [taps * cin, cout] matrix in NR-column panels. Unflipped, that is the HWIO filter
    /// itself. Flipped (input gradient: cin and cout are the forward's cout and cin), row t * cin + o, column c
    /// holds forward tap taps-1-t, element [c, o]: each tap block is the forward block transposed.
    /// </summary>
    private static void PackFilter<T>(int cin, int cout, int taps, int nr, T* filter, bool flipped, T* bp) where T : unmanaged
    {
        nint panelStride = (nint)nr * taps * cin;
        nint pf = (nint)filter, pb = (nint)bp;
        // Taps pack independently (each fills its own k rows of every panel); copying is memory-bound, so an element
        // counts as ElementWork: counted as one multiply-add, a 3x3x256x256 filter (0.3 ms from L3) packed on one core.
        Workers.For(taps, (long)cin * cout * Workers.ElementWork, (t0, t1) =>
        {
            for (int t = t0; t < t1; t++)
            {
                T* dst = (T*)pb + (nint)t * cin * nr;
                if (!flipped)
                    PackRowsAcross(cin, cout, nr, (T*)pf + (nint)t * cin * cout, dst, panelStride);
                else
                    PackTransposed(cin, cout, nr, (T*)pf + (nint)(taps - 1 - t) * cin * cout, dst, panelStride);
            }
        });
    }
}
