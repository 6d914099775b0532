using Eager.Kernels;
using Eager.Kernels.Conv;
using Eager.Kernels.Pool;

namespace Eager.Tests.Kernels;

/// <summary>Convolution and pooling kernels on raw spans: im2col against a naive gather, and every backward pass
/// against its forward through the adjoint identity &lt;F(x), y&gt; = &lt;x, F*(y)&gt;.</summary>
public class ConvKernelTests
{
    private static ConvGeometry Geo(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        static (int Out, int Pad) Axis(int i, int k, int s, int d, bool same)
        {
            int span = (k - 1) * d + 1;
            if (!same) return ((i - span) / s + 1, 0);
            int outSize = (i + s - 1) / s;
            return (outSize, Math.Max((outSize - 1) * s + span - i, 0) / 2);
        }
        var (oh, pt) = Axis(h, kh, s, d, same);
        var (ow, pl) = Axis(w, kw, s, d, same);
        return new ConvGeometry(n, h, w, c, kh, kw, o, oh, ow, s, s, d, d, pt, pl);
    }

    private static double[] Random(int length, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => r.NextDouble() * 2 - 1).ToArray();
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static readonly object[] Geometries =
    [
        new object[] { 2, 7, 6, 3, 3, 3, 4, 2, 1, true },
        new object[] { 1, 8, 9, 17, 2, 2, 5, 2, 1, true },
        new object[] { 1, 9, 9, 2, 3, 3, 3, 1, 2, false },
        new object[] { 3, 5, 5, 1, 1, 1, 7, 1, 1, false },
        new object[] { 1, 4, 4, 3, 5, 5, 2, 1, 1, true },
        new object[] { 2, 64, 48, 8, 3, 3, 8, 1, 1, true },
    ];

    [TestCaseSource(nameof(Geometries))]
    public void GatherMatchesNaiveIm2ColAndScatterAddIsItsAdjoint(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        var g = Geo(n, h, w, c, kh, kw, o, s, d, same);
        var x = Random(g.InputLength, 1);
        int m0 = g.OutPixels / 3, rows = g.OutPixels - m0;
        var col = new double[rows * g.PatchSize];
        Im2Col.Gather(g, x, m0, rows, col);
        for (int r = 0; r < rows; r++)
        {
            int m = m0 + r, b = m / (g.OutHeight * g.OutWidth), oh = m / g.OutWidth % g.OutHeight, ow = m % g.OutWidth;
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        int ih = oh * s - g.PadTop + i * d, iw = ow * s - g.PadLeft + j * d;
                        double want = ih < 0 || ih >= h || iw < 0 || iw >= w ? 0 : x[((b * h + ih) * w + iw) * c + ci];
                        Assert.That(col[r * g.PatchSize + (i * kw + j) * c + ci], Is.EqualTo(want));
                    }
        }
        var y = Random(col.Length, 2);
        var back = new double[x.Length];
        Im2Col.ScatterAdd(g, y, m0, rows, back);
        Assert.That(Dot(col, y), Is.EqualTo(Dot(x, back)).Within(1e-10));
    }

    [TestCaseSource(nameof(Geometries))]
    public void ConvolutionBackwardPassesAreAdjointsOfTheForward(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        var g = Geo(n, h, w, c, kh, kw, o, s, d, same);
        var x = Random(g.InputLength, 1); var f = Random(g.PatchSize * o, 2); var dy = Random(g.OutPixels * o, 3);
        var y = new double[dy.Length]; var dx = new double[x.Length]; var df = new double[f.Length];
        Convolution.Forward<double>(g, x, f, y);
        Convolution.BackpropInput<double>(g, f, dy, dx);
        Convolution.BackpropFilter<double>(g, x, dy, df);
        double lhs = Dot(y, dy);
        Assert.That(Dot(x, dx), Is.EqualTo(lhs).Within(1e-9 * (1 + Math.Abs(lhs))), "input adjoint");
        Assert.That(Dot(f, df), Is.EqualTo(lhs).Within(1e-9 * (1 + Math.Abs(lhs))), "filter adjoint");
    }

    [Test]
    public void SerialAndParallelRunsAgree()
    {
        var g = Geo(2, 64, 48, 8, 3, 3, 8, 1, 1, true);
        var x = Random(g.InputLength, 1).Select(v => (float)v).ToArray(); var f = Random(g.PatchSize * 8, 2).Select(v => (float)v).ToArray();
        var dy = Random(g.OutPixels * 8, 3).Select(v => (float)v).ToArray();
        (float[] Y, float[] Dx, float[] Df) Run()
        {
            var y = new float[dy.Length]; var dx = new float[x.Length]; var df = new float[f.Length];
            Convolution.Forward<float>(g, x, f, y);
            Convolution.BackpropInput<float>(g, f, dy, dx);
            Convolution.BackpropFilter<float>(g, x, dy, df);
            return (y, dx, df);
        }
        var parallel = Run();
        int saved = Workers.Count;
        try { Workers.Count = 1; var serial = Run(); Assert.That(parallel.Y, Is.EqualTo(serial.Y).Within(1e-4)); Assert.That(parallel.Dx, Is.EqualTo(serial.Dx).Within(1e-4)); Assert.That(parallel.Df, Is.EqualTo(serial.Df).Within(1e-2)); }
        finally { Workers.Count = saved; }
    }

    [TestCaseSource(nameof(Geometries))]
    public void DepthwiseBackwardPassesAreAdjointsOfTheForward(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        int q = o % 3 + 1; // multiplier 1 to 3
        var g = Geo(n, h, w, c, kh, kw, q, s, d, same);
        var x = Random(g.InputLength, 1); var f = Random(kh * kw * c * q, 2); var dy = Random(g.OutPixels * c * q, 3);
        var y = new double[dy.Length]; var dx = new double[x.Length]; var df = new double[f.Length];
        Depthwise.Forward<double>(g, x, f, y);
        Depthwise.BackpropInput<double>(g, f, dy, dx);
        Depthwise.BackpropFilter<double>(g, x, dy, df);
        double lhs = Dot(y, dy);
        Assert.That(Dot(x, dx), Is.EqualTo(lhs).Within(1e-9 * (1 + Math.Abs(lhs))), "input adjoint");
        Assert.That(Dot(f, df), Is.EqualTo(lhs).Within(1e-9 * (1 + Math.Abs(lhs))), "filter adjoint");
    }

    [TestCaseSource(nameof(Geometries))]
    public void PoolBackwardPassesAreAdjoints(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        _ = o; _ = d;
        var g = Geo(n, h, w, c, kh, kw, c, s, 1, same);
        var x = Random(g.InputLength, 1); var dy = Random(g.OutPixels * c, 2); var dx2 = Random(g.InputLength, 3);
        var y = new double[dy.Length]; var dx = new double[x.Length]; var y2 = new double[dy.Length];
        Pooling.AvgForward<double>(g, dx2, y);
        Pooling.AvgBackward<double>(g, dy, dx);
        Assert.That(Dot(y, dy), Is.EqualTo(Dot(dx2, dx)).Within(1e-10), "average pool adjoint");
        Pooling.MaxBackward<double>(g, x, dy, dx);
        Pooling.MaxBackwardAdjoint<double>(g, x, dx2, y2);
        Assert.That(Dot(dx, dx2), Is.EqualTo(Dot(dy, y2)).Within(1e-10), "max-pool gradient adjoint");
        // The max forward equals the input at each window's routed position.
        Pooling.MaxForward<double>(g, x, y);
        Pooling.MaxBackwardAdjoint<double>(g, x, x, y2);
        Assert.That(y2, Is.EqualTo(y));
    }

    private static readonly object[] NarrowGeometries =
    [
        new object[] { 3, 28, 28, 1, 5, 5, 6, 1, 1, false }, // LeNet's first layer
        new object[] { 2, 12, 12, 6, 5, 5, 8, 1, 1, false },
        new object[] { 2, 9, 7, 3, 3, 3, 1, 2, 1, true },
        new object[] { 1, 9, 9, 5, 3, 3, 7, 1, 2, true },
        new object[] { 2, 6, 5, 9, 2, 3, 3, 1, 1, true },
        new object[] { 1, 4, 4, 4, 5, 5, 2, 1, 1, true }, // windows larger than the image
    ];

    /// <summary>Float32 convolutions with at most eight output channels take the direct path: forward and filter
    /// gradient against a float64 loop over the definition.</summary>
    [TestCaseSource(nameof(NarrowGeometries))]
    public void NarrowConvolutionsMatchTheDefinition(int n, int h, int w, int c, int kh, int kw, int o, int s, int d, bool same)
    {
        var g = Geo(n, h, w, c, kh, kw, o, s, d, same);
        var x = Random(g.InputLength, 1); var f = Random(g.PatchSize * o, 2); var dy = Random(g.OutPixels * o, 3);
        var y = new float[dy.Length]; var df = new float[f.Length];
        Convolution.Forward<float>(g, x.Select(v => (float)v).ToArray(), f.Select(v => (float)v).ToArray(), y);
        Convolution.BackpropFilter<float>(g, x.Select(v => (float)v).ToArray(), dy.Select(v => (float)v).ToArray(), df);
        var wantY = new double[y.Length]; var wantDf = new double[f.Length];
        for (int b = 0; b < n; b++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    int p = (b * g.OutHeight + oh) * g.OutWidth + ow;
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                        {
                            int ih = oh * s - g.PadTop + i * d, iw = ow * s - g.PadLeft + j * d;
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                            for (int ci = 0; ci < c; ci++)
                            {
                                double xv = x[((b * h + ih) * w + iw) * c + ci];
                                int row = (i * kw + j) * c + ci;
                                for (int co = 0; co < o; co++)
                                {
                                    wantY[p * o + co] += xv * f[row * o + co];
                                    wantDf[row * o + co] += xv * dy[p * o + co];
                                }
                            }
                        }
                }
        Assert.That(y, Is.EqualTo(wantY).Within(1e-4), "forward");
        Assert.That(df, Is.EqualTo(wantDf).Within(1e-3), "filter gradient");
    }
}
