using Eager.Kernels.Conv;
using Eager.Kernels.Pool;

namespace Eager.Tests.Kernels;

/// <summary>The vectorised max-pool forward against a scalar Math.Max reference, with NaN and signed zeros.</summary>
public class MaxPoolTests
{
    /// <summary>Two 7x6 images of c channels, a k x k window with stride s, VALID or SAME (TensorFlow's padding).</summary>
    private static ConvGeometry Geometry(int c, int k, int s, bool same)
    {
        int h = 7, w = 6;
        int oh = same ? (h + s - 1) / s : (h - k) / s + 1, ow = same ? (w + s - 1) / s : (w - k) / s + 1;
        int pt = same ? Math.Max((oh - 1) * s + k - h, 0) / 2 : 0, pl = same ? Math.Max((ow - 1) * s + k - w, 0) / 2 : 0;
        return new ConvGeometry(2, h, w, c, k, k, c, oh, ow, s, s, 1, 1, pt, pl);
    }

    [Test]
    public void MatchesTheScalarReference(
        [Values(1, 7, 8, 9, 15, 16, 17, 64)] int c,
        [Values(2, 3)] int k,
        [Values(1, 2)] int s,
        [Values] bool same)
    {
        var g = Geometry(c, k, s, same);
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, pt = g.PadTop, pl = g.PadLeft;
        var rnd = new Random(c * 31 + k);
        var x = new float[g.InputLength];
        for (int i = 0; i < x.Length; i++)
        {
            double u = rnd.NextDouble();
            x[i] = u < 0.02 ? float.NaN : u < 0.06 ? -0f : u < 0.1 ? 0f : (float)(rnd.NextDouble() * 2 - 1);
        }
        var y = new float[g.OutPixels * c];
        Pooling.MaxForward<float>(g, x, y);
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        float m = float.NegativeInfinity;
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++)
                            {
                                int ih = i * s - pt + a, iw = j * s - pl + b;
                                if ((uint)ih < (uint)h && (uint)iw < (uint)w) m = Math.Max(m, x[((n * h + ih) * w + iw) * c + ci]);
                            }
                        float got = y[((n * oh + i) * ow + j) * c + ci];
                        // Bitwise, so NaN must stay NaN and +0 must win over -0.
                        Assert.That(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(m) || (float.IsNaN(got) && float.IsNaN(m)),
                            Is.True, $"[{n},{i},{j},{ci}]: {got} vs {m}");
                    }
    }

    [Test]
    public void BackwardMatchesTheScalarReference(
        [Values(1, 6, 8, 9, 17)] int c,
        [Values(2, 3)] int k,
        [Values(1, 2)] int s,
        [Values] bool same)
    {
        // Ties (a coarse grid of values), NaN, overlapping windows (stride 1) and padding; float and double.
        var g = Geometry(c, k, s, same);
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, pt = g.PadTop, pl = g.PadLeft;
        var rnd = new Random(c * 7 + k * 3 + s);
        var x = new double[g.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = rnd.NextDouble() < 0.03 ? double.NaN : rnd.Next(5) - 2;
        var gy = new double[g.OutPixels * c];
        for (int i = 0; i < gy.Length; i++) gy[i] = rnd.NextDouble() * 2 - 1;
        var want = new double[x.Length];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        int at = -1;
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++)
                            {
                                int ih = i * s - pt + a, iw = j * s - pl + b;
                                if ((uint)ih >= (uint)h || (uint)iw >= (uint)w) continue;
                                int p = ((n * h + ih) * w + iw) * c + ci;
                                if (at < 0 || x[p] > x[at] || (double.IsNaN(x[p]) && !double.IsNaN(x[at]))) at = p;
                            }
                        if (at >= 0) want[at] += gy[((n * oh + i) * ow + j) * c + ci];
                    }
        var got = new double[x.Length];
        Pooling.MaxBackward<double>(g, x, gy, got);
        Assert.That(got, Is.EqualTo(want).Within(1e-12));
        var gotF = new float[x.Length];
        Pooling.MaxBackward<float>(g, x.Select(v => (float)v).ToArray(), gy.Select(v => (float)v).ToArray(), gotF);
        Assert.That(gotF, Is.EqualTo(want.Select(v => (float)v).ToArray()).Within(1e-5));
    }
}
