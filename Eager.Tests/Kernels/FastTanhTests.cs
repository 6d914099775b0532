using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>FastTanh against float64 Math.Tanh: within 3 ulp everywhere, exact at the special values, and the span,
/// vector and scalar paths agree bit for bit (fused loops rely on that).</summary>
public class FastTanhTests
{
    private static double Ulps(float got, double want)
    {
        float w = (float)want;
        return Math.Abs(got - want) / Math.Max(MathF.BitIncrement(Math.Abs(w)) - Math.Abs(w), float.Epsilon);
    }

    [Test]
    public void WithinThreeUlpAcrossTheRange()
    {
        var x = new List<float>();
        for (double v = 1e-30; v < 20; v *= 1.0007) { x.Add((float)v); x.Add((float)-v); }
        foreach (var edge in new[] { 0.625f, 9f, 10f }) { x.Add(MathF.BitDecrement(edge)); x.Add(edge); x.Add(MathF.BitIncrement(edge)); }
        var xs = x.ToArray();
        var y = new float[xs.Length];
        FastTanh.Tanh(xs, y);
        double worst = 0;
        for (int i = 0; i < xs.Length; i++) worst = Math.Max(worst, Ulps(y[i], Math.Tanh(xs[i])));
        TestContext.Out.WriteLine($"max error {worst:F2} ulp over {xs.Length} values");
        Assert.That(worst, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void SpecialValues()
    {
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, float.MaxValue, -float.MaxValue];
        var y = new float[x.Length];
        FastTanh.Tanh(x, y);
        Assert.That(BitConverter.SingleToInt32Bits(y[0]), Is.EqualTo(0));
        Assert.That(BitConverter.SingleToInt32Bits(y[1]), Is.EqualTo(BitConverter.SingleToInt32Bits(-0f)), "tanh(-0) = -0");
        Assert.That(y[2], Is.EqualTo(1f));
        Assert.That(y[3], Is.EqualTo(-1f));
        Assert.That(y[4], Is.NaN);
        Assert.That(y[5], Is.EqualTo(float.Epsilon));
        Assert.That(y[6], Is.EqualTo(-float.Epsilon));
        Assert.That(y[7], Is.EqualTo(1f));
        Assert.That(y[8], Is.EqualTo(-1f));
    }

    [Test]
    public void SpanVectorAndScalarPathsAgree([Values(0, 1, 7, 8, 9, 15, 17, 100)] int n)
    {
        var r = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() - 0.5) * 6)).ToArray();
        var y = new float[n];
        FastTanh.Tanh(x, y);
        for (int i = 0; i < n; i++) Assert.That(y[i], Is.EqualTo(FastTanh.Tanh(x[i])), $"element {i}");
        var op = new TanhOp<float>();
        var z = new float[n];
        op.Apply(x, z);
        Assert.That(z, Is.EqualTo(y));
        FastTanh.Tanh(x, x);
        Assert.That(x, Is.EqualTo(y), "in place");
    }
}
