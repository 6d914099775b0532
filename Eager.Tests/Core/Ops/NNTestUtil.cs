namespace Eager.Tests.Core.NNOps;

/// <summary>Helpers for the NN op tests: deterministic inputs, max-error comparison and finite-difference gradient checks.</summary>
internal static class NNTestUtil
{
    /// <summary>Standard-normal float64 tensor.</summary>
    public static Tensor RandD(int seed, params int[] shape) => Tensor.RandomNormal(new Shape(shape), seed: seed, dtype: DType.Float64);

    /// <summary>The same values as float32.</summary>
    public static Tensor ToF32(Tensor t) => Tensor.From(t.ToDoubleArray().Select(v => (float)v).ToArray(), t.Shape);

    /// <summary>Largest |a - b| / (1 + |b|).</summary>
    public static double MaxRelError(double[] got, double[] want)
    {
        Assert.That(got, Has.Length.EqualTo(want.Length), "element count");
        double e = 0;
        for (int i = 0; i < got.Length; i++) e = Math.Max(e, Math.Abs(got[i] - want[i]) / (1 + Math.Abs(want[i])));
        return e;
    }

    /// <summary>Asserts float32 or float64 results match a float64 reference.</summary>
    public static void AssertClose(Tensor got, double[] want, double tol, string what = "")
    {
        double e = MaxRelError(got.ToDoubleArray(), want);
        Assert.That(e, Is.LessThan(tol), $"{what}: max relative error {e}");
    }

    /// <summary>
    /// Checks the tape gradient of sum(f(inputs) * r), for a fixed random r, against central differences in every
    /// element of every float input. Inputs must be float64 and small. Returns the max absolute error.
    /// </summary>
    public static double GradCheck(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed = 99, double h = 1e-6)
    {
        var y0 = f(inputs);
        var r = Tensor.RandomNormal(y0.Shape, seed: seed, dtype: DType.Float64);
        double Loss(Tensor[] xs) => Ops.ReduceSum(Ops.Multiply(f(xs), r)).Item<double>();
        Tensor?[] analytic;
        using (var tape = new GradientTape())
        {
            foreach (var x in inputs) tape.Watch(x);
            analytic = tape.Gradient(Ops.ReduceSum(Ops.Multiply(f(inputs), r)), inputs);
        }
        double err = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType != DType.Float64) continue;
            var data = inputs[i].ToArray<double>();
            var g = analytic[i]?.ToArray<double>() ?? new double[data.Length];
            Assert.That(g, Has.Length.EqualTo(data.Length), $"gradient {i} size");
            for (int j = 0; j < data.Length; j++)
            {
                var plus = (double[])data.Clone(); plus[j] += h;
                var minus = (double[])data.Clone(); minus[j] -= h;
                var xs = (Tensor[])inputs.Clone();
                xs[i] = Tensor.From(plus, inputs[i].Shape);
                double lp = Loss(xs);
                xs[i] = Tensor.From(minus, inputs[i].Shape);
                double lm = Loss(xs);
                double numeric = (lp - lm) / (2 * h);
                err = Math.Max(err, Math.Abs(numeric - g[j]) / (1 + Math.Abs(numeric)));
            }
        }
        return err;
    }

    /// <summary>Asserts <see cref="GradCheck"/> is below <paramref name="tol"/>.</summary>
    public static void AssertGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs) => AssertGradients(f, 1e-6, inputs);

    /// <summary>Asserts <see cref="GradCheck"/> is below <paramref name="tol"/>.</summary>
    public static void AssertGradients(Func<Tensor[], Tensor> f, double tol, params Tensor[] inputs)
    {
        double e = GradCheck(f, inputs);
        Assert.That(e, Is.LessThan(tol), $"gradient vs central differences: max error {e}");
    }

    /// <summary>Asserts that <paramref name="call"/> throws an ArgumentException whose message contains every fragment.</summary>
    public static void AssertThrowsWith(TestDelegate call, params string[] fragments)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), call);
        foreach (var f in fragments) Assert.That(e!.Message, Does.Contain(f));
    }
}
