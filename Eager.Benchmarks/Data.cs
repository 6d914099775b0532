namespace Eager.Benchmarks;

/// <summary>Deterministic inputs and layout helpers shared by the workloads.</summary>
internal static class Data
{
    /// <summary>Uniform [-scale, scale) float32 values of the given shape.</summary>
    public static Tensor Uniform(int seed, double scale, params int[] shape) => Tensor.RandomUniform(new Shape(shape), -scale, scale, seed: seed);

    /// <summary>NHWC (or HWIO when <paramref name="filter"/>) data as ONNX's NCHW (or OIHW).</summary>
    public static float[] ToChannelsFirst(Tensor t, bool filter = false)
    {
        var src = t.ToArray<float>();
        int d0 = t.Shape[0], d1 = t.Shape[1], d2 = t.Shape[2], d3 = t.Shape[3];
        var dst = new float[src.Length];
        if (!filter)
        {
            // [N,H,W,C] -> [N,C,H,W]
            for (int n = 0; n < d0; n++)
                for (int h = 0; h < d1; h++)
                    for (int w = 0; w < d2; w++)
                        for (int c = 0; c < d3; c++)
                            dst[((n * d3 + c) * d1 + h) * d2 + w] = src[((n * d1 + h) * d2 + w) * d3 + c];
        }
        else
        {
            // [KH,KW,I,O] -> [O,I,KH,KW]
            for (int kh = 0; kh < d0; kh++)
                for (int kw = 0; kw < d1; kw++)
                    for (int i = 0; i < d2; i++)
                        for (int o = 0; o < d3; o++)
                            dst[((o * d2 + i) * d0 + kh) * d1 + kw] = src[((kh * d1 + kw) * d2 + i) * d3 + o];
        }
        return dst;
    }

    /// <summary>Shape as ONNX wants it.</summary>
    public static long[] Dims(params int[] d) => d.Select(x => (long)x).ToArray();

    /// <summary>What <see cref="IPaired.Compare"/> does: set up, run Eager once (its output in ONNX's layout) and ONNX
    /// Runtime once, clean up, and return the largest relative difference.</summary>
    public static double CompareOnce(Action setup, Func<float[]> eager, Func<Onnx.OrtRunner> runOrt, Action cleanup)
    {
        setup();
        var mine = eager();
        var ort = runOrt();
        double err = RelativeError(mine, ort.Output(0));
        cleanup();
        return err;
    }

    /// <summary>Largest |a-b| / (|b| + 1e-3 * max|b|) over the elements: a scale-aware relative error.</summary>
    public static double RelativeError(float[] a, float[] b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        foreach (var v in b) max = Math.Max(max, Math.Abs(v));
        double err = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double e = Math.Abs(a[i] - b[i]) / (Math.Abs(b[i]) + 1e-3 * max + 1e-30);
            if (double.IsNaN(e)) return double.PositiveInfinity;
            err = Math.Max(err, e);
        }
        return err;
    }
}
