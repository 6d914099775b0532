using Eager.Kernels.Conv;

namespace Eager.Tests.Kernels;

/// <summary>The shifted-GEMM convolution (stride 1) against a float64 scalar reference, all three passes.</summary>
[NonParallelizable]
public class ShiftedConvTests
{
    // (batch, h, w, cin, kh, kw, cout, padTop, padLeft, outH, outW)
    private static readonly int[][] Cases =
    [
        [1, 7, 9, 16, 3, 3, 17, 1, 1, 7, 9],     // 3x3 SAME, odd sizes
        [2, 8, 6, 17, 3, 3, 8, 0, 0, 6, 4],      // 3x3 VALID, batch 2
        [1, 9, 11, 16, 5, 5, 24, 2, 2, 9, 11],   // 5x5 SAME
        [1, 5, 7, 16, 2, 2, 9, 0, 0, 5, 7],      // 2x2 SAME: padding only after (bottom/right)
        [2, 40, 37, 64, 3, 3, 33, 1, 1, 40, 37], // several row blocks per image
        [1, 1, 1, 16, 3, 3, 8, 1, 1, 1, 1],      // a single pixel
        [1, 14, 14, 32, 3, 3, 37, 1, 1, 14, 14], // small image, blocks balanced over workers; a partial last panel
        [3, 14, 14, 16, 3, 3, 48, 1, 1, 14, 14], // batch 3 at 14x14
        [2, 6, 28, 16, 3, 3, 40, 1, 1, 6, 28],   // two 14-pixel row tiles a row, batch 2, a partial panel
        [1, 5, 14, 20, 2, 2, 64, 0, 0, 5, 14],   // 2x2 SAME at width 14: padding after only, odd channel count
        [1, 4, 28, 16, 5, 5, 33, 2, 2, 4, 28],   // 5x5 SAME at width 28
    ];

    // Under 16 input channels at widths of whole 14-pixel row tiles the forward pass takes the 512-bit tap kernel.
    private static readonly int[][] ShallowCases =
    [
        [2, 5, 28, 3, 3, 3, 64, 1, 1, 5, 28],  // VGG's first layer in small: RGB, batch 2, two row tiles a row
        [1, 6, 14, 3, 3, 3, 37, 1, 1, 6, 14],  // a partial last panel
        [1, 7, 14, 1, 5, 5, 12, 2, 2, 7, 14],  // one channel, 5x5 SAME
        [1, 9, 16, 15, 3, 3, 40, 0, 0, 7, 14], // 3x3 VALID, 15 channels
    ];

    [TearDown]
    public void Restore()
    {
        ShiftedConv.ShallowEnabled = true;
        ShiftedConv.GroupedFilterBytes = 4 << 20;
        ShiftedConv.GroupBytes = 512 * 1024;
        ShiftedConv.Enabled = true;
        ShiftedConv.RowTilesEnabled = true;
        ShiftedConv.FilterBlockPixels = 512;
        ShiftedConv.TapSegmentDepth = 2304;
        ShiftedConv.VectorTranspose = true;
        ShiftedConv.SkipPaddingRows = true;
        Eager.Kernels.Gemm.Gemm.Path = Eager.Kernels.Gemm.GemmPath.Auto;
    }

    // Filter-gradient shapes: (batch, h, w, cin, kh, kw, cout, padTop, padLeft, outH, outW) as in Cases.
    private static readonly int[][] FilterCases =
    [
        [2, 9, 10, 33, 3, 3, 31, 1, 1, 9, 10],  // channels either side of 32: ragged tiles (KW * Cin = 99) and panels
        [1, 12, 5, 17, 3, 3, 12, 1, 1, 12, 5],  // 17 in (KW * Cin = 51 rows, no multiple of 6 or 12), 12 out
        [3, 4, 4, 16, 3, 3, 16, 1, 1, 4, 4],    // small images grouped into one k block, batch not a multiple of the group
        [2, 7, 9, 31, 3, 3, 33, 0, 0, 5, 7],    // VALID, batch 2
        [1, 6, 8, 32, 2, 3, 24, 0, 1, 5, 8],    // 2x3 window, uneven padding
        [1, 24, 30, 16, 3, 3, 40, 1, 1, 24, 30], // k blocks of 510 pixels: 512-bit gradient panels too big for L1 (tiles outer)
    ];

    [Test]
    public void FilterGradientMatchesReferenceOnEveryPath(
        [Values(Eager.Kernels.Gemm.GemmPath.Vector512, Eager.Kernels.Gemm.GemmPath.Vector256, Eager.Kernels.Gemm.GemmPath.Simple)] Eager.Kernels.Gemm.GemmPath path,
        [Values] bool dbl, [Values(512, 40, 24)] int blockPixels)
    {
        // Small k blocks split images into several blocks (a ragged last one) and group several small images in one.
        Eager.Kernels.Gemm.Gemm.Path = path;
        ShiftedConv.FilterBlockPixels = blockPixels;
        for (int i = 0; i < FilterCases.Length; i++) CheckFilterGradient(FilterCases[i], dbl, 40 + i);
    }

    [Test]
    public void EveryKernelFamilyGivesTheSameResult(
        [Values(Eager.Kernels.Gemm.GemmPath.Vector512, Eager.Kernels.Gemm.GemmPath.Vector256, Eager.Kernels.Gemm.GemmPath.Simple)] Eager.Kernels.Gemm.GemmPath path,
        [Values] bool rowTiles)
    {
        // Vector512 runs emulated (slowly) where the CPU lacks AVX-512, so its tap kernels are checked everywhere;
        // widths that are multiples of 14 take its row tiles unless they are switched off.
        Eager.Kernels.Gemm.Gemm.Path = path;
        ShiftedConv.RowTilesEnabled = rowTiles;
        ForwardMatchesReference(0, false);
        BackpropInputMatchesReference(3, false);
        BackpropFilterMatchesReference(1, true);
        foreach (int which in new[] { 6, 8, 9, 10 })
        {
            ForwardMatchesReference(which, false);
            ForwardMatchesReference(which, true);
            BackpropInputMatchesReference(which, false);
        }
    }

    [Test]
    public void TheTapTilesSplitDeepFiltersIntoSegments([Values(16, 40, 70)] int depth,
        [Values(Eager.Kernels.Gemm.GemmPath.Vector256, Eager.Kernels.Gemm.GemmPath.Vector512)] Eager.Kernels.Gemm.GemmPath path)
    {
        // Depth 16: one tap a segment, 17- and 20-channel taps cut into chunks of 9 and 10; 40: two taps a segment
        // (9 taps: 2+2+2+2+1); 70: three taps a segment where four would fit (3+3+3, not 4+4+1), one at 64 channels.
        // On Vector512 (emulated where the CPU lacks AVX-512) widths 14 and 28 take the 14-row tiles, the rest the
        // 12-row ones, so both accumulate later segments into what the first one stored.
        Eager.Kernels.Gemm.Gemm.Path = path;
        ShiftedConv.TapSegmentDepth = depth;
        foreach (int which in new[] { 0, 1, 2, 4, 6, 8, 9, 10 })
        {
            ForwardMatchesReference(which, false);
            ForwardMatchesReference(which, true);
            BackpropInputMatchesReference(which, false);
            BackpropInputMatchesReference(which, true);
        }
    }

    [Test]
    public unsafe void TheFlippedFilterPacksTheSameWithRegisterTransposes(
        [Values(1, 7, 8, 9, 16, 17, 24, 33)] int k, [Values(8, 16, 23, 32, 40)] int n, [Values(8, 16, 32)] int nr, [Values] bool dbl)
    {
        var rnd = new Random(k * 100 + n);
        var src = Fill(k * n, rnd);
        int panels = (n + nr - 1) / nr;
        nint stride = (nint)nr * k + 3; // panels not back to back, as in the taps-interleaved filter
        double[] Pack(bool vectors)
        {
            ShiftedConv.VectorTranspose = vectors;
            if (dbl)
            {
                var d = new double[panels * stride];
                fixed (double* ps = src, pd = d) ShiftedConv.PackTransposed(k, n, nr, ps, pd, stride);
                return d;
            }
            var sf = src.Select(v => (float)v).ToArray();
            var df = new float[panels * stride];
            fixed (float* ps = sf, pd = df) ShiftedConv.PackTransposed(k, n, nr, ps, pd, stride);
            return df.Select(v => (double)v).ToArray();
        }
        var scalar = Pack(false);
        var vector = Pack(true);
        Assert.That(vector, Is.EqualTo(scalar));
        // Spot-check the layout itself: panel q, row p, column j holds source row q * nr + j, element p.
        Assert.That(scalar[(n - 1) / nr * stride + (nint)(k - 1) * nr + (n - 1) % nr], Is.EqualTo(dbl ? src[n * k - 1] : (double)(float)src[n * k - 1]));
    }

    [Test]
    public void Avx2SegmentsHoldWholeTapsSpreadEvenly()
    {
        Assert.That(ShiftedConv.TapSegments(9, 256), Is.EqualTo((9, 256)), "every tap in one segment");
        Assert.That(ShiftedConv.TapSegments(9, 512), Is.EqualTo((3, 512)), "3 + 3 + 3 taps, not 4 + 4 + 1");
        Assert.That(ShiftedConv.TapSegments(9, 1000), Is.EqualTo((2, 1000)));
        Assert.That(ShiftedConv.TapSegments(9, 3000), Is.EqualTo((1, 1500)), "a tap deeper than a segment: even chunks");
        Assert.That(ShiftedConv.TapSegments(25, 64), Is.EqualTo((25, 64)));
    }

    private static ConvGeometry Geometry(int[] c) => new(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[9], c[10], 1, 1, 1, 1, c[7], c[8]);

    [Test]
    public void AppliesOnlyToStrideOneWithEnoughChannels()
    {
        Assert.That(ShiftedConv.Applies<float>(Geometry(Cases[0])), Is.True);
        Assert.That(ShiftedConv.Applies<int>(Geometry(Cases[0])), Is.False);
        Assert.That(ShiftedConv.Applies<float>(new ConvGeometry(1, 8, 8, 3, 3, 3, 64, 8, 8, 1, 1, 1, 1, 1, 1)), Is.False, "3 input channels");
        Assert.That(ShiftedConv.Applies<float>(new ConvGeometry(1, 8, 8, 16, 3, 3, 16, 4, 4, 2, 2, 1, 1, 0, 0)), Is.False, "stride 2");
        Assert.That(ShiftedConv.Applies<float>(new ConvGeometry(1, 8, 8, 16, 3, 3, 16, 8, 8, 1, 1, 2, 2, 2, 2)), Is.False, "dilation 2");
    }

    [Test]
    public void ShallowInputsTakeTheTapKernelAtRowTileWidths([Range(0, 3)] int which, [Values] bool dbl, [Values(2304, 8)] int segmentDepth)
    {
        // Vector512 is forced (emulated where the CPU lacks AVX-512); a segment depth of 8 splits the k loop into
        // several segments, so the tiles accumulate into the output after the first.
        Eager.Kernels.Gemm.Gemm.Path = Eager.Kernels.Gemm.GemmPath.Vector512;
        ShiftedConv.TapSegmentDepth = segmentDepth;
        var g = Geometry(ShallowCases[which]);
        Assert.That(ShiftedConv.Applies<float>(g), Is.False);
        Assert.That(ShiftedConv.AppliesForward<float>(g), Is.True);
        Assert.That(Convolution.ForwardPacking<float>(g), Is.Not.Null);
        ForwardMatchesReference(g, 40 + which, dbl);
        var rnd = new Random(50 + which);
        var x = Fill(g.InputLength, rnd).Select(v => (float)v).ToArray();
        var w = Fill(g.PatchSize * g.OutChannels, rnd).Select(v => (float)v).ToArray();
        var packing = Convolution.ForwardPacking<float>(g)!.Value;
        var packed = new float[packing.Length];
        Convolution.PackFilter<float>(packing, w, packed);
        var fast = new float[g.OutPixels * g.OutChannels];
        Convolution.Forward<float>(g, x, w, fast, packing, packed);
        ShiftedConv.ShallowEnabled = false;
        Assert.That(ShiftedConv.AppliesForward<float>(g), Is.False);
        var slow = new float[fast.Length];
        Convolution.Forward<float>(g, x, w, slow);
        for (int i = 0; i < fast.Length; i++) Assert.That(fast[i], Is.EqualTo(slow[i]).Within(1e-4f), $"element {i}");
    }

    [Test]
    public void GroupedPanelsGiveTheSameResult([Values(1, 64 * 1024)] int groupBytes, [Values(1, 2, 3)] int workers)
    {
        // Every row-tile case through the panel groups of large filters: one panel a group (1 byte) or several, split
        // over 1-3 workers, forward in both precisions and the input gradient.
        Eager.Kernels.Gemm.Gemm.Path = Eager.Kernels.Gemm.GemmPath.Vector512;
        ShiftedConv.GroupedFilterBytes = 0;
        ShiftedConv.GroupBytes = groupBytes;
        int saved = Eager.Kernels.Workers.Count;
        Eager.Kernels.Workers.Count = workers;
        try
        {
            foreach (int which in new[] { 6, 7, 8, 9, 10 })
            {
                ForwardMatchesReference(which, false);
                ForwardMatchesReference(which, true);
                BackpropInputMatchesReference(which, false);
            }
            for (int i = 0; i < ShallowCases.Length; i++) ForwardMatchesReference(Geometry(ShallowCases[i]), 60 + i, false);
        }
        finally
        {
            Eager.Kernels.Workers.Count = saved;
        }
    }

    public enum Tiles { Row14, Grouped14, Rows12, Avx2 }

    [Test]
    public void SkippingTheTapsOnPaddingRowsChangesNoBit([Values(2304, 16)] int depth, [Values] bool dbl, [Values] Tiles tiles)
    {
        // The tiles skip the kernel rows that fall on the zero rows above and below the image: SAME padding's first and
        // last rows, both ends at once where the window is taller than the image (5x5 over 4 rows), only the bottom at
        // 2x2 SAME, none at VALID. The 14-row tiles (one output row each, in blocks or in panel groups) skip per row;
        // the 12-row tiles along padded-width rows and the AVX2 tiles, which may span two output rows, skip what all
        // their rows skip. Depth 16 cuts the k loop into segments, so a tile's first (storing) segment is a later one,
        // or a whole segment is skipped. A zero product adds nothing, so both ways agree bit for bit.
        Eager.Kernels.Gemm.Gemm.Path = tiles == Tiles.Avx2 ? Eager.Kernels.Gemm.GemmPath.Vector256 : Eager.Kernels.Gemm.GemmPath.Vector512;
        ShiftedConv.RowTilesEnabled = tiles != Tiles.Rows12;
        ShiftedConv.TapSegmentDepth = depth;
        if (tiles == Tiles.Grouped14)
        {
            ShiftedConv.GroupedFilterBytes = 0;
            ShiftedConv.GroupBytes = 64 * 1024;
        }
        var shapes = Cases.Concat(ShallowCases).ToArray();
        for (int k = 0; k < shapes.Length; k++)
        {
            var g = Geometry(shapes[k]);
            if (!ShiftedConv.AppliesForward<float>(g)) continue;
            var rnd = new Random(70 + k);
            var x = Fill(g.InputLength, rnd);
            var w = Fill(g.PatchSize * g.OutChannels, rnd);
            var dy = Fill(g.OutPixels * g.OutChannels, rnd);
            double[] Both(bool skip, bool input)
            {
                ShiftedConv.SkipPaddingRows = skip;
                return input
                    ? Run(dbl, w, dy, g.InputLength, (ws, ds, xs) => Convolution.BackpropInput(g, ws, ds, xs), (ws, ds, xs) => Convolution.BackpropInput(g, ws, ds, xs))
                    : Run(dbl, x, w, g.OutPixels * g.OutChannels, (xs, ws, ys) => Convolution.Forward(g, xs, ws, ys), (xs, ws, ys) => Convolution.Forward(g, xs, ws, ys));
            }
            Assert.That(Both(true, false), Is.EqualTo(Both(false, false)), $"forward, shape {k}");
            if (ShiftedConv.Applies<float>(g)) Assert.That(Both(true, true), Is.EqualTo(Both(false, true)), $"input gradient, shape {k}");
            ShiftedConv.SkipPaddingRows = true;
            ForwardMatchesReference(g, 80 + k, dbl);
        }
    }

    [Test]
    public void ShallowInputsStayOnIm2ColElsewhere()
    {
        var rgb = Geometry(ShallowCases[0]);
        Eager.Kernels.Gemm.Gemm.Path = Eager.Kernels.Gemm.GemmPath.Vector256;
        Assert.That(ShiftedConv.AppliesForward<float>(rgb), Is.False, "the 256-bit kernel");
        Eager.Kernels.Gemm.Gemm.Path = Eager.Kernels.Gemm.GemmPath.Vector512;
        Assert.That(ShiftedConv.AppliesForward<float>(new ConvGeometry(1, 5, 27, 3, 3, 3, 64, 5, 27, 1, 1, 1, 1, 1, 1)), Is.False, "width 27");
        ShiftedConv.RowTilesEnabled = false;
        Assert.That(ShiftedConv.AppliesForward<float>(rgb), Is.False, "row tiles off");
        ShiftedConv.RowTilesEnabled = true;
        Assert.That(ShiftedConv.AppliesForward<float>(rgb), Is.True);
        Assert.That(ShiftedConv.Packing<float>(rgb, flipped: true), Is.Null, "the input gradient keeps the 16-channel minimum");
    }

    [Test]
    public void ForwardMatchesReference([Range(0, 10)] int which, [Values] bool dbl)
    {
        var g = Geometry(Cases[which]);
        Assert.That(ShiftedConv.Applies<float>(g), Is.True);
        ForwardMatchesReference(g, which, dbl);
    }

    private static void ForwardMatchesReference(ConvGeometry g, int seed, bool dbl)
    {
        var rnd = new Random(seed);
        var x = Fill(g.InputLength, rnd);
        var w = Fill(g.PatchSize * g.OutChannels, rnd);
        var expect = new double[g.OutPixels * g.OutChannels];
        ForEachTap(g, (n, oh, ow, i, j, ci, xi) =>
        {
            for (int o = 0; o < g.OutChannels; o++)
                expect[((n * g.OutHeight + oh) * g.OutWidth + ow) * g.OutChannels + o] += x[xi] * w[((i * g.KernelWidth + j) * g.InChannels + ci) * g.OutChannels + o];
        });
        var got = Run(dbl, x, w, expect.Length, (xs, ws, ys) => Convolution.Forward(g, xs, ws, ys), (xs, ws, ys) => Convolution.Forward(g, xs, ws, ys));
        AssertClose(got, expect, dbl);
    }

    [Test]
    public void BackpropInputMatchesReference([Range(0, 10)] int which, [Values] bool dbl)
    {
        var g = Geometry(Cases[which]);
        var rnd = new Random(10 + which);
        var w = Fill(g.PatchSize * g.OutChannels, rnd);
        var dy = Fill(g.OutPixels * g.OutChannels, rnd);
        var expect = new double[g.InputLength];
        ForEachTap(g, (n, oh, ow, i, j, ci, xi) =>
        {
            for (int o = 0; o < g.OutChannels; o++)
                expect[xi] += dy[((n * g.OutHeight + oh) * g.OutWidth + ow) * g.OutChannels + o] * w[((i * g.KernelWidth + j) * g.InChannels + ci) * g.OutChannels + o];
        });
        var got = Run(dbl, w, dy, expect.Length, (ws, ds, xs) => Convolution.BackpropInput(g, ws, ds, xs), (ws, ds, xs) => Convolution.BackpropInput(g, ws, ds, xs));
        AssertClose(got, expect, dbl);
    }

    [Test]
    public void FilterGradientOverwritesItsOutput([Values(Eager.Kernels.Gemm.GemmPath.Vector512, Eager.Kernels.Gemm.GemmPath.Vector256)] Eager.Kernels.Gemm.GemmPath path)
    {
        Eager.Kernels.Gemm.Gemm.Path = path;
        var g = Geometry(FilterCases[0]);
        var rnd = new Random(50);
        var x = Fill(g.InputLength, rnd).Select(v => (float)v).ToArray();
        var dy = Fill(g.OutPixels * g.OutChannels, rnd).Select(v => (float)v).ToArray();
        var clean = new float[g.PatchSize * g.OutChannels];
        var dirty = Enumerable.Repeat(float.NaN, clean.Length).ToArray();
        Convolution.BackpropFilter<float>(g, x, dy, clean);
        Convolution.BackpropFilter<float>(g, x, dy, dirty);
        Assert.That(dirty, Is.EqualTo(clean));
    }

    [Test]
    public void BackpropFilterMatchesReference([Range(0, 10)] int which, [Values] bool dbl) => CheckFilterGradient(Cases[which], dbl, 20 + which);

    private static void CheckFilterGradient(int[] shape, bool dbl, int seed)
    {
        var g = Geometry(shape);
        Assert.That(ShiftedConv.Applies<float>(g), Is.True);
        var rnd = new Random(seed);
        var x = Fill(g.InputLength, rnd);
        var dy = Fill(g.OutPixels * g.OutChannels, rnd);
        var expect = new double[g.PatchSize * g.OutChannels];
        ForEachTap(g, (n, oh, ow, i, j, ci, xi) =>
        {
            for (int o = 0; o < g.OutChannels; o++)
                expect[((i * g.KernelWidth + j) * g.InChannels + ci) * g.OutChannels + o] += x[xi] * dy[((n * g.OutHeight + oh) * g.OutWidth + ow) * g.OutChannels + o];
        });
        var got = Run(dbl, x, dy, expect.Length, (xs, ds, ws) => Convolution.BackpropFilter(g, xs, ds, ws), (xs, ds, ws) => Convolution.BackpropFilter(g, xs, ds, ws));
        AssertClose(got, expect, dbl);
    }

    [Test]
    public void BlockRowsSpreadSmallImagesEvenly()
    {
        int saved = Eager.Kernels.Workers.Count;
        try
        {
            // 14x14x512 (VGG's last block): 4 cache-sized rows give blocks of 4, 4, 4, 2; two workers then
            // compute 132 and 96 tile rows. Blocks of 7 give both 114.
            Eager.Kernels.Workers.Count = 2;
            long work = 14L * 9 * 512 * 512;
            Assert.That(ShiftedConv.BalancedRows(1, 14, 14, 16, 6, 4, work, false), Is.EqualTo(7));
            Assert.That(ShiftedConv.BalancedRows(1, 14, 14, 16, 6, 4, work, true), Is.EqualTo(7));
            for (int yh = 1; yh <= 40; yh++)
                for (int baseRows = 1; baseRows <= yh; baseRows += 3)
                {
                    int rows = ShiftedConv.BalancedRows(2, yh, yh, yh + 2, 6, baseRows, work, yh % 2 == 0);
                    Assert.That(rows, Is.InRange(1, Math.Min(yh, 2 * baseRows)), $"yh {yh}, base {baseRows}");
                }
            Eager.Kernels.Workers.Count = 1;
            Assert.That(ShiftedConv.BalancedRows(1, 28, 28, 30, 6, 2, work, true), Is.InRange(1, 4));
        }
        finally
        {
            Eager.Kernels.Workers.Count = saved;
        }
    }

    [Test]
    public void AgreesWithTheIm2ColPath()
    {
        var g = Geometry(Cases[4]);
        var rnd = new Random(30);
        var x = Fill(g.InputLength, rnd).Select(v => (float)v).ToArray();
        var w = Fill(g.PatchSize * g.OutChannels, rnd).Select(v => (float)v).ToArray();
        var fast = new float[g.OutPixels * g.OutChannels];
        var slow = new float[fast.Length];
        Convolution.Forward<float>(g, x, w, fast);
        ShiftedConv.Enabled = false;
        Convolution.Forward<float>(g, x, w, slow);
        for (int i = 0; i < fast.Length; i++) Assert.That(fast[i], Is.EqualTo(slow[i]).Within(1e-4f), $"element {i}");
    }

    private delegate void TapVisitor(int n, int oh, int ow, int i, int j, int ci, int inputIndex);

    /// <summary>Calls visit for every (output pixel, in-bounds tap, input channel) of a stride-1 convolution.</summary>
    private static void ForEachTap(ConvGeometry g, TapVisitor visit)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                    for (int i = 0; i < g.KernelHeight; i++)
                        for (int j = 0; j < g.KernelWidth; j++)
                        {
                            int ih = oh - g.PadTop + i, iw = ow - g.PadLeft + j;
                            if ((uint)ih >= (uint)g.InHeight || (uint)iw >= (uint)g.InWidth) continue;
                            for (int ci = 0; ci < g.InChannels; ci++) visit(n, oh, ow, i, j, ci, g.InputOffset(n, ih, iw) + ci);
                        }
    }

    private delegate void Pass<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> result);

    private static double[] Run(bool dbl, double[] a, double[] b, int length, Pass<float> f32, Pass<double> f64)
    {
        if (dbl)
        {
            var r = new double[length];
            f64(a, b, r);
            return r;
        }
        var rf = new float[length];
        f32(a.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray(), rf);
        return rf.Select(v => (double)v).ToArray();
    }

    private static void AssertClose(double[] got, double[] expect, bool dbl)
    {
        double tol = dbl ? 1e-11 : 2e-5;
        double scale = expect.Length == 0 ? 1 : expect.Max(Math.Abs) + 1;
        for (int i = 0; i < got.Length; i++)
            if (Math.Abs(got[i] - expect[i]) > tol * scale) Assert.Fail($"element {i}: {got[i]} vs {expect[i]}");
    }

    private static double[] Fill(int n, Random rnd)
    {
        var v = new double[n];
        // Values exactly representable in float32, so both precisions see the same inputs.
        for (int i = 0; i < n; i++) v[i] = (float)(rnd.NextDouble() * 2 - 1);
        return v;
    }
}
