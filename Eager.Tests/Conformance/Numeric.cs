namespace Eager.Tests.Conformance;

/// <summary>Plain float64 array arithmetic for the checks (no Ops: the checks must not depend on what they test).</summary>
internal static class Numeric
{
    public static double[] Values(Tensor t) => t.ToDoubleArray();

    public static Tensor Float64(double[] values, Shape shape) => Tensor.From(values, shape);

    public static Tensor ToFloat32(Tensor t) => Tensor.From(t.ToDoubleArray().Select(v => (float)v).ToArray(), t.Shape);

    /// <summary>x + s * d, element-wise, as a new float64 tensor.</summary>
    public static Tensor Step(Tensor x, Tensor d, double s)
    {
        var a = x.ToDoubleArray();
        var b = d.ToDoubleArray();
        var r = new double[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] + s * b[i];
        return Tensor.From(r, x.Shape);
    }

    /// <summary>x with element k moved by s.</summary>
    public static Tensor Nudge(Tensor x, int k, double s)
    {
        var a = x.ToDoubleArray();
        a[k] += s;
        return Tensor.From(a, x.Shape);
    }

    public static double Dot(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Dot: lengths {a.Length} and {b.Length} differ.");
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    public static double Dot(Tensor a, Tensor b) => Dot(a.ToDoubleArray(), b.ToDoubleArray());

    /// <summary>Standard-normal float64 tensor.</summary>
    public static Tensor Random(Shape shape, int seed) => Tensor.RandomNormal(shape, seed: seed, dtype: DType.Float64);

    /// <summary>Central difference of &lt;u, f(x)&gt; along the direction <paramref name="dirs"/> (one per input).</summary>
    public static double DirectionalDerivative(Func<Tensor[], Tensor> f, Tensor[] x, Tensor[] dirs, Tensor u, double eps)
    {
        var plus = f(x.Select((t, i) => Step(t, dirs[i], eps)).ToArray());
        var minus = f(x.Select((t, i) => Step(t, dirs[i], -eps)).ToArray());
        return (Dot(plus, u) - Dot(minus, u)) / (2 * eps);
    }

    /// <summary>True when a and b agree to rtol relative to the larger, or atol absolutely.</summary>
    public static bool Close(double a, double b, double rtol, double atol) =>
        Math.Abs(a - b) <= atol + rtol * Math.Max(Math.Abs(a), Math.Abs(b)) || (double.IsNaN(a) && double.IsNaN(b)) || a.Equals(b);

    /// <summary>Index of the first element where the arrays differ beyond tolerance, or -1.</summary>
    public static int FirstMismatch(double[] got, double[] want, double rtol, double atol)
    {
        for (int i = 0; i < want.Length; i++)
            if (!Close(got[i], want[i], rtol, atol)) return i;
        return -1;
    }

    public static double MaxAbs(double[] a) => a.Length == 0 ? 0 : a.Max(Math.Abs);
}
