namespace Eager.Tests.Core;

public class ReduceStatsTests
{
    private static double[] LseRef(double[] xs, int rows, int len)
    {
        var r = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            var row = xs.Skip(i * len).Take(len).ToArray();
            double m = row.Length == 0 ? double.NegativeInfinity : row.Max();
            r[i] = double.IsInfinity(m) ? m : m + Math.Log(row.Sum(v => Math.Exp(v - m)));
        }
        return r;
    }

    [TestCase(3, 17)]
    [TestCase(1, 1)]
    [TestCase(4, 0)]
    [TestCase(2, 200)]
    public void LogSumExpMatchesReference(int rows, int len)
    {
        var x = ArrayRef.RandF(1, rows, len) * 10.0;
        ArrayRef.AssertClose(Ops.ReduceLogSumExp(x, 1), LseRef(x.ToDoubleArray(), rows, len), [rows]);
        // Over the outer axis of the transposed view: the same numbers.
        ArrayRef.AssertClose(Ops.ReduceLogSumExp(Ops.Transpose(x), 0, keepDims: true), LseRef(x.ToDoubleArray(), rows, len), [1, rows]);
    }

    [Test]
    public void LogSumExpIsStableAndHandlesInfinities()
    {
        var big = Tensor.From(new[] { 1000f, 1000f, -1000f });
        Assert.That(Ops.ReduceLogSumExp(big).Item<float>(), Is.EqualTo(1000 + MathF.Log(2)).Within(1e-3));
        var x = Tensor.From(new[] { float.NegativeInfinity, float.NegativeInfinity, 1f, float.PositiveInfinity }, new Shape(2, 2));
        Assert.That(Ops.ReduceLogSumExp(x, 1).ToArray<float>(), Is.EqualTo(new[] { float.NegativeInfinity, float.PositiveInfinity }));
        var all = Ops.ReduceLogSumExp(TestTensors.Randn(2, 2, 3, 4), [0, 2]);
        Assert.That(all.Shape, Is.EqualTo(new Shape(3)));
        ArrayRef.Throws(() => Ops.ReduceLogSumExp(Tensor.From(new[] { 1, 2 })), "ReduceLogSumExp", "int32");
        ArrayRef.Throws(() => Ops.ReduceLogSumExp(big, 1), "ReduceLogSumExp", "axis 1");
    }

    [Test]
    public void LogSumExpGradientIsTheSoftmax()
    {
        GradCheck.Check(x => Ops.ReduceLogSumExp(x[0], 1), TestTensors.Randn(3, 3, 4));
        GradCheck.Check(x => Ops.ReduceLogSumExp(x[0], [0, 2], keepDims: true), TestTensors.Randn(4, 2, 3, 2));
        GradCheck.Check(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            return inner.Gradient(Ops.ReduceSum(Ops.ReduceLogSumExp(x[0] * x[0], 0)), x[0])!;
        }, TestTensors.Randn(5, 3, 2));
    }

    [Test]
    public void MomentsMatchReference()
    {
        var x = ArrayRef.RandF(6, 4, 7, 3);
        var xs = x.ToDoubleArray();
        var (mean, variance) = Ops.Moments(x, [0, 2]);
        var wantMean = new double[7]; var wantVar = new double[7];
        for (int j = 0; j < 7; j++)
        {
            var g = ArrayRef.Indices([4, 7, 3]).Where(i => i[1] == j).Select(i => xs[ArrayRef.Flat(i, [4, 7, 3])]).ToArray();
            wantMean[j] = g.Average();
            wantVar[j] = g.Select(v => (v - wantMean[j]) * (v - wantMean[j])).Average();
        }
        ArrayRef.AssertClose(mean, wantMean, [7]);
        ArrayRef.AssertClose(variance, wantVar, [7]);
        var (mk, vk) = Ops.Moments(x, 1, keepDims: true);
        Assert.That(mk.Shape, Is.EqualTo(new Shape(4, 1, 3)));
        Assert.That(vk.Shape, Is.EqualTo(new Shape(4, 1, 3)));
        var (ma, va) = Ops.Moments(x);
        Assert.That(ma.Item<float>(), Is.EqualTo(xs.Average()).Within(1e-5));
        Assert.That(va.Item<float>(), Is.EqualTo(xs.Select(v => (v - xs.Average()) * (v - xs.Average())).Average()).Within(1e-5));
    }

    [Test]
    public void MomentsGradients()
    {
        GradCheck.Check(x => Ops.Moments(x[0], 1).Variance, TestTensors.Randn(7, 3, 5));
        GradCheck.Check(x => { var (m, v) = Ops.Moments(x[0], [0]); return m * v; }, TestTensors.Randn(8, 4, 2));
    }

    [Test]
    public void StatsInferUnknownDims()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = ArrayRef.Symbolic(g, new Shape(-1, 3));
            var (m, v) = Ops.Moments(x, 0);
            Assert.That(m.Shape, Is.EqualTo(new Shape(3)));
            Assert.That(v.Shape, Is.EqualTo(new Shape(3)));
            Assert.That(Ops.ReduceLogSumExp(x, 1).Shape, Is.EqualTo(new Shape(-1)));
        }
    }
}
