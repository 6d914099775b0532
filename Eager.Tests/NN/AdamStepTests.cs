using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>The fused Adam step against the op-by-op rule it replaces: bitwise in float32 and float64, at lengths around
/// the vector widths, on views, inside graphs; and the optimizer built on it against the AMSGrad-free composite.</summary>
public class AdamStepTests
{
    private static Tensor[] Composite(Tensor w, Tensor m, Tensor v, Tensor g, Tensor alpha, double b1, double b2, double eps)
    {
        var dt = w.DType;
        var m2 = m + (g - m) * Ops.Cast(Tensor.Scalar(1 - b1), dt);
        var v2 = v + (Ops.Square(g) - v) * Ops.Cast(Tensor.Scalar(1 - b2), dt);
        var w2 = w - m2 * alpha / (Ops.Sqrt(v2) + Ops.Cast(Tensor.Scalar(eps), dt));
        return [w2, m2, v2];
    }

    [Test]
    public void MatchesTheOpByOpRuleBitwise([Values(0, 1, 7, 8, 9, 33, 1000, 300_001)] int n, [Values] bool float64)
    {
        var dt = float64 ? DType.Float64 : DType.Float32;
        var w = Tensor.RandomNormal(new Shape(n), seed: 1, dtype: dt);
        var m = Tensor.RandomNormal(new Shape(n), seed: 2, dtype: dt) * 0.1;
        var v = Ops.Square(Tensor.RandomNormal(new Shape(n), seed: 3, dtype: dt)) * 0.01;
        var g = Tensor.RandomNormal(new Shape(n), seed: 4, dtype: dt);
        var alpha = Ops.Cast(Tensor.Scalar(0.0031), dt);
        var got = Ops.AdamStep(w, m, v, g, alpha, 0.9, 0.999, 1e-7);
        var want = Composite(w, m, v, g, alpha, 0.9, 0.999, 1e-7);
        for (int i = 0; i < 3; i++)
        {
            if (float64) Assert.That(got[i].ToArray<double>(), Is.EqualTo(want[i].ToArray<double>()), $"result {i}");
            else Assert.That(got[i].ToArray<float>(), Is.EqualTo(want[i].ToArray<float>()), $"result {i}");
        }
    }

    [Test]
    public void ViewsAndGraphsGiveTheSameValues()
    {
        var w = Tensor.RandomNormal(new Shape(6, 5), seed: 5);
        var mT = Ops.Transpose(Tensor.RandomNormal(new Shape(5, 6), seed: 6) * 0.1); // a view, not contiguous
        var v = Ops.Square(Tensor.RandomNormal(new Shape(6, 5), seed: 7));
        var g = Tensor.RandomNormal(new Shape(6, 5), seed: 8);
        var alpha = Tensor.Scalar(0.01f);
        var eager = Ops.AdamStep(w, mT, v, g, alpha, 0.8, 0.99, 1e-5);
        var want = Composite(w, mT, v, g, alpha, 0.8, 0.99, 1e-5);
        var f = Function.Create((Tensor a, Tensor b) => Ops.AdamStep(a, b, v, g, alpha, 0.8, 0.99, 1e-5)[0]);
        var traced = f.Invoke(w, mT);
        Assert.That(eager[0].ToArray<float>(), Is.EqualTo(want[0].ToArray<float>()));
        Assert.That(eager[1].ToArray<float>(), Is.EqualTo(want[1].ToArray<float>()));
        Assert.That(traced.ToArray<float>(), Is.EqualTo(want[0].ToArray<float>()));
    }

    [Test]
    public void BadOperandsNameTheOpAndTheShapes()
    {
        var w = Tensor.Zeros(new Shape(3, 4));
        var e = Assert.Throws<ArgumentException>(() => Ops.AdamStep(w, Tensor.Zeros(new Shape(4, 3)), w, w, Tensor.Scalar(0.1f), 0.9, 0.999, 1e-7))!;
        Assert.That(e.Message, Does.Contain("AdamStep").And.Contain("(4, 3)").And.Contain("(3, 4)"));
        e = Assert.Throws<ArgumentException>(() => Ops.AdamStep(w, w, w, w, Tensor.Scalar(0.1), 0.9, 0.999, 1e-7))!;
        Assert.That(e.Message, Does.Contain("alpha"));
    }

    [Test]
    public void TheOptimizerMatchesItsAmsGradFreeRuleOverSteps([Values] bool traced)
    {
        // Three steps of Adam on a weight against the rule applied by hand in float64.
        var start = Tensor.RandomNormal(new Shape(7, 3), seed: 9, dtype: DType.Float64);
        var x = new Variable(start, "x");
        var opt = new Adam(0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6);
        Tensor Loss() => Ops.ReduceSum(Ops.Square(x.Read() - 1.0) * Ops.Sin(x.Read()));
        void Step()
        {
            using var tape = new GradientTape();
            var loss = Loss();
            opt.ApplyGradients([tape.Gradient(loss, x)!], [x]);
        }
        var stepFn = Function.Create(_ => { Step(); return [Tensor.Scalar(0.0)]; });
        var w = start.ToArray<double>();
        var m = new double[w.Length];
        var v = new double[w.Length];
        for (int t = 1; t <= 3; t++)
        {
            if (traced) stepFn.InvokeAll([]); else Step();
            double alpha = 0.05 * Math.Sqrt(1 - Math.Pow(0.95, t)) / (1 - Math.Pow(0.8, t));
            for (int i = 0; i < w.Length; i++)
            {
                double g = 2 * (w[i] - 1) * Math.Sin(w[i]) + (w[i] - 1) * (w[i] - 1) * Math.Cos(w[i]);
                m[i] += (g - m[i]) * 0.2;
                v[i] += (g * g - v[i]) * 0.05;
                w[i] -= m[i] * alpha / (Math.Sqrt(v[i]) + 1e-6);
            }
            Assert.That(x.Value.ToArray<double>(), Is.EqualTo(w).Within(1e-12), $"step {t}");
        }
    }
}
