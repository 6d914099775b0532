using Eager.Kernels.Conv;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Quant;

/// <summary>
/// 8-bit NHWC convolution with an HWIO filter, ONNX's ConvInteger: y = sum (x - xZero) * (w - wZero[o]) in int32.
/// One <see cref="Int8Gemm"/> over the im2col matrix (the input itself for a pointwise window); padding taps hold the
/// input's zero point, so they add nothing, as ONNX specifies.
/// </summary>
public static class Int8Conv
{
    /// <summary>Forward convolution. <paramref name="wZero"/> has one value or one per output channel.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry needs, or a type is not byte/sbyte.</exception>
    public static void Forward<TX, TW>(in ConvGeometry g, ReadOnlySpan<TX> x, int xZero, ReadOnlySpan<TW> w, ReadOnlySpan<int> wZero, Span<int> y)
        where TX : unmanaged where TW : unmanaged
    {
        int k = g.PatchSize, n = g.OutChannels, m = g.OutPixels;
        if (x.Length < g.InputLength || w.Length < (long)k * n || y.Length < (long)m * n)
            throw new ArgumentException($"Int8Conv: spans ({x.Length}, {w.Length}, {y.Length}) are too short for input {g.InputLength}, filter {(long)k * n}, output {(long)m * n}.");
        if (g.IsPointwise)
        {
            Int8Gemm.Multiply(m, n, k, x, k, [xZero], w, n, wZero, y, n);
            return;
        }
        var col = BufferPool<TX>.Rent(Math.Max(1, m * k));
        try
        {
            TX pad = Pad<TX>(xZero);
            var colSpan = col.AsSpan(0, m * k);
            Gather(g, x, colSpan, pad);
            Int8Gemm.Multiply(m, n, k, (ReadOnlySpan<TX>)colSpan, k, [xZero], w, n, wZero, y, n);
        }
        finally
        {
            BufferPool<TX>.Return(col);
        }
    }

    private static T Pad<T>(int zero) where T : unmanaged
    {
        if (typeof(T) == typeof(byte)) return (T)(object)(byte)zero;
        if (typeof(T) == typeof(sbyte)) return (T)(object)(sbyte)zero;
        throw new ArgumentException($"Int8Conv: the input must be byte or sbyte, got {typeof(T).Name}.");
    }

    /// <summary>The im2col rows with padding taps set to <paramref name="pad"/>.</summary>
    private static void Gather<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> col, T pad) where T : unmanaged
    {
        int c = g.InChannels, kw = g.KernelWidth, k = g.PatchSize, hw = g.OutHeight * g.OutWidth;
        for (int m = 0; m < g.OutPixels; m++)
        {
            int n = m / hw, rem = m - n * hw, oh = rem / g.OutWidth, ow = rem - oh * g.OutWidth;
            var dst = col.Slice(m * k, k);
            int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int ih = ih0 + i * g.DilationH;
                var seg = dst.Slice(i * kw * c, kw * c);
                if ((uint)ih >= (uint)g.InHeight) { seg.Fill(pad); continue; }
                for (int j = 0; j < kw; j++)
                {
                    int iw = iw0 + j * g.DilationW;
                    var tap = seg.Slice(j * c, c);
                    if ((uint)iw >= (uint)g.InWidth) tap.Fill(pad);
                    else input.Slice(g.InputOffset(n, ih, iw), c).CopyTo(tap);
                }
            }
        }
    }
}
