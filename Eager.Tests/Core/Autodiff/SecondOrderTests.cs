using Eager.Tests.Conformance;

namespace Eager.Tests.Core.Autodiff;

/// <summary>
/// Hessian-vector products through nested tapes, checked against central differences of the tape gradient.
/// For a sample op f and a fixed cotangent u, h(x) = sum(u * f(x) * f(x)); the inner tape gives grad h, the outer
/// tape differentiates &lt;grad h, v&gt;. The square makes even linear ops exercise their rule twice.
/// </summary>
public class SecondOrderTests
{
    /// <summary>The ops checked; samples of ops not (yet) registered simply give no cases.</summary>
    private static readonly HashSet<string> CheckedOps = new(StringComparer.Ordinal)
    {
        "Multiply", "MatMul", "Divide", "ReduceSum", "Tanh", "Sigmoid", "Exp", "Log", "Square", "Softmax", "ReduceMean",
        "CustomGradient",
    };

    public static IEnumerable<TestCaseData> Samples() => OpSamples.All
        .Where(s => s.Differentiable && CheckedOps.Contains(s.Op))
        .Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(Samples))]
    public void HessianVectorProductMatchesFiniteDifferences(OpSample sample)
    {
        var x = sample.MakeInputs();
        var u = Numeric.Random(sample.Call(x).Shape, 11);
        var v = x.Select((t, i) => Numeric.Random(t.Shape, 2000 + i)).ToArray();
        Tensor H(Tensor[] xs) { var y = sample.Call(xs); return Ops.ReduceSum(u * y * y); }

        Tensor?[] hv;
        using (var outer = new GradientTape())
        {
            outer.Watch(x);
            Tensor?[] g;
            using (var inner = new GradientTape())
            {
                inner.Watch(x);
                g = inner.Gradient(H(x), x);
            }
            Tensor dot = Tensor.Scalar(0.0);
            for (int i = 0; i < x.Length; i++)
                if (g[i] is { } gi) dot = dot + Ops.ReduceSum(gi * v[i]);
            hv = outer.Gradient(dot, x);
        }

        const double eps = 1e-5;
        var plus = Gradient(H, x.Select((t, i) => Numeric.Step(t, v[i], eps)).ToArray());
        var minus = Gradient(H, x.Select((t, i) => Numeric.Step(t, v[i], -eps)).ToArray());
        for (int i = 0; i < x.Length; i++)
        {
            var got = hv[i]?.ToDoubleArray() ?? new double[x[i].Shape.Size];
            var p = plus[i]; var m = minus[i];
            var want = p.Select((pv, k) => (pv - m[k]) / (2 * eps)).ToArray();
            double atol = 1e-6 * (1 + Numeric.MaxAbs(want));
            int bad = Numeric.FirstMismatch(got, want, 1e-5, atol);
            Assert.That(bad, Is.EqualTo(-1), bad < 0 ? "" : $"{sample}: (H v) of input {i} at element {bad} is {got[bad]:R} through nested tapes, {want[bad]:R} by finite differences.");
        }
    }

    private static double[][] Gradient(Func<Tensor[], Tensor> h, Tensor[] x)
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(h(x), x);
        return g.Select((gi, i) => gi?.ToDoubleArray() ?? new double[x[i].Shape.Size]).ToArray();
    }

    [Test]
    public void HessianOfAQuadraticFormIsSymmetricPart()
    {
        // h(x) = x^T A x has Hessian A + A^T.
        var a = Tensor.From(new double[,] { { 1, 2 }, { 0, 3 } });
        var x = Tensor.From(new double[,] { { 0.5 }, { -1 } });
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor g;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            var h = Ops.ReduceSum(Ops.MatMul(Ops.MatMul(x, a, transposeA: true), x));
            g = inner.Gradient(h, x)!;
        }
        var hess = outer.Jacobian(g, x)!;
        Assert.That(hess.Shape, Is.EqualTo(new Shape(2, 1, 2, 1)));
        Assert.That(hess.ToArray<double>(), Is.EqualTo(new[] { 2.0, 2.0, 2.0, 6.0 }));
    }
}
