using System.Runtime.Intrinsics;
using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>The polynomial float32 exp against float64 Math.Exp: about 1 ulp everywhere, exact specials. Each fixture
/// caps the span loops' vector width (512-bit where the CPU has it, 256-bit, scalar), so every path runs on any machine.</summary>
[TestFixture(512)]
[TestFixture(256)]
[TestFixture(0)]
[NonParallelizable]
public class FastExpTests(int vectorBits)
{
    [SetUp]
    public void CapWidth() => VectorWidth.Bits = vectorBits;

    [TearDown]
    public void Restore() => VectorWidth.Bits = 512;

    private static float[] Grid()
    {
        var v = new List<float>();
        for (double x = -110; x <= 95; x += 0.0137) v.Add((float)x);
        var rnd = new Random(1);
        for (int i = 0; i < 10000; i++) v.Add((float)(rnd.NextDouble() * 40 - 20));
        v.AddRange([0f, -0f, 1f, -1f, 88.72f, 88.73f, -87.3f, -103.9f, -104f, float.Epsilon, 1e-30f, -1e-30f]);
        return [.. v];
    }

    private static void AssertExpClose(float got, double x, string what)
    {
        double e = Math.Exp(x);
        if (e > float.MaxValue) { Assert.That(float.IsPositiveInfinity(got), Is.True, $"{what}: exp({x}) should overflow, got {got}"); return; }
        // About 2 ulp for normal results; subnormal results to within one subnormal step.
        double tol = e >= 1.1754943508222875e-38 ? 2.5e-7 * e : 1.5e-45;
        Assert.That(Math.Abs(got - e), Is.LessThanOrEqualTo(tol), $"{what}: exp({x}) = {e}, got {got}");
    }

    [Test]
    public void ExpIsAccurateOverTheWholeRange()
    {
        var x = Grid();
        var y = new float[x.Length];
        FastExp.Exp(x, y);
        for (int i = 0; i < x.Length; i++) AssertExpClose(y[i], x[i], $"element {i}");
    }

    [Test]
    public void SpecialValues()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, 1000f, -1000f, float.MaxValue, float.MinValue, 0f];
        var y = new float[x.Length];
        FastExp.Exp(x, y); // nine elements: one vector and a scalar tail
        Assert.That(float.IsNaN(y[0]), Is.True);
        Assert.That(y[1], Is.EqualTo(float.PositiveInfinity));
        Assert.That(y[2], Is.EqualTo(0f));
        Assert.That(y[3], Is.EqualTo(1f));
        Assert.That(y[4], Is.EqualTo(float.PositiveInfinity));
        Assert.That(y[5], Is.EqualTo(0f));
        Assert.That(y[6], Is.EqualTo(float.PositiveInfinity));
        Assert.That(y[7], Is.EqualTo(0f));
        Assert.That(y[8], Is.EqualTo(1f));
    }

    [Test]
    public void EveryLengthAroundTheVectorWidths([Values(0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 79, 80, 97, 127, 128, 129, 143, 191, 200)] int n)
    {
        var x = Enumerable.Range(0, n).Select(i => (float)(i * 0.37 - 5)).ToArray();
        var y = new float[n]; var s = new float[n]; var e = new float[n];
        FastExp.Exp(x, y);
        FastExp.Sigmoid(x, s);
        float sum = FastExp.ExpShiftedSum(x, 2f, e);
        double expectSum = 0;
        for (int i = 0; i < n; i++)
        {
            AssertExpClose(y[i], x[i], $"exp {i}");
            double sig = 1 / (1 + Math.Exp(-x[i]));
            Assert.That(s[i], Is.EqualTo(sig).Within(3e-7 * sig), $"sigmoid {i}");
            float shifted = x[i] - 2f; // the kernel subtracts in float32
            AssertExpClose(e[i], shifted, $"shifted {i}");
            expectSum += Math.Exp(shifted);
        }
        Assert.That(sum, Is.EqualTo(expectSum).Within(1e-6 * expectSum + 1e-30));
    }

    [Test]
    public void VectorsStraddlingTheNormalRangeStayAccurate([Values(8, 16, 24, 33, 64, 80, 131)] int n)
    {
        // The short path needs every lane of a vector (or of a pair or four of vectors) in range; one lane outside
        // sends the whole step down the full path. Each position in turn holds the outlier.
        float[] edges = [-86.5f, -86.49f, -86.51f, 86.5f, 86.51f, 88f, 87.99f, 88.01f, -103f, 88.7f, float.NaN, -1000f, float.PositiveInfinity];
        var rnd = new Random(4);
        foreach (var edge in edges)
            for (int pos = 0; pos < n; pos++)
            {
                var x = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 170 - 85)).ToArray();
                x[pos] = edge;
                var y = new float[n]; var s = new float[n]; var e = new float[n];
                FastExp.Exp(x, y);
                FastExp.Sigmoid(x, s);
                FastExp.ExpShiftedSum(x, 1f, e);
                for (int i = 0; i < n; i++)
                {
                    if (float.IsNaN(x[i]))
                    {
                        Assert.That(float.IsNaN(y[i]) && float.IsNaN(s[i]) && float.IsNaN(e[i]), Is.True, $"NaN at {i}");
                        continue;
                    }
                    AssertExpClose(y[i], x[i], $"exp({x[i]}) at {i}");
                    AssertExpClose(e[i], x[i] - 1f, $"exp({x[i]} - 1) at {i}");
                    double sig = 1 / (1 + Math.Exp(-(double)x[i]));
                    // Subnormal sigmoids (x below about -87) come out within two subnormal steps, as before.
                    double tol = sig >= 1.1754943508222875e-38 ? 3e-7 * sig : 3e-45;
                    Assert.That(s[i], Is.EqualTo(sig).Within(tol), $"sigmoid({x[i]}) at {i}");
                }
            }
    }

    [Test]
    public void SigmoidSaturatesCleanly()
    {
        float[] x = [-200f, -104f, -50f, 0f, 50f, 104f, 200f, float.NaN];
        var y = new float[x.Length];
        FastExp.Sigmoid(x, y);
        Assert.That(y[..7], Is.EqualTo(new[] { 0f, 0f, (float)(1 / (1 + Math.Exp(50))), 0.5f, 1f, 1f, 1f }).Within(1e-30));
        Assert.That(float.IsNaN(y[7]), Is.True);
    }

    [Test]
    public void BothVectorWidthsAgree()
    {
        // The 512-bit path is emulated where the CPU lacks AVX-512; it must give the same bits as the 256-bit one.
        var rnd = new Random(2);
        for (int t = 0; t < 200; t++)
        {
            var v = new float[16];
            for (int i = 0; i < 16; i++) v[i] = (float)(rnd.NextDouble() * 200 - 105);
            var wide = FastExp.Exp(Vector512.Create(v));
            for (int h = 0; h < 2; h++)
            {
                var narrow = FastExp.Exp(Vector256.Create(v, h * 8));
                for (int i = 0; i < 8; i++) Assert.That(wide[h * 8 + i], Is.EqualTo(narrow[i]), $"lane {h * 8 + i} of {v[h * 8 + i]}");
            }
        }
    }

    [Test]
    public void LongSpansStreamedToMemoryGiveTheSameResults([Values(0, 1, 5, 15, 16)] int offset, [Values(190, 1000, 1029)] int n)
    {
        // The streaming loops run from StreamingLength on; lowered here so short spans take them, at any alignment, with
        // a block outside the short path's range in the middle (the loop stops there and the ordinary loops finish).
        int saved = FastExp.StreamingLength;
        try
        {
            FastExp.StreamingLength = 64;
            var rnd = new Random(offset * 7 + n);
            var buffer = new float[offset + n];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = (float)(rnd.NextDouble() * 30 - 15);
            if (n > 600) buffer[offset + 500] = -95f;
            var x = buffer.AsSpan(offset, n);
            var exp = new float[offset + n];
            var sig = new float[offset + n];
            FastExp.Exp(x, exp.AsSpan(offset, n));
            FastExp.Sigmoid(x, sig.AsSpan(offset, n));
            for (int i = 0; i < n; i++)
            {
                AssertExpClose(exp[offset + i], x[i], $"exp[{i}]");
                double s = 1 / (1 + Math.Exp(-(double)x[i]));
                Assert.That(sig[offset + i], Is.EqualTo(s).Within(3e-7 * s + 1e-40), $"sigmoid[{i}] of {x[i]}");
            }
            // In place (the LSTM's gates): the output overwrites the input it was computed from.
            FastExp.Sigmoid(x, x);
            for (int i = 0; i < n; i++) Assert.That(x[i], Is.EqualTo(sig[offset + i]).Within(2e-7), $"in place [{i}]");
        }
        finally
        {
            FastExp.StreamingLength = saved;
        }
    }
}
