namespace Eager.Tests.Core;

/// <summary>The tape's gradients against central finite differences in float64, element by element.</summary>
internal static class GradCheck
{
    /// <summary>
    /// The largest |tape - finite difference| / (1 + |finite difference|) over every element of every float64 input, for
    /// d/dx sum(w * f(x)) with a fixed random cotangent w. Inputs of other dtypes (labels, indices) are held fixed.
    /// </summary>
    public static double MaxError(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed = 99, double h = 1e-6)
    {
        var w = Tensor.RandomNormal(f(inputs).Shape, seed: seed, dtype: DType.Float64);
        var wv = w.ToDoubleArray();
        double Loss(Tensor[] xs) => f(xs).ToDoubleArray().Zip(wv, (a, b) => a * b).Sum();
        Tensor?[] analytic;
        using (var tape = new GradientTape())
        {
            foreach (var x in inputs) tape.Watch(x);
            analytic = tape.Gradient(f(inputs), inputs, outputGradients: w);
        }
        double err = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType != DType.Float64) continue;
            if (analytic[i] is { } a) Assert.That(a.Shape, Is.EqualTo(inputs[i].Shape), $"gradient shape of input {i}");
            var data = inputs[i].ToArray<double>();
            var g = analytic[i]?.ToDoubleArray() ?? new double[data.Length];
            for (int j = 0; j < data.Length; j++)
            {
                var plus = (double[])data.Clone(); plus[j] += h;
                var minus = (double[])data.Clone(); minus[j] -= h;
                var xs = (Tensor[])inputs.Clone();
                xs[i] = Tensor.From(plus, inputs[i].Shape);
                double lp = Loss(xs);
                xs[i] = Tensor.From(minus, inputs[i].Shape);
                double numeric = (lp - Loss(xs)) / (2 * h);
                err = Math.Max(err, Math.Abs(numeric - g[j]) / (1 + Math.Abs(numeric)));
            }
        }
        return err;
    }

    /// <summary>Asserts <see cref="MaxError"/> is at most 1e-6.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, 1e-6, inputs);

    /// <summary>Asserts <see cref="MaxError"/> is at most <paramref name="tol"/>.</summary>
    public static void Check(Func<Tensor[], Tensor> f, double tol, params Tensor[] inputs)
    {
        double e = MaxError(f, inputs);
        Assert.That(e, Is.LessThanOrEqualTo(tol), $"gradient vs central differences: max relative error {e}");
    }

    /// <summary>Checks the second derivative of an element-wise f: the tape's d/dx of f'(x) against differences of f'.</summary>
    public static void CheckSecond(Func<Tensor, Tensor> f, Tensor x)
    {
        Tensor FirstDerivative(Tensor at)
        {
            using var inner = new GradientTape();
            inner.Watch(at);
            return inner.Gradient(f(at), at)!;
        }
        Check(xs => FirstDerivative(xs[0]), 1e-5, x);
    }
}
