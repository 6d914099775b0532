namespace Eager.Tests.Core;

public class ReduceCompositeTests
{
    [Test]
    public void LogSumExpMatchesAFloat64ReferenceAndIsStableForLargeValues()
    {
        var values = new double[] { 1000, 1001, -3, 2, 0.5, 7 };
        var x = Tensor.From(values, new Shape(2, 3));
        var got = Ops.ReduceLogSumExp(x, axis: 1).ToArray<double>();
        for (int r = 0; r < 2; r++)
        {
            var row = values.Skip(r * 3).Take(3).ToArray();
            double m = row.Max(), want = m + Math.Log(row.Sum(v => Math.Exp(v - m)));
            Assert.That(got[r], Is.EqualTo(want).Within(1e-12));
        }
        var f32 = Ops.ReduceLogSumExp(Ops.Cast(x, DType.Float32), keepDims: true);
        Assert.That(f32.Shape, Is.EqualTo(new Shape(1, 1)));
        Assert.That(double.IsFinite(f32.Item<float>()), Is.True);
    }

    [Test]
    public void LogSumExpGradientIsSoftmax()
    {
        var x = Tensor.From(new[] { 1.0, 2.0, 3.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(Ops.ReduceLogSumExp(x), x)!.ToArray<double>();
        var e = new[] { 1.0, 2.0, 3.0 }.Select(Math.Exp).ToArray();
        Assert.That(g, Is.EqualTo(e.Select(v => v / e.Sum()).ToArray()).Within(1e-12));
    }

    [Test]
    public void LogSumExpOfAllMinusInfinityIsMinusInfinity()
    {
        var x = Tensor.From(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.That(Ops.ReduceLogSumExp(x).Item<double>(), Is.EqualTo(double.NegativeInfinity));
    }

    [Test]
    public void MomentsGiveMeanAndPopulationVariance()
    {
        var data = Enumerable.Range(0, 12).Select(i => Math.Sin(i) * 3).ToArray();
        var x = Tensor.From(data, new Shape(3, 4));
        var (mean, variance) = Ops.Moments(x, [0]);
        for (int c = 0; c < 4; c++)
        {
            var col = Enumerable.Range(0, 3).Select(r => data[r * 4 + c]).ToArray();
            double m = col.Average();
            Assert.That(mean.ToArray<double>()[c], Is.EqualTo(m).Within(1e-12));
            Assert.That(variance.ToArray<double>()[c], Is.EqualTo(col.Average(v => (v - m) * (v - m))).Within(1e-12));
        }
        var (mk, vk) = Ops.Moments(x, [0, 1], keepDims: true);
        Assert.That(mk.Shape, Is.EqualTo(new Shape(1, 1)));
        Assert.That(vk.Shape, Is.EqualTo(new Shape(1, 1)));
    }

    [Test]
    public void IntegerInputsAreRefused()
    {
        var x = Tensor.From(new[] { 1, 2 });
        Assert.Throws<ArgumentException>(() => Ops.ReduceLogSumExp(x));
        Assert.Throws<ArgumentException>(() => Ops.Moments(x, [0]));
    }
}
