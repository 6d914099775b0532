using Eager.NN;

namespace Eager.Tests.NN;

public class OptimizerTests
{
    private static readonly double[] W0 = [1.0, -2.0, 0.5];
    private static readonly double[][] Grads = [[0.1, -0.3, 2.0], [-0.5, 0.2, 1.0], [0.3, 0.3, -0.7]];

    /// <summary>Runs the optimizer for the fixed gradient sequence on a float64 variable and returns the values after each step.</summary>
    private static List<double[]> Run(Optimizer opt, DType dtype = DType.Float64)
    {
        var w = new Variable(Tensor.From(W0).CastIfNeeded(dtype), name: "w");
        var result = new List<double[]>();
        foreach (var g in Grads)
        {
            opt.ApplyGradients([Tensor.From(g).CastIfNeeded(dtype)], [w]);
            result.Add(w.Value.ToDoubleArray());
        }
        Assert.That(opt.Iterations.Value.Item<long>(), Is.EqualTo(Grads.Length));
        return result;
    }

    private static void AssertSteps(List<double[]> got, Func<int, double, double, double[], double> expected, double tol = 1e-12)
    {
        // expected(step, w, g, state) is evaluated element by element on the host in double.
        var w = (double[])W0.Clone();
        var states = new double[W0.Length][];
        for (int i = 0; i < states.Length; i++) states[i] = new double[4];
        for (int s = 0; s < Grads.Length; s++)
        {
            for (int i = 0; i < w.Length; i++) w[i] = expected(s + 1, w[i], Grads[s][i], states[i]);
            Assert.That(got[s], Is.EqualTo(w).Within(tol), $"after step {s + 1}");
        }
    }

    [Test]
    public void SgdSubtractsLearningRateTimesGradient()
    {
        AssertSteps(Run(new SGD(0.1)), (_, w, g, _) => w - 0.1 * g);
    }

    [Test]
    public void SgdMomentumFollowsKeras()
    {
        AssertSteps(Run(new SGD(0.1, momentum: 0.9)), (_, w, g, st) =>
        {
            st[0] = 0.9 * st[0] - 0.1 * g;
            return w + st[0];
        });
    }

    [Test]
    public void SgdNesterovFollowsKeras()
    {
        AssertSteps(Run(new SGD(0.1, momentum: 0.9, nesterov: true)), (_, w, g, st) =>
        {
            st[0] = 0.9 * st[0] - 0.1 * g;
            return w + 0.9 * st[0] - 0.1 * g;
        });
    }

    [Test]
    public void AdamFollowsKeras()
    {
        AssertSteps(Run(new Adam(0.01)), (t, w, g, st) =>
        {
            st[0] += (g - st[0]) * (1 - 0.9);
            st[1] += (g * g - st[1]) * (1 - 0.999);
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            return w - st[0] * alpha / (Math.Sqrt(st[1]) + 1e-7);
        });
    }

    [Test]
    public void AdamAmsGradUsesTheRunningMaximum()
    {
        AssertSteps(Run(new Adam(0.01, amsgrad: true)), (t, w, g, st) =>
        {
            st[0] += (g - st[0]) * 0.1;
            st[1] += (g * g - st[1]) * 0.001;
            st[2] = Math.Max(st[2], st[1]);
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            return w - st[0] * alpha / (Math.Sqrt(st[2]) + 1e-7);
        });
    }

    [Test]
    public void AdamWDecaysWeightsBeforeTheAdamStep()
    {
        AssertSteps(Run(new AdamW(0.01, weightDecay: 0.1)), (t, w, g, st) =>
        {
            w -= w * 0.01 * 0.1;
            st[0] += (g - st[0]) * 0.1;
            st[1] += (g * g - st[1]) * 0.001;
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            return w - st[0] * alpha / (Math.Sqrt(st[1]) + 1e-7);
        });
    }

    [Test]
    public void RmsPropFollowsKeras()
    {
        AssertSteps(Run(new RMSProp(0.01)), (_, w, g, st) =>
        {
            st[0] = 0.9 * st[0] + 0.1 * g * g;
            return w - 0.01 * g / Math.Sqrt(st[0] + 1e-7);
        });
    }

    [Test]
    public void RmsPropCenteredWithMomentumFollowsKeras()
    {
        AssertSteps(Run(new RMSProp(0.01, rho: 0.8, momentum: 0.5, centered: true)), (_, w, g, st) =>
        {
            st[0] = 0.8 * st[0] + 0.2 * g * g;
            st[1] = 0.8 * st[1] + 0.2 * g;
            double inc = 0.01 * g / Math.Sqrt(st[0] - st[1] * st[1] + 1e-7);
            st[2] = 0.5 * st[2] + inc;
            return w - st[2];
        });
    }

    [Test]
    public void AdagradFollowsKeras()
    {
        AssertSteps(Run(new Adagrad(0.1)), (_, w, g, st) =>
        {
            if (st[3] == 0) { st[0] = 0.1; st[3] = 1; }
            st[0] += g * g;
            return w - 0.1 * g / Math.Sqrt(st[0] + 1e-7);
        });
    }

    [Test]
    public void Float32VariablesMatchTheFloat64Rule()
    {
        var f32 = Run(new Adam(0.01), DType.Float32);
        var f64 = Run(new Adam(0.01));
        for (int s = 0; s < f32.Count; s++) Assert.That(f32[s], Is.EqualTo(f64[s]).Within(1e-5));
    }

    [Test]
    public void NullGradientsAreSkipped()
    {
        var a = new Variable(Tensor.From(new[] { 1.0 }), name: "a");
        var b = new Variable(Tensor.From(new[] { 1.0 }), name: "b");
        new SGD(0.5).ApplyGradients([null, Tensor.From(new[] { 1.0 })], [a, b]);
        Assert.That(a.Value.Item<double>(), Is.EqualTo(1.0));
        Assert.That(b.Value.Item<double>(), Is.EqualTo(0.5));
    }

    [Test]
    public void BadArgumentsAreRefused()
    {
        var a = new Variable(Tensor.From(new[] { 1.0, 2.0 }), name: "a");
        var opt = new SGD(0.1);
        Assert.Throws<ArgumentException>(() => opt.ApplyGradients([Tensor.From(new[] { 1.0 })], [a]), "wrong shape");
        Assert.Throws<ArgumentException>(() => opt.ApplyGradients([Tensor.From(new[] { 1f, 2f })], [a]), "wrong dtype");
        Assert.Throws<ArgumentException>(() => opt.ApplyGradients([null, null], [a]), "count mismatch");
        Assert.Throws<ArgumentException>(() => opt.ApplyGradients([null, null], [a, a]), "duplicate variable");
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(0.1, momentum: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.0));
    }

    [Test]
    public void ChangingTheLearningRateTakesEffect()
    {
        var w = new Variable(Tensor.From(new[] { 0.0 }), name: "w");
        var opt = new SGD(1);
        opt.ApplyGradients([Tensor.From(new[] { 1.0 })], [w]);
        opt.LearningRate = 0.5;
        opt.ApplyGradients([Tensor.From(new[] { 1.0 })], [w]);
        Assert.That(w.Value.Item<double>(), Is.EqualTo(-1.5));
    }

    [Test]
    public void ClipByGlobalNormScalesAllGradientsTogether()
    {
        var (clipped, norm) = Optimizer.ClipByGlobalNorm([Tensor.From(new[] { 3.0 }), Tensor.From(new[] { 4.0 })], 1.0);
        Assert.That(norm.Item<double>(), Is.EqualTo(5.0).Within(1e-12));
        Assert.That(clipped[0].Item<double>(), Is.EqualTo(0.6).Within(1e-12));
        Assert.That(clipped[1].Item<double>(), Is.EqualTo(0.8).Within(1e-12));
        var (same, _) = Optimizer.ClipByGlobalNorm([Tensor.From(new[] { 0.3 })], 1.0);
        Assert.That(same[0].Item<double>(), Is.EqualTo(0.3).Within(1e-12), "below the limit nothing changes");
    }

    [Test]
    public void GlobalClipNormOptionClipsTheStep()
    {
        var w = new Variable(Tensor.From(new[] { 0.0, 0.0 }), name: "w");
        new SGD(1) { GlobalClipNorm = 1 }.ApplyGradients([Tensor.From(new[] { 3.0, 4.0 })], [w]);
        Assert.That(w.Value.ToDoubleArray(), Is.EqualTo(new[] { -0.6, -0.8 }).Within(1e-12));
        var v = new Variable(Tensor.From(new[] { 0.0, 0.0 }), name: "v");
        new SGD(1) { ClipValue = 0.5 }.ApplyGradients([Tensor.From(new[] { 3.0, -0.25 })], [v]);
        Assert.That(v.Value.ToDoubleArray(), Is.EqualTo(new[] { -0.5, 0.25 }).Within(1e-12));
        var u = new Variable(Tensor.From(new[] { 0.0, 0.0 }), name: "u");
        new SGD(1) { ClipNorm = 2.5 }.ApplyGradients([Tensor.From(new[] { 3.0, 4.0 })], [u]);
        Assert.That(u.Value.ToDoubleArray(), Is.EqualTo(new[] { -1.5, -2.0 }).Within(1e-12));
    }

    [Test]
    public void SlotsAreCreatedLazilyAndByBuild()
    {
        var w = new Variable(Tensor.From(new[] { 1.0, 2.0 }), name: "w");
        var opt = new Adam();
        Assert.That(opt.Slots, Is.Empty);
        opt.Build([w]);
        Assert.That(opt.Slots.Select(s => s.Slot), Is.EqualTo(new[] { "m", "v" }));
        Assert.That(opt.GetSlot(w, "m").Shape, Is.EqualTo(w.Shape));
        Assert.Throws<KeyNotFoundException>(() => opt.GetSlot(w, "nope"));
    }
}

internal static class CastHelper
{
    public static Tensor CastIfNeeded(this Tensor t, DType d) => t.DType == d ? t : Ops.Cast(t, d);
}
