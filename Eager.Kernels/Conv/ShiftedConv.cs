using System.Runtime.CompilerServices;
using System.Numerics;
using Eager.Kernels.Gemm;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Conv;

/// <summary>
/// Stride-1, undilated convolution without im2col: in NHWC a window tap (i, j) shifts the whole image by a
/// fixed number of pixels, so the output is the sum over taps of one GEMM each, [pixels, Cin] x [Cin, Cout],
/// whose A operand is the zero-padded input read in place at an offset (the "shifted GEMM" or implicit-GEMM
/// formulation; see Lavin, "maxDNN", arXiv:1501.06633, and Chellapilla et al. 2006 for im2col). Work is cut
/// into blocks of a few output rows: each block copies its input rows once into a padded scratch whose rows
/// are Wp = OutWidth + KW - 1 pixels wide, so every tap's rows are contiguous; the block's output is computed
/// Wp pixels per row (the KW - 1 extra pixels per row are discarded) in an L2-sized scratch and copied out.
/// Scratch per worker is a few rows of input and output, instead of an im2col matrix KH*KW times the input.
/// </summary>
internal static unsafe partial class ShiftedConv
{
    /// <summary>Target bytes of one block's output scratch (about a quarter of a 512 KiB L2); settable for tuning runs.</summary>
    internal static int BlockBytes { get; set; } = 128 * 1024;

    /// <summary>Set false to force the im2col path (tests compare the two).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Stride 1, dilation 1, a window larger than 1x1, padding at most KH-1 / KW-1 on every side, a
    /// floating-point type, and enough input channels that each tap's GEMM has a useful depth.</summary>
    public static bool Applies<T>(in ConvGeometry g) => Applies<T>(g, minInChannels: 16);

    /// <summary>Whether the forward pass takes this path: <see cref="Applies{T}(in ConvGeometry)"/>, or any input depth
    /// where the 512-bit kernel tiles whole output rows. There every tap's few channels are still one segment of the
    /// k loop, so a 3-channel image (VGG's first layer) runs at most of the kernel's speed, where im2col and a GEMM
    /// of depth 27 ran at 40% of peak, writing and reading back a patch matrix 9 times the input.</summary>
    public static bool AppliesForward<T>(in ConvGeometry g) where T : unmanaged =>
        Applies<T>(g) || (ShallowEnabled && GemmDriver.PackedPath<T>() == GemmPath.Vector512 && RowTilesEnabled
                          && g.OutWidth % Kernel512<float>.RowTileMR == 0 && Applies<T>(g, minInChannels: 1));

    /// <summary>Set false to send shallow inputs (under 16 channels) to im2col again (tests compare the two).</summary>
    internal static bool ShallowEnabled { get; set; } = true;

    private static bool Applies<T>(in ConvGeometry g, int minInChannels)
    {
        if (!Enabled || (typeof(T) != typeof(float) && typeof(T) != typeof(double))) return false;
        if (g.StrideH != 1 || g.StrideW != 1 || g.DilationH != 1 || g.DilationW != 1) return false;
        if (g.KernelHeight * g.KernelWidth <= 1 || g.InChannels < minInChannels || g.OutChannels < 8) return false;
        int padBottom = g.OutHeight + g.KernelHeight - 1 - g.InHeight - g.PadTop;
        int padRight = g.OutWidth + g.KernelWidth - 1 - g.InWidth - g.PadLeft;
        return g.PadTop >= 0 && g.PadLeft >= 0 && padBottom >= 0 && padRight >= 0
            && g.PadTop < g.KernelHeight && padBottom < g.KernelHeight && g.PadLeft < g.KernelWidth && padRight < g.KernelWidth
            && g.OutHeight > 0 && g.OutWidth > 0;
    }

    /// <summary>output[N, OH, OW, Cout] = conv(input, filter HWIO);
    /// <paramref name="packed"/> is the filter packed as <see cref="Packing{T}"/> says, or empty to pack it here.</summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output, ReadOnlySpan<T> packed = default)
        where T : unmanaged, INumber<T>
    {
        fixed (T* x = input, w = filter, y = output, bp = packed)
            Correlate(g.Batch, g.InHeight, g.InWidth, g.InChannels, x, g.OutHeight, g.OutWidth, g.OutChannels, y,
                g.KernelHeight, g.KernelWidth, g.PadTop, g.PadLeft, w, flipped: false, bp);
    }

    /// <summary>inputGrad = the full correlation of outGrad with the spatially flipped, transposed filter;
    /// <paramref name="packed"/> is the filter packed as <see cref="Packing{T}"/> says (flipped), or empty.</summary>
    public static void BackpropInput<T>(in ConvGeometry g, ReadOnlySpan<T> filter, ReadOnlySpan<T> outGrad, Span<T> inputGrad, ReadOnlySpan<T> packed = default)
        where T : unmanaged, INumber<T>
    {
        fixed (T* w = filter, dy = outGrad, dx = inputGrad, bp = packed)
            Correlate(g.Batch, g.OutHeight, g.OutWidth, g.OutChannels, dy, g.InHeight, g.InWidth, g.InChannels, dx,
                g.KernelHeight, g.KernelWidth, g.KernelHeight - 1 - g.PadTop, g.KernelWidth - 1 - g.PadLeft, w, flipped: true, bp);
    }

    /// <summary>The packed filter layout this path's forward (or, <paramref name="flipped"/>, input-gradient) correlation
    /// of <paramref name="g"/> reads; null where it reads the filter in place (no SIMD micro-kernel) or does not apply.</summary>
    public static FilterPacking? Packing<T>(in ConvGeometry g, bool flipped) where T : unmanaged
    {
        if (flipped ? !Applies<T>(g) : !AppliesForward<T>(g)) return null;
        var path = GemmDriver.PackedPath<T>();
        int nr = path switch { GemmPath.Vector512 => Kernel512<T>.NR, GemmPath.Vector256 => Kernel256<T>.NR, _ => 0 };
        if (nr == 0) return null;
        int taps = g.KernelHeight * g.KernelWidth;
        return flipped ? new FilterPacking(path, nr, taps, g.OutChannels, g.InChannels, true)
                       : new FilterPacking(path, nr, taps, g.InChannels, g.OutChannels, false);
    }

    /// <summary>Packs <paramref name="filter"/> (HWIO) as <paramref name="p"/> says into <paramref name="packed"/>.</summary>
    public static void Pack<T>(in FilterPacking p, ReadOnlySpan<T> filter, Span<T> packed) where T : unmanaged
    {
        fixed (T* w = filter, bp = packed)
            PackFilter(p.Rows, p.Columns, p.Taps, p.PanelWidth, w, p.Flipped, bp);
    }

    /// <summary>
    /// Cross-correlates x [batch, xh, xw, cin] with a KH x KW filter into y [batch, yh, yw, cout] (stride 1),
    /// x padded by padT rows and padL columns. Unflipped, tap (i, j) uses the filter's [cin, cout] block
    /// (HWIO). Flipped (the input gradient), x is the output gradient and tap (i, j) uses block (KH-1-i, KW-1-j)
    /// of the forward filter read transposed in place. A non-null <paramref name="packed"/> is the filter already packed
    /// for this kernel family (the caller checked the packing); it is then not read.
    /// </summary>
    private static void Correlate<T>(int batch, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* filter, bool flipped, T* packed)
        where T : unmanaged, INumber<T>
    {
        if (batch == 0 || yh == 0 || yw == 0 || cout == 0) return;
        switch (GemmDriver.PackedPath<T>())
        {
            case GemmPath.Vector512: CorrelateTaps<T, Kernel512<T>>(batch, xh, xw, cin, x, yh, yw, cout, y, kh, kw, padT, padL, filter, flipped, packed); return;
            case GemmPath.Vector256: CorrelateTaps<T, Kernel256<T>>(batch, xh, xw, cin, x, yh, yw, cout, y, kh, kw, padT, padL, filter, flipped, packed); return;
        }
        CorrelateByTap(batch, xh, xw, cin, x, yh, yw, cout, y, kh, kw, padT, padL, filter, flipped);
    }

    /// <summary>The same correlation as one accumulating GEMM call per tap (no SIMD micro-kernel available).</summary>
    private static void CorrelateByTap<T>(int batch, int xh, int xw, int cin, T* x, int yh, int yw, int cout, T* y,
        int kh, int kw, int padT, int padL, T* filter, bool flipped)
        where T : unmanaged, INumber<T>
    {
        int wp = yw + kw - 1;
        int rows = BlockRows(yh, wp, Math.Max(cin, cout), sizeof(T));
        int perImage = (yh + rows - 1) / rows;
        nint px = (nint)x, py = (nint)y, pw = (nint)filter;
        Workers.For(batch * perImage, (long)rows * yw * cin * cout * kh * kw, (b0, b1) =>
        {
            var padded = BufferPool<T>.Rent((rows + kh - 1) * wp * cin);
            var acc = BufferPool<T>.Rent(rows * wp * cout);
            fixed (T* pad = padded, o = acc)
            {
                for (int b = b0; b < b1; b++)
                {
                    int n = b / perImage, y0 = b % perImage * rows, r = Math.Min(rows, yh - y0);
                    PadRows((T*)px, n, xh, xw, cin, y0 - padT, r + kh - 1, padL, wp, pad);
                    int m = (r - 1) * wp + yw;
                    for (int i = 0; i < kh; i++)
                    {
                        for (int j = 0; j < kw; j++)
                        {
                            T* a = pad + (i * wp + j) * cin;
                            bool first = i == 0 && j == 0;
                            if (!flipped)
                            {
                                T* bt = (T*)pw + (nint)(i * kw + j) * cin * cout;
                                GemmDriver.Run(m, cout, cin, a, cin, 1, bt, cout, 1, o, cout, !first, mayParallelize: false);
                            }
                            else
                            {
                                // Forward filter block [cout_fwd = cin here, cin_fwd = cout here] read transposed.
                                T* bt = (T*)pw + (nint)((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
                                GemmDriver.Run(m, cout, cin, a, cin, 1, bt, 1, cin, o, cout, !first, mayParallelize: false);
                            }
                        }
                    }
                    for (int rr = 0; rr < r; rr++)
                        new ReadOnlySpan<T>(o + (nint)rr * wp * cout, yw * cout)
                            .CopyTo(new Span<T>((T*)py + ((nint)(n * yh + y0 + rr) * yw) * cout, yw * cout));
                }
            }
            BufferPool<T>.Return(padded);
            BufferPool<T>.Return(acc);
        });
    }

    /// <summary>Copies input rows [row0, row0 + count) of image n into <paramref name="dst"/>, each row wp pixels wide
    /// with padL zero pixels in front and zeros after; rows outside the image are all zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PadRows<T>(T* x, int n, int xh, int xw, int c, int row0, int count, int padL, int wp, T* dst) where T : unmanaged
    {
        int rowLen = wp * c;
        for (int pr = 0; pr < count; pr++)
        {
            var d = new Span<T>(dst + (nint)pr * rowLen, rowLen);
            int ih = row0 + pr;
            if ((uint)ih >= (uint)xh) { d.Clear(); continue; }
            int copy = Math.Min(xw, wp - padL);
            d.Slice(0, padL * c).Clear();
            new ReadOnlySpan<T>(x + ((nint)(n * xh + ih) * xw) * c, copy * c).CopyTo(d.Slice(padL * c));
            d.Slice((padL + copy) * c).Clear();
        }
    }

    /// <summary>Output rows per block: the output scratch near <see cref="BlockBytes"/>, at least one row.</summary>
    internal static int BlockRows(int yh, int wp, int channels, int elementSize) =>
        Math.Clamp(BlockBytes / Math.Max(1, wp * channels * elementSize), 1, yh);
}
