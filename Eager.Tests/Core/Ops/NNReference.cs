namespace Eager.Tests.Core;

/// <summary>
/// Direct float64 loops for the window ops, written from TensorFlow's documentation independently of the library:
/// SAME: out = ceil(in / s), pad_total = max((out - 1) * s + (k - 1) * d + 1 - in, 0), pad_top = pad_total / 2.
/// </summary>
internal static class NNReference
{
    public static (int Out, int Pad) Axis(int input, int k, int s, int d, bool same)
    {
        int span = (k - 1) * d + 1;
        if (!same) return ((input - span) / s + 1, 0);
        int o = (input + s - 1) / s;
        return (o, Math.Max((o - 1) * s + span - input, 0) / 2);
    }

    /// <summary>Conv2D (depthwise when <paramref name="depthwise"/>: filter [kh, kw, c, m], output c * m channels).</summary>
    public static (double[] Y, int[] Shape) Conv(double[] x, int[] xs, double[] f, int[] fs, int sh, int sw, int dh, int dw, bool same, bool depthwise = false)
    {
        int n = xs[0], h = xs[1], w = xs[2], c = xs[3], kh = fs[0], kw = fs[1], fo = fs[3];
        var (oh, pt) = Axis(h, kh, sh, dh, same);
        var (ow, pl) = Axis(w, kw, sw, dw, same);
        int oc = depthwise ? c * fo : fo;
        var y = new double[n * oh * ow * oc];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int o = 0; o < oc; o++)
                    {
                        double s = 0;
                        for (int p = 0; p < kh; p++)
                            for (int q = 0; q < kw; q++)
                            {
                                int ii = i * sh - pt + p * dh, jj = j * sw - pl + q * dw;
                                if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
                                if (depthwise)
                                {
                                    int ci = o / fo, m = o % fo;
                                    s += x[((b * h + ii) * w + jj) * c + ci] * f[((p * kw + q) * c + ci) * fo + m];
                                }
                                else
                                {
                                    for (int ci = 0; ci < c; ci++) s += x[((b * h + ii) * w + jj) * c + ci] * f[((p * kw + q) * c + ci) * fo + o];
                                }
                            }
                        y[((b * oh + i) * ow + j) * oc + o] = s;
                    }
        return (y, [n, oh, ow, oc]);
    }

    /// <summary>Max or average pool; averages count only real cells; max ignores padding.</summary>
    public static (double[] Y, int[] Shape) Pool(double[] x, int[] xs, int kh, int kw, int sh, int sw, bool same, bool max)
    {
        int n = xs[0], h = xs[1], w = xs[2], c = xs[3];
        var (oh, pt) = Axis(h, kh, sh, 1, same);
        var (ow, pl) = Axis(w, kw, sw, 1, same);
        var y = new double[n * oh * ow * c];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        double acc = max ? double.NegativeInfinity : 0; int count = 0;
                        for (int p = 0; p < kh; p++)
                            for (int q = 0; q < kw; q++)
                            {
                                int ii = i * sh - pt + p, jj = j * sw - pl + q;
                                if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
                                double v = x[((b * h + ii) * w + jj) * c + ci];
                                acc = max ? Math.Max(acc, v) : acc + v;
                                count++;
                            }
                        y[((b * oh + i) * ow + j) * c + ci] = max ? acc : acc / count;
                    }
        return (y, [n, oh, ow, c]);
    }
}
