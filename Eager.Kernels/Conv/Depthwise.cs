using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Conv;

/// <summary>
/// Depthwise 2-D convolution in NHWC layout: filter [KernelHeight, KernelWidth, InChannels, Multiplier]
/// (<see cref="ConvGeometry.OutChannels"/> holds the multiplier), output channel c * Multiplier + q reads input
/// channel c only. Direct loops; with a multiplier of 1 the forward pass keeps vector accumulators across the taps
/// (DepthwiseRows.cs), otherwise each window tap is one multiply-add over the contiguous channel run.
/// </summary>
public static unsafe partial class Depthwise
{
    /// <summary>output[N, OH, OW, C * Multiplier] = depthwise conv(input, filter).</summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, q = g.OutChannels, oc = c * q;
        if (q == 1 && g.OutPixels > 0 && c > 0) { ForwardByChannel(g, input, filter, output); return; }
        output.Slice(0, g.OutPixels * oc).Clear();
        if (g.OutPixels == 0 || oc == 0) return;
        var geo = g;
        fixed (T* pIn = input, pF = filter, pOut = output)
        {
            T* inP = pIn, fP = pF, outP = pOut;
            int inLen = input.Length, fLen = filter.Length, outLen = output.Length;
            Workers.ForEach(g.Batch * g.OutHeight, (long)geo.OutPixels * geo.KernelHeight * geo.KernelWidth * oc, row =>
            {
                var src = new ReadOnlySpan<T>(inP, inLen);
                var f = new ReadOnlySpan<T>(fP, fLen);
                var dst = new Span<T>(outP, outLen);
                int n = row / geo.OutHeight, oh = row - n * geo.OutHeight;
                for (int ow = 0; ow < geo.OutWidth; ow++)
                {
                    var o = dst.Slice((row * geo.OutWidth + ow) * oc, oc);
                    foreach (var (off, tap) in geo.Taps(n, oh, ow))
                    {
                        var x = src.Slice(off, c);
                        var w = f.Slice(tap * oc, oc);
                        if (q == 1) TensorPrimitives.FusedMultiplyAdd(x, w, o, o);
                        else for (int ci = 0; ci < c; ci++) for (int j = 0; j < q; j++) o[ci * q + j] += x[ci] * w[ci * q + j];
                    }
                }
            });
        }
    }

    /// <summary>inputGrad = d(sum(output * outGrad)) / d input.</summary>
    public static void BackpropInput<T>(in ConvGeometry g, ReadOnlySpan<T> filter, ReadOnlySpan<T> outGrad, Span<T> inputGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, q = g.OutChannels, oc = c * q;
        inputGrad.Slice(0, g.InputLength).Clear();
        if (g.OutPixels == 0 || oc == 0) return;
        var geo = g;
        fixed (T* pG = outGrad, pF = filter, pIn = inputGrad)
        {
            T* gP = pG, fP = pF, inP = pIn;
            int gLen = outGrad.Length, fLen = filter.Length, inLen = inputGrad.Length;
            // Windows overlap inside an image: images run in parallel, pixels of one image in order.
            Workers.ForEach(g.Batch, (long)geo.OutPixels * geo.KernelHeight * geo.KernelWidth * oc, n =>
            {
                var gs = new ReadOnlySpan<T>(gP, gLen);
                var f = new ReadOnlySpan<T>(fP, fLen);
                var dst = new Span<T>(inP, inLen);
                for (int oh = 0; oh < geo.OutHeight; oh++)
                    for (int ow = 0; ow < geo.OutWidth; ow++)
                    {
                        var gy = gs.Slice(((n * geo.OutHeight + oh) * geo.OutWidth + ow) * oc, oc);
                        foreach (var (off, tap) in geo.Taps(n, oh, ow))
                        {
                            var d = dst.Slice(off, c);
                            var w = f.Slice(tap * oc, oc);
                            if (q == 1) TensorPrimitives.FusedMultiplyAdd(gy, w, d, d);
                            else for (int ci = 0; ci < c; ci++) { T s = T.Zero; for (int j = 0; j < q; j++) s += gy[ci * q + j] * w[ci * q + j]; d[ci] += s; }
                        }
                    }
            });
        }
    }

    /// <summary>filterGrad[KH, KW, C, Multiplier] = d(sum(output * outGrad)) / d filter.</summary>
    public static void BackpropFilter<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> outGrad, Span<T> filterGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, q = g.OutChannels, oc = c * q;
        filterGrad.Slice(0, g.KernelHeight * g.KernelWidth * oc).Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var gy = outGrad.Slice(((n * g.OutHeight + oh) * g.OutWidth + ow) * oc, oc);
                    foreach (var (off, tap) in g.Taps(n, oh, ow))
                    {
                        var x = input.Slice(off, c);
                        var d = filterGrad.Slice(tap * oc, oc);
                        if (q == 1) TensorPrimitives.FusedMultiplyAdd(x, gy, d, d);
                        else for (int ci = 0; ci < c; ci++) for (int j = 0; j < q; j++) d[ci * q + j] += x[ci] * gy[ci * q + j];
                    }
                }
    }
}
