using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Conv;

/// <summary>
/// Float32 convolutions with at most eight output channels (LeNet's first layer: 1 -> 6 channels, 5x5), direct: one
/// Vector256 holds a pixel's outputs, and each input value is broadcast against its row of the filter padded to eight
/// lanes. im2col + GEMM spent its time on the im2col copy and on a GEMM whose 16-wide panels were mostly padding:
/// 64x28x28x1 -> 6 took 1.1 ms forward and 1.3 ms for the filter gradient, about 10 GFLOP/s.
/// </summary>
internal static unsafe class NarrowConv
{
    private const int Lanes = 8;

    /// <summary>Whether this path runs <paramref name="g"/> for element type <typeparamref name="T"/>.</summary>
    public static bool Applies<T>(in ConvGeometry g) =>
        typeof(T) == typeof(float) && Avx2.IsSupported && Fma.IsSupported && g.OutChannels is >= 1 and <= Lanes && g.InChannels >= 1;

    /// <summary>output[OutPixels, OutChannels] = conv(input, filter).</summary>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> filter, Span<float> output)
    {
        int k = g.PatchSize, o = g.OutChannels;
        var padded = PadFilter(filter, k, o);
        var geo = g;
        var mask = LaneMask(o);
        fixed (float* pIn = input, pW = padded, pOut = output)
        {
            float* x = pIn, w = pW, y = pOut;
            Workers.For(g.OutPixels, (long)k * Lanes, (p0, p1) =>
            {
                var walk = new PixelWalk(geo, p0, stackalloc int[4 * geo.KernelHeight * geo.KernelWidth]);
                for (int p = p0; p < p1; p++, walk.Next())
                {
                    var v = Pixel(x + walk.Base, w, geo.InChannels, walk.Offsets, walk.Taps, walk.Count);
                    // A full store runs into the next pixel, which this worker writes next; never past its last pixel.
                    if (p * o + Lanes <= p1 * o) Avx.Store(y + (nint)p * o, v);
                    else Avx.MaskStore(y + (nint)p * o, mask, v);
                }
            });
        }
        BufferPool<float>.Return(padded);
    }

    /// <summary>One pixel's outputs: four accumulators so the multiply-adds do not wait on each other.</summary>
    private static Vector256<float> Pixel(float* x, float* w, int cin, ReadOnlySpan<int> offsets, ReadOnlySpan<int> taps, int count)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        if (cin == 1)
        {
            int j = 0;
            for (; j + 4 <= count; j += 4)
            {
                a0 = Fma.MultiplyAdd(Vector256.Create(x[offsets[j]]), Avx.LoadVector256(w + taps[j] * Lanes), a0);
                a1 = Fma.MultiplyAdd(Vector256.Create(x[offsets[j + 1]]), Avx.LoadVector256(w + taps[j + 1] * Lanes), a1);
                a2 = Fma.MultiplyAdd(Vector256.Create(x[offsets[j + 2]]), Avx.LoadVector256(w + taps[j + 2] * Lanes), a2);
                a3 = Fma.MultiplyAdd(Vector256.Create(x[offsets[j + 3]]), Avx.LoadVector256(w + taps[j + 3] * Lanes), a3);
            }
            for (; j < count; j++) a0 = Fma.MultiplyAdd(Vector256.Create(x[offsets[j]]), Avx.LoadVector256(w + taps[j] * Lanes), a0);
        }
        else
        {
            for (int j = 0; j < count; j++)
            {
                float* xr = x + offsets[j];
                float* wr = w + (nint)taps[j] * cin * Lanes;
                int c = 0;
                for (; c + 4 <= cin; c += 4)
                {
                    a0 = Fma.MultiplyAdd(Vector256.Create(xr[c]), Avx.LoadVector256(wr + c * Lanes), a0);
                    a1 = Fma.MultiplyAdd(Vector256.Create(xr[c + 1]), Avx.LoadVector256(wr + (c + 1) * Lanes), a1);
                    a2 = Fma.MultiplyAdd(Vector256.Create(xr[c + 2]), Avx.LoadVector256(wr + (c + 2) * Lanes), a2);
                    a3 = Fma.MultiplyAdd(Vector256.Create(xr[c + 3]), Avx.LoadVector256(wr + (c + 3) * Lanes), a3);
                }
                for (; c < cin; c++) a0 = Fma.MultiplyAdd(Vector256.Create(xr[c]), Avx.LoadVector256(wr + c * Lanes), a0);
            }
        }
        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>filterGrad[PatchSize, OutChannels] = sum over pixels of each tap's input times the pixel's output gradient.
    /// Each worker sums into its own padded block; the blocks are added at the end.</summary>
    public static void BackpropFilter(in ConvGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> outGrad, Span<float> filterGrad)
    {
        int k = g.PatchSize, o = g.OutChannels, cin = g.InChannels;
        var geo = g;
        var mask = LaneMask(o);
        var gate = new object();
        fixed (float* pIn = input, pG = outGrad, pW = filterGrad)
        {
            float* x = pIn, gy = pG, dw = pW;
            int gLen = outGrad.Length;
            Workers.For(g.OutPixels, (long)k * Lanes, (p0, p1) =>
            {
                var block = BufferPool<float>.Rent(k * Lanes);
                Array.Clear(block, 0, k * Lanes);
                var walk = new PixelWalk(geo, p0, stackalloc int[4 * geo.KernelHeight * geo.KernelWidth]);
                fixed (float* acc = block)
                {
                    for (int p = p0; p < p1; p++, walk.Next())
                    {
                        // Lanes past the channels are the next pixel's (or past the array): masked off at the end.
                        var gv = p * o + Lanes <= gLen ? Avx.LoadVector256(gy + (nint)p * o) : Avx.MaskLoad(gy + (nint)p * o, mask);
                        float* xb = x + walk.Base;
                        var offsets = walk.Offsets;
                        var taps = walk.Taps;
                        for (int j = 0; j < walk.Count; j++)
                        {
                            float* xr = xb + offsets[j];
                            float* ar = acc + (nint)taps[j] * cin * Lanes;
                            for (int c = 0; c < cin; c++)
                                Avx.Store(ar + c * Lanes, Fma.MultiplyAdd(Vector256.Create(xr[c]), gv, Avx.LoadVector256(ar + c * Lanes)));
                        }
                    }
                    lock (gate)
                    {
                        for (int r = 0; r < k; r++)
                            for (int l = 0; l < o; l++) dw[r * o + l] += acc[r * Lanes + l];
                    }
                }
                BufferPool<float>.Return(block);
            });
        }
    }

    /// <summary>The filter [PatchSize, OutChannels] with each row padded to eight lanes of zeros.</summary>
    private static float[] PadFilter(ReadOnlySpan<float> filter, int k, int o)
    {
        var padded = BufferPool<float>.Rent(k * Lanes);
        Array.Clear(padded, 0, k * Lanes);
        for (int r = 0; r < k; r++) filter.Slice(r * o, o).CopyTo(padded.AsSpan(r * Lanes, o));
        return padded;
    }

    private static Vector256<float> LaneMask(int o) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(o)).AsSingle();

    /// <summary>
    /// Walks output pixels in order and lists each one's in-bounds taps: offsets from <see cref="Base"/> and tap indices
    /// (kh * KernelWidth + kw). A window inside the image reuses the whole window's offsets; only border pixels list
    /// their taps one by one (per-pixel divisions and bounds checks cost more than a 25-tap pixel's arithmetic).
    /// </summary>
    private ref struct PixelWalk
    {
        private readonly ConvGeometry g;
        private readonly Span<int> fullOffsets, fullTaps, listOffsets, listTaps;
        private int n, oh, ow;

        public PixelWalk(in ConvGeometry geometry, int p, Span<int> scratch)
        {
            g = geometry;
            int window = g.KernelHeight * g.KernelWidth;
            fullOffsets = scratch[..window];
            fullTaps = scratch.Slice(window, window);
            listOffsets = scratch.Slice(2 * window, window);
            listTaps = scratch.Slice(3 * window, window);
            for (int kh = 0, j = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++, j++)
                {
                    fullOffsets[j] = (kh * g.DilationH * g.InWidth + kw * g.DilationW) * g.InChannels;
                    fullTaps[j] = j;
                }
            ow = p % g.OutWidth;
            int rest = p / g.OutWidth;
            oh = rest % Math.Max(g.OutHeight, 1);
            n = rest / Math.Max(g.OutHeight, 1);
            Offsets = Taps = default;
            Locate();
        }

        /// <summary>Input offset the tap offsets are relative to.</summary>
        public int Base;

        /// <summary>Number of in-bounds taps.</summary>
        public int Count;

        /// <summary>Tap offsets from <see cref="Base"/>.</summary>
        public ReadOnlySpan<int> Offsets;

        /// <summary>Tap indices.</summary>
        public ReadOnlySpan<int> Taps;

        public void Next()
        {
            if (++ow == g.OutWidth)
            {
                ow = 0;
                if (++oh == g.OutHeight) { oh = 0; n++; }
            }
            Locate();
        }

        private void Locate()
        {
            int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
            if (ih0 >= 0 && iw0 >= 0 && ih0 + (g.KernelHeight - 1) * g.DilationH < g.InHeight && iw0 + (g.KernelWidth - 1) * g.DilationW < g.InWidth)
            {
                Base = ((n * g.InHeight + ih0) * g.InWidth + iw0) * g.InChannels;
                Offsets = fullOffsets;
                Taps = fullTaps;
                Count = fullOffsets.Length;
                return;
            }
            Base = 0;
            Count = g.ListTaps(n, oh, ow, listOffsets, listTaps);
            Offsets = listOffsets;
            Taps = listTaps;
        }
    }
}
