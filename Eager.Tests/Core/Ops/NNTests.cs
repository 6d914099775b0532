using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

public class NNTests
{
    private static double[] SoftmaxRef(double[] x, int[] shape, int axis, bool log)
    {
        int outer = shape[..axis].Aggregate(1, (a, b) => a * b), n = shape[axis], inner = shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double m = double.NegativeInfinity;
                for (int k = 0; k < n; k++) m = Math.Max(m, x[(o * n + k) * inner + i]);
                double s = 0;
                for (int k = 0; k < n; k++) s += Math.Exp(x[(o * n + k) * inner + i] - m);
                for (int k = 0; k < n; k++)
                {
                    double v = x[(o * n + k) * inner + i] - m;
                    y[(o * n + k) * inner + i] = log ? v - Math.Log(s) : Math.Exp(v) / s;
                }
            }
        return y;
    }

    [TestCase(new[] { 3, 17 }, -1)]
    [TestCase(new[] { 3, 17 }, 0)]
    [TestCase(new[] { 2, 7, 3 }, 1)]
    [TestCase(new[] { 4, 1, 33 }, 2)]
    [TestCase(new[] { 5 }, 0)]
    [TestCase(new[] { 2, 1, 5 }, 1)]
    public void SoftmaxAndLogSoftmaxMatchReference(int[] shape, int axis)
    {
        var x = Randn(1, shape) * 3.0;
        int ax = axis < 0 ? axis + shape.Length : axis;
        AssertClose(Ops.Softmax(ToF32(x), axis), SoftmaxRef(x.ToArray<double>(), shape, ax, false), 1e-6, "softmax");
        AssertClose(Ops.LogSoftmax(ToF32(x), axis), SoftmaxRef(x.ToArray<double>(), shape, ax, true), 1e-6, "log softmax");
        GradCheck.Check(t => Ops.Softmax(t[0], axis), Randn(2, shape));
        GradCheck.Check(t => Ops.LogSoftmax(t[0], axis), Randn(3, shape));
    }

    [Test]
    public void SoftmaxIsStableForHugeLogits()
    {
        var x = Tensor.From(new float[] { 1000, -1000, 999, 0 });
        var y = Ops.Softmax(x).ToArray<float>();
        Assert.That(y[0], Is.EqualTo(1 / (1 + MathF.Exp(-1))).Within(1e-6));
        Assert.That(y[1], Is.EqualTo(0f));
        var l = Ops.LogSoftmax(x).ToArray<float>();
        Assert.That(l[1], Is.EqualTo(-2000 - MathF.Log(1 + MathF.Exp(-1))).Within(1e-2));
        Assert.That(l.All(float.IsFinite), Is.True);
        Assert.That(Ops.Softmax(Tensor.From(new[] { 1f, 2f, 3f })).ToArray<float>(), Is.EqualTo(new[] { 0.09003057f, 0.24472847f, 0.66524096f }).Within(1e-6));
    }

    [Test]
    public void SoftmaxSecondDerivativeMatchesFiniteDifferences()
    {
        var r = Randn(5, 2, 4);
        Tensor Inner(Tensor x)
        {
            using var t = new GradientTape();
            t.Watch(x);
            return t.Gradient(Ops.ReduceSum(Ops.LogSoftmax(x) * r * Ops.Softmax(x)), x)!;
        }
        GradCheck.Check(t => Inner(t[0]), 1e-5, Randn(6, 2, 4));
    }

    [Test]
    public void SoftmaxErrors()
    {
        AssertThrowsWith(() => Ops.Softmax(Tensor.Zeros(new Shape(2, 3)), axis: 2), "Softmax", "axis 2");
        AssertThrowsWith(() => Ops.LogSoftmax(Tensor.Zeros(new Shape(2, 3), DType.Int32)), "LogSoftmax", "int32");
    }

    [Test]
    public void BiasAddAddsAlongTheLastDimension()
    {
        var x = Randn(1, 2, 3, 17); var b = Randn(2, 17);
        var xs = x.ToArray<double>(); var bs = b.ToArray<double>();
        AssertClose(Ops.BiasAdd(ToF32(x), ToF32(b)), xs.Select((v, i) => v + bs[i % 17]).ToArray(), 1e-6);
        GradCheck.Check(t => Ops.BiasAdd(t[0], t[1]), Randn(3, 2, 3, 5), Randn(4, 5));
        GradCheck.Check(t => Ops.BiasAdd(t[0], t[1]), Randn(3, 4), Randn(4, 4));
        Assert.That(Ops.BiasAdd(Tensor.From(new[] { 1, 2 }), Tensor.From(new[] { 10, 20 })).ToArray<int>(), Is.EqualTo(new[] { 11, 22 }));
        AssertThrowsWith(() => Ops.BiasAdd(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(4))), "BiasAdd", "4 elements", "last dimension is 3");
        AssertThrowsWith(() => Ops.BiasAdd(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(1, 3))), "BiasAdd", "rank 1");
    }

    [Test]
    public void L2LossIsHalfTheSumOfSquares()
    {
        Assert.That(Ops.L2Loss(Tensor.From(new[] { 3f, 4f })).Item<float>(), Is.EqualTo(12.5f));
        var x = Randn(1, 3, 17);
        Assert.That(Ops.L2Loss(ToF32(x)).Item<float>(), Is.EqualTo(x.ToArray<double>().Sum(v => v * v) / 2).Within(1e-4));
        Assert.That(Ops.L2Loss(Tensor.Zeros(new Shape(0))).Item<float>(), Is.EqualTo(0f));
        GradCheck.Check(t => Ops.L2Loss(t[0]), Randn(2, 2, 3));
        AssertThrowsWith(() => Ops.L2Loss(Tensor.From(new[] { 1, 2 })), "L2Loss", "int32");
    }

    [Test]
    public void DropoutIsSeededScaledAndUsesItsMaskInTheGradient()
    {
        var x = Tensor.Ones(new Shape(100, 100), DType.Float64);
        var a = Ops.Dropout(x, rate: 0.25, seed: 3).ToArray<double>();
        var b = Ops.Dropout(x, rate: 0.25, seed: 3).ToArray<double>();
        Assert.That(a, Is.EqualTo(b), "same seed, same mask");
        Assert.That(a.All(v => v == 0 || Math.Abs(v - 1 / 0.75) < 1e-15), Is.True, "kept values scaled by 1/(1-rate)");
        double kept = a.Count(v => v != 0) / (double)a.Length;
        Assert.That(kept, Is.EqualTo(0.75).Within(0.03));
        Assert.That(Ops.Dropout(x, rate: 0.25, seed: 4).ToArray<double>(), Is.Not.EqualTo(a), "another seed, another mask");
        var first = Ops.Dropout(x, rate: 0.25).ToArray<double>();
        Assert.That(Ops.Dropout(x, rate: 0.25).ToArray<double>(), Is.Not.EqualTo(first), "unseeded calls differ");

        var v = Randn(1, 4, 6);
        using (var tape = new GradientTape())
        {
            tape.Watch(v);
            var y = Ops.Dropout(v, rate: 0.5);
            var g = tape.Gradient(Ops.ReduceSum(y), v)!.ToArray<double>();
            var ys = y.ToArray<double>();
            for (int i = 0; i < g.Length; i++) Assert.That(g[i], Is.EqualTo(ys[i] == 0 ? 0 : 2.0));
        }
        GradCheck.Check(t => Ops.Dropout(t[0], rate: 0.3, seed: 9), Randn(2, 3, 5));
    }

    [Test]
    public void DropoutOutsideTrainingOrAtRateZeroIsIdentity()
    {
        var x = Randn(1, 3, 4);
        Assert.That(Ops.Dropout(x, rate: 0.5, training: false), Is.SameAs(x));
        Assert.That(Ops.Dropout(x, rate: 0), Is.SameAs(x));
        AssertThrowsWith(() => Ops.Dropout(x, rate: 1), "Dropout", "[0, 1)");
        AssertThrowsWith(() => Ops.Dropout(x, rate: -0.1), "Dropout", "[0, 1)");
        AssertThrowsWith(() => Ops.Dropout(x, rate: double.NaN), "Dropout");
        AssertThrowsWith(() => Ops.Dropout(Tensor.From(new[] { 1, 2 }), rate: 0.5), "Dropout", "int32");
    }
}
