using Eager.Kernels.Conv;
using Eager.Kernels.Gemm;

namespace Eager.Tests.Kernels;

/// <summary>The depthwise forward kernel (channel-vector accumulators across the taps) in float32 and float64 against a
/// float64 reference loop, on every vector path (forced through <see cref="Gemm.Path"/>; the 512-bit path runs
/// emulated where the CPU lacks AVX-512), at channel counts around the 8 and 16 lanes, odd widths, padding that cuts
/// the window on each side, stride 2 and dilation.</summary>
[NonParallelizable] // forces the process-wide kernel path
public class DepthwiseKernelTests
{
    [TearDown]
    public void Restore() => Gemm.Path = GemmPath.Auto;

    private static readonly object[] Shapes =
    [
        // n, h, w, c, kh, kw, stride, dilation, padTop, padLeft, outH, outW
        new object[] { 1, 5, 7, 16, 3, 3, 1, 1, 1, 1, 5, 7 },
        new object[] { 2, 6, 9, 17, 3, 3, 1, 1, 1, 1, 6, 9 },
        new object[] { 1, 7, 5, 8, 3, 3, 2, 1, 1, 1, 4, 3 },
        new object[] { 1, 9, 11, 33, 5, 5, 1, 1, 2, 2, 9, 11 },
        new object[] { 1, 8, 8, 31, 3, 3, 2, 1, 0, 0, 3, 3 },
        new object[] { 1, 9, 10, 7, 3, 3, 1, 2, 2, 2, 9, 10 },
        new object[] { 1, 4, 13, 48, 3, 5, 1, 1, 0, 2, 2, 13 },
        new object[] { 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 3, 3 },
        new object[] { 1, 2, 2, 24, 5, 5, 1, 1, 2, 2, 2, 2 },
        new object[] { 1, 6, 6, 32, 1, 1, 2, 1, 0, 0, 3, 3 },
    ];

    [Test]
    public void ForwardMatchesTheReferenceOnEveryPath(
        [Values(GemmPath.Vector512, GemmPath.Vector256, GemmPath.Simple)] GemmPath path,
        [ValueSource(nameof(Shapes))] object[] shape)
    {
        Gemm.Path = path;
        var s = Array.ConvertAll(shape, v => (int)v);
        var g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[5], 1, s[10], s[11], s[6], s[6], s[7], s[7], s[8], s[9]);
        var r = new Random(5);
        var x = Enumerable.Range(0, g.InputLength).Select(_ => r.NextDouble() * 2 - 1).ToArray();
        var f = Enumerable.Range(0, g.KernelHeight * g.KernelWidth * g.InChannels).Select(_ => r.NextDouble() * 2 - 1).ToArray();
        var want = Reference(g, x, f);

        var y64 = new double[want.Length];
        Depthwise.Forward<double>(g, x, f, y64);
        Assert.That(y64, Is.EqualTo(want).Within(1e-12), "float64");

        var y32 = new float[want.Length + 3]; // room after the end: the kernel must not write there
        y32.AsSpan().Fill(float.NaN);
        Depthwise.Forward<float>(g, x.Select(v => (float)v).ToArray(), f.Select(v => (float)v).ToArray(), y32);
        Assert.That(y32.Take(want.Length).Select(v => (double)v), Is.EqualTo(want).Within(1e-5), "float32");
        Assert.That(y32.Skip(want.Length), Has.All.NaN, "nothing written past the output");
    }

    [Test]
    public void EveryPathGivesTheSameBits()
    {
        // Taps are summed in the same order with fused multiply-adds on every path, so the paths agree exactly.
        var g = new ConvGeometry(1, 9, 13, 40, 3, 3, 1, 9, 13, 1, 1, 1, 1, 1, 1);
        var r = new Random(9);
        var x = Enumerable.Range(0, g.InputLength).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var f = Enumerable.Range(0, 9 * 40).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        float[] Run(GemmPath p)
        {
            Gemm.Path = p;
            var y = new float[g.OutPixels * 40];
            Depthwise.Forward<float>(g, x, f, y);
            return y;
        }
        var simple = Run(GemmPath.Simple);
        Assert.That(Run(GemmPath.Vector256), Is.EqualTo(simple));
        Assert.That(Run(GemmPath.Vector512), Is.EqualTo(simple));
    }

    private static double[] Reference(in ConvGeometry g, double[] x, double[] f)
    {
        int c = g.InChannels;
        var y = new double[g.OutPixels * c];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        double sum = 0;
                        for (int i = 0; i < g.KernelHeight; i++)
                            for (int j = 0; j < g.KernelWidth; j++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + i * g.DilationH, iw = ow * g.StrideW - g.PadLeft + j * g.DilationW;
                                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                sum += x[((n * g.InHeight + ih) * g.InWidth + iw) * c + ch] * f[(i * g.KernelWidth + j) * c + ch];
                            }
                        y[((n * g.OutHeight + oh) * g.OutWidth + ow) * c + ch] = sum;
                    }
        return y;
    }
}
