using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>A span times or plus a scalar against float64, at lengths around the vector widths, on every vector path.</summary>
[TestFixture(512)]
[TestFixture(256)]
[TestFixture(0)]
[NonParallelizable]
public class ScalarSpanTests(int vectorBits)
{
    [SetUp]
    public void CapWidth() => VectorWidth.Bits = vectorBits;

    [TearDown]
    public void Restore() => VectorWidth.Bits = 512;

    [Test]
    public void MultiplyAndAddAtEveryLength([Values(0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 1000)] int n)
    {
        var rnd = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 20 - 10)).ToArray();
        var m = new float[n]; var a = new float[n];
        ScalarSpan.Multiply(x, 0.37f, m);
        ScalarSpan.Add(x, -2.5f, a);
        for (int i = 0; i < n; i++)
        {
            Assert.That(m[i], Is.EqualTo((float)(x[i] * (double)0.37f)), $"multiply {i}");
            Assert.That(a[i], Is.EqualTo((float)(x[i] + -2.5)), $"add {i}");
        }
        // In place, as the softmax rows use it.
        var inPlace = (float[])x.Clone();
        ScalarSpan.Multiply(inPlace, 0.37f, inPlace);
        Assert.That(inPlace, Is.EqualTo(m));
    }

    [Test]
    public void SpecialValuesPassThrough()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.MaxValue];
        var y = new float[x.Length];
        ScalarSpan.Multiply(x, 2f, y);
        Assert.That(float.IsNaN(y[0]) && y[1] == float.PositiveInfinity && y[2] == float.NegativeInfinity && y[5] == float.PositiveInfinity, Is.True);
        Assert.That(float.IsNegative(y[3]), Is.True);
    }

    [Test]
    public void MismatchedLengthsThrow() =>
        Assert.That(() => ScalarSpan.Add(new float[3], 1f, new float[2]), Throws.ArgumentException.With.Message.Contains("ScalarSpan"));
}
