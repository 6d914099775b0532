using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Eager.Kernels.Conv;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Pool;

/// <summary>
/// Max and average pooling in NHWC layout and their backward passes. Channels are contiguous, so every window
/// tap is one vector operation over the channel run. Padding taps are skipped: a max never sees them and an
/// average divides by the number of real cells only (TensorFlow's SAME semantics). Ties in a max window go to
/// the first maximal tap in row-major window order, in the forward argmax and in every gradient.
/// </summary>
public static unsafe class Pooling
{
    /// <summary>output[N, OH, OW, C] = max over each window.</summary>
    public static void MaxForward<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels;
        var geo = g;
        ForEachOutputRow(g, input, output, (x, xLen, y, n, oh) =>
        {
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && c >= 2)
            {
                MaxRowVector(geo, x, xLen, y, n, oh);
                return;
            }
            var src = new ReadOnlySpan<T>(x, xLen);
            for (int ow = 0; ow < geo.OutWidth; ow++)
            {
                var o = new Span<T>(y + (nint)ow * c, c);
                bool first = true;
                foreach (var (off, _) in geo.Taps(n, oh, ow))
                {
                    if (first) { src.Slice(off, c).CopyTo(o); first = false; }
                    else TensorPrimitives.Max(o, src.Slice(off, c), o);
                }
                if (first) o.Fill(T.NegativeInfinity);
            }
        });
    }

    private delegate void OutputRow<T>(T* x, int xLen, T* y, int n, int oh) where T : unmanaged;

    /// <summary>Runs <paramref name="row"/> once per output row (image n, output row oh), rows split across the
    /// workers; y points at the row's first output pixel.</summary>
    private static void ForEachOutputRow<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> output, OutputRow<T> row)
        where T : unmanaged
    {
        int outHeight = g.OutHeight;
        nint rowLength = (nint)g.OutWidth * g.InChannels;
        fixed (T* pIn = input, pOut = output)
        {
            T* inP = pIn, outP = pOut;
            int inLen = input.Length;
            Workers.ForEach(g.Batch * outHeight, Work(g), r =>
            {
                int n = r / outHeight;
                row(inP, inLen, outP + r * rowLength, n, r - n * outHeight);
            });
        }
    }

    /// <summary>
    /// One output row of the max pool: each pixel's taps listed once, then one pass over the channels in
    /// vectors, the running max in a register. Calling TensorPrimitives.Max per tap on runs of 64 channels
    /// cost about 1 ns per input element, mostly call overhead (VGG's 224x224x64 pool took 1.8 ms).
    /// Vector256.Max and T.Max are IEEE maximum, as TensorPrimitives.Max is: NaN spreads, +0 beats -0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxRowVector<T>(in ConvGeometry g, T* x, int xLen, T* y, int n, int oh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, w = Vector256<T>.Count;
        int* offsets = stackalloc int[g.KernelHeight * g.KernelWidth];
        for (int ow = 0; ow < g.OutWidth; ow++, y += c)
        {
            int taps = g.ListTaps(n, oh, ow, new Span<int>(offsets, g.KernelHeight * g.KernelWidth), default);
            if (taps == 0) { new Span<T>(y, c).Fill(T.NegativeInfinity); continue; }
            // With fewer channels than a vector left (all of them, in LeNet's 6-channel pools), a full vector read runs
            // on into the next pixel where the input allows; its lanes are ignored and only the channels' are stored.
            int ci = 0, last = LastTap(offsets, taps);
            for (; ci <= c - w || (ci < c && last + ci + w <= xLen); ci += w)
            {
                var m = Vector256.Load(x + offsets[0] + ci);
                for (int t = 1; t < taps; t++) m = Vector256.Max(m, Vector256.Load(x + offsets[t] + ci));
                if (ci + w <= c) m.Store(y + ci);
                else for (int l = 0; l < c - ci; l++) y[ci + l] = m.GetElement(l);
            }
            for (; ci < c; ci++)
            {
                T m = x[offsets[0] + ci];
                for (int t = 1; t < taps; t++) m = T.Max(m, x[offsets[t] + ci]);
                y[ci] = m;
            }
        }
    }

    /// <summary>output = window max and argmax[N, OH, OW, C] = flat input index of the first maximal tap:
    /// ((n * H + h) * W + w) * C + c with the batch term only when <paramref name="includeBatchInIndex"/>.</summary>
    public static void MaxWithArgmax<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> output, Span<long> argmax, bool includeBatchInIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels;
        var best = BufferPool<T>.Rent(c);
        var at = BufferPool<int>.Rent(c);
        for (int n = 0; n < g.Batch; n++)
        {
            long batchBase = includeBatchInIndex ? 0 : (long)n * g.InHeight * g.InWidth * c;
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    int p = ((n * g.OutHeight + oh) * g.OutWidth + ow) * c;
                    WindowArgMax(g, input, n, oh, ow, best.AsSpan(0, c), at.AsSpan(0, c));
                    best.AsSpan(0, c).CopyTo(output.Slice(p, c));
                    for (int ci = 0; ci < c; ci++) argmax[p + ci] = at[ci] + ci - batchBase;
                }
        }
        BufferPool<T>.Return(best);
        BufferPool<int>.Return(at);
    }

    /// <summary>inputGrad = d(sum(maxpool(input) * outGrad)) / d input: each outGrad value goes to its window's argmax.</summary>
    public static void MaxBackward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> outGrad, Span<T> inputGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        inputGrad.Slice(0, g.InputLength).Clear();
        var geo = g;
        fixed (T* pIn = input, pG = outGrad, pD = inputGrad)
        {
            T* inP = pIn, gP = pG, dP = pD;
            int inLen = input.Length, gLen = outGrad.Length;
            // Windows may overlap inside an image: images run in parallel, pixels of one image in order.
            Workers.ForEach(g.Batch, Work(g), n => MaxBackwardImage(geo, inP, inLen, gP, gLen, dP, n));
        }
    }

    /// <summary>
    /// One image of the max-pool gradient: each pixel's taps listed once, then per channel (a vector of channels at a
    /// time where there are enough) the first maximal tap, NaN winning as in the forward max, gets the gradient. The
    /// per-pixel argmax through spans and the tap enumerator cost about 150 ns per output pixel of a 6-channel LeNet
    /// pool (1.4 ms for 64x24x24x6).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackwardImage<T>(in ConvGeometry g, T* x, int xLen, T* gy, int gLen, T* dx, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, w = Vector256<T>.Count;
        bool vector = Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && c >= 2;
        int* offsets = stackalloc int[g.KernelHeight * g.KernelWidth];
        for (int oh = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++)
            {
                int taps = g.ListTaps(n, oh, ow, new Span<int>(offsets, g.KernelHeight * g.KernelWidth), default);
                int gOff = ((n * g.OutHeight + oh) * g.OutWidth + ow) * c;
                T* gp = gy + gOff;
                if (taps == 0) continue;
                int ci = 0;
                if (vector)
                {
                    // With fewer channels than a vector left, a full vector read runs on into the next pixel (its lanes
                    // are ignored) where the arrays allow: compares per lane have no branches to mispredict, which
                    // on random data cost the scalar loop about 20 cycles per element.
                    int last = LastTap(offsets, taps);
                    for (; ci <= c - w || (ci < c && last + ci + w <= xLen && gOff + ci + w <= gLen); ci += w)
                    {
                        var best = Vector256.Load(x + offsets[0] + ci);
                        var at = Vector256<T>.Zero; // tap index per lane, as T
                        for (int t = 1; t < taps; t++)
                        {
                            var v = Vector256.Load(x + offsets[t] + ci);
                            // v > best, or v is NaN and best is not (NaN wins); ties keep the first tap.
                            var take = Vector256.GreaterThan(v, best) | (~Vector256.Equals(v, v) & Vector256.Equals(best, best));
                            best = Vector256.ConditionalSelect(take, v, best);
                            at = Vector256.ConditionalSelect(take, Vector256.Create(T.CreateTruncating(t)), at);
                        }
                        var gv = Vector256.Load(gp + ci);
                        if (ci + w <= c)
                        {
                            // Each tap takes the lanes it won: a vector add per tap instead of a scalar add per lane.
                            for (int t = 0; t < taps; t++)
                            {
                                var won = Vector256.Equals(at, Vector256.Create(T.CreateTruncating(t)));
                                T* d = dx + offsets[t] + ci;
                                (Vector256.Load(d) + (gv & won)).Store(d);
                            }
                        }
                        else
                        {
                            // Lanes past the channels belong to the next pixel, maybe another thread's: touch only ours.
                            for (int l = 0; l < c - ci; l++)
                                dx[offsets[int.CreateTruncating(at.GetElement(l))] + ci + l] += gv.GetElement(l);
                        }
                    }
                }
                for (; ci < c; ci++)
                {
                    T best = x[offsets[0] + ci];
                    int at = 0;
                    for (int t = 1; t < taps; t++)
                    {
                        T v = x[offsets[t] + ci];
                        if (v > best || (T.IsNaN(v) && !T.IsNaN(best))) { best = v; at = t; }
                    }
                    dx[offsets[at] + ci] += gp[ci];
                }
            }
    }

    /// <summary>The largest of the first <paramref name="taps"/> offsets (taps are listed in increasing order).</summary>
    private static int LastTap(int* offsets, int taps) => offsets[taps - 1];

    /// <summary>output[N, OH, OW, C] = inputGradGrad at each window's argmax: the adjoint of <see cref="MaxBackward"/>
    /// in its gradient argument (TensorFlow's MaxPoolGradGrad).</summary>
    public static void MaxBackwardAdjoint<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> inputGradGrad, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels;
        var best = BufferPool<T>.Rent(c);
        var at = BufferPool<int>.Rent(c);
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    WindowArgMax(g, input, n, oh, ow, best.AsSpan(0, c), at.AsSpan(0, c));
                    var o = output.Slice(((n * g.OutHeight + oh) * g.OutWidth + ow) * c, c);
                    for (int ci = 0; ci < c; ci++) o[ci] = inputGradGrad[at[ci] + ci];
                }
        BufferPool<T>.Return(best);
        BufferPool<int>.Return(at);
    }

    /// <summary>output[N, OH, OW, C] = mean of each window's real (non-padding) cells.</summary>
    public static void AvgForward<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels;
        var geo = g;
        ForEachOutputRow(g, input, output, (x, xLen, y, n, oh) =>
        {
            var src = new ReadOnlySpan<T>(x, xLen);
            for (int ow = 0; ow < geo.OutWidth; ow++)
            {
                var o = new Span<T>(y + (nint)ow * c, c);
                o.Clear();
                int count = 0;
                foreach (var (off, _) in geo.Taps(n, oh, ow)) { TensorPrimitives.Add(o, src.Slice(off, c), o); count++; }
                if (count > 1) TensorPrimitives.Multiply(o, T.One / T.CreateChecked(count), o);
            }
        });
    }

    /// <summary>inputGrad = d(sum(avgpool(input) * outGrad)) / d input: each outGrad value spread evenly over its window's real cells.</summary>
    public static void AvgBackward<T>(in ConvGeometry g, ReadOnlySpan<T> outGrad, Span<T> inputGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels;
        inputGrad.Slice(0, g.InputLength).Clear();
        var geo = g;
        fixed (T* pG = outGrad, pD = inputGrad)
        {
            T* gP = pG, dP = pD;
            int gLen = outGrad.Length, dLen = inputGrad.Length;
            Workers.ForEach(g.Batch, Work(g), n =>
            {
                var scaled = BufferPool<T>.Rent(c);
                var s = scaled.AsSpan(0, c);
                var gs = new ReadOnlySpan<T>(gP, gLen);
                var dst = new Span<T>(dP, dLen);
                for (int oh = 0; oh < geo.OutHeight; oh++)
                    for (int ow = 0; ow < geo.OutWidth; ow++)
                    {
                        int count = 0;
                        foreach (var _ in geo.Taps(n, oh, ow)) count++;
                        if (count == 0) continue;
                        TensorPrimitives.Multiply(gs.Slice(((n * geo.OutHeight + oh) * geo.OutWidth + ow) * c, c), T.One / T.CreateChecked(count), s);
                        foreach (var (off, _) in geo.Taps(n, oh, ow)) { var d = dst.Slice(off, c); TensorPrimitives.Add(d, s, d); }
                    }
                BufferPool<T>.Return(scaled);
            });
        }
    }

    /// <summary>Per channel, the max of one window and the input offset (of channel 0) of its first maximal tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WindowArgMax<T>(in ConvGeometry g, ReadOnlySpan<T> input, int n, int oh, int ow, Span<T> best, Span<int> at)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = best.Length;
        bool first = true;
        foreach (var (off, _) in g.Taps(n, oh, ow))
        {
            var x = input.Slice(off, c);
            if (first) { x.CopyTo(best); at.Fill(off); first = false; continue; }
            for (int ci = 0; ci < c; ci++)
            {
                // NaN wins, as in the forward max, so its gradient is routed to it.
                if (x[ci] > best[ci] || (T.IsNaN(x[ci]) && !T.IsNaN(best[ci]))) { best[ci] = x[ci]; at[ci] = off; }
            }
        }
        if (first) { best.Fill(T.NegativeInfinity); at.Clear(); }
    }

    private static long Work(in ConvGeometry g) => (long)g.OutPixels * g.KernelHeight * g.KernelWidth * g.InChannels;
}
