using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>The vectorised integer power equals float64 Math.Pow rounded to float32, the scalar Pow path's result.</summary>
public class IntegerPowerTests
{
    private static float[] Values(int n)
    {
        var r = new Random(n + 7);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((r.NextDouble() * 2 - 1) * Math.Pow(10, r.Next(-8, 9)));
        return v;
    }

    [Test]
    public void MatchesMathPowForEveryExponentAndLength(
        [Values(-16, -3, -2, -1, 0, 1, 2, 3, 4, 7, 16)] int n,
        [Values(0, 1, 7, 8, 9, 15, 16, 17, 33, 1000)] int length)
    {
        var x = Values(length);
        var y = new float[length];
        IntegerPower.Apply(x, n, y);
        for (int i = 0; i < length; i++)
        {
            float want = (float)Math.Pow(x[i], n);
            if (float.IsNaN(want)) Assert.That(y[i], Is.NaN);
            else Assert.That(y[i], Is.EqualTo(want), $"{x[i]} ^ {n}");
        }
    }

    [Test]
    public void SpecialValuesFollowMathPow([Values(-3, -2, -1, 0, 1, 2, 3)] int n)
    {
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, -1f, float.Epsilon, float.MaxValue, -float.MaxValue, 1e-30f];
        var y = new float[x.Length];
        IntegerPower.Apply(x, n, y);
        for (int i = 0; i < x.Length; i++)
        {
            float want = (float)Math.Pow(x[i], n);
            Assert.That(BitConverter.SingleToInt32Bits(y[i]) == BitConverter.SingleToInt32Bits(want) || (float.IsNaN(want) && float.IsNaN(y[i])),
                $"{x[i]} ^ {n}: got {y[i]}, Math.Pow gives {want}");
        }
    }

    [Test]
    public void InPlaceWorks()
    {
        var x = Values(37);
        var want = x.Select(v => (float)Math.Pow(v, 3)).ToArray();
        IntegerPower.Apply(x, 3, x);
        Assert.That(x, Is.EqualTo(want));
    }

    [Test]
    public void RejectsLargeExponentsAndMismatchedSpans()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegerPower.Apply(new float[4], 17, new float[4]));
        Assert.Throws<ArgumentException>(() => IntegerPower.Apply(new float[4], 2, new float[3]));
        Assert.That(IntegerPower.Handles(2.5), Is.False);
        Assert.That(IntegerPower.Handles(-16), Is.True);
    }

    [Test]
    public void ThePowOpUsesItAndStillBroadcastsAScalarOfHigherRank()
    {
        var x = Tensor.From(new float[] { 1.5f, -2f, 3f });
        var y = Ops.Pow(x, Tensor.From(new float[,] { { 3f } }));
        Assert.That(y.Shape, Is.EqualTo(new Shape(1, 3)));
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 3.375f, -8f, 27f }));
        var view = Ops.Transpose(Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } }), [1, 0]);
        Assert.That(Ops.Pow(view, 2.0).ToArray<float>(), Is.EqualTo(new[] { 1f, 9f, 4f, 16f }));
    }
}
