using Eager.Kernels.NN;
using Eager.Kernels.Softmax;

namespace Eager.Tests.Kernels;

/// <summary>Softmax-family kernels at lengths around SIMD widths, and the strided (inner &gt; 1) path against the row path.</summary>
public class SoftmaxKernelTests
{
    private static double[] Random(int length, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => r.NextDouble() * 20 - 10).ToArray();
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(8)]
    [TestCase(9)]
    [TestCase(17)]
    [TestCase(33)]
    public void RowsMatchTheDefinition(int n)
    {
        var x = Random(3 * n, n);
        var y = new double[x.Length]; var l = new double[x.Length];
        SoftmaxRows.Softmax<double>(x, y, 3, n, 1);
        SoftmaxRows.LogSoftmax<double>(x, l, 3, n, 1);
        for (int r = 0; r < 3; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.Exp(x[r * n + i]);
            for (int i = 0; i < n; i++)
            {
                Assert.That(y[r * n + i], Is.EqualTo(Math.Exp(x[r * n + i]) / sum).Within(1e-12));
                Assert.That(l[r * n + i], Is.EqualTo(x[r * n + i] - Math.Log(sum)).Within(1e-12));
            }
        }
    }

    [Test]
    public void FloatRowsMatchFloat64AtEveryLength([Values(1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000)] int n)
    {
        var x = Random(2 * n, n + 1);
        var xf = x.Select(v => (float)v).ToArray();
        var y = new float[xf.Length]; var l = new float[xf.Length];
        SoftmaxRows.Softmax<float>(xf, y, 2, n, 1);
        SoftmaxRows.LogSoftmax<float>(xf, l, 2, n, 1);
        for (int r = 0; r < 2; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < n; i++) max = Math.Max(max, xf[r * n + i]);
            for (int i = 0; i < n; i++) sum += Math.Exp(xf[r * n + i] - max);
            for (int i = 0; i < n; i++)
            {
                double e = Math.Exp(xf[r * n + i] - max) / sum;
                Assert.That(y[r * n + i], Is.EqualTo(e).Within(2e-6 * e + 1e-30), $"softmax row {r} [{i}]");
                Assert.That(l[r * n + i], Is.EqualTo(xf[r * n + i] - max - Math.Log(sum)).Within(1e-5), $"log-softmax row {r} [{i}]");
            }
        }
    }

    [TestCase(1, 0)]
    [TestCase(9, 8)]
    [TestCase(40, 0)]
    [TestCase(40, 39)]
    [TestCase(100, 37)]
    public void SpecialValuesSpreadAsThroughANaNMax(int n, int at)
    {
        foreach (var special in new[] { float.NaN, float.PositiveInfinity })
        {
            var x = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i)).ToArray();
            x[at] = special;
            var y = new float[n]; var l = new float[n];
            SoftmaxRows.Softmax<float>(x, y, 1, n, 1);
            SoftmaxRows.LogSoftmax<float>(x, l, 1, n, 1);
            Assert.That(y.All(float.IsNaN) && l.All(float.IsNaN), Is.True, $"{special} at {at} of {n}");
        }
        var big = Enumerable.Range(0, n).Select(i => i == at ? 0f : float.NegativeInfinity).ToArray();
        var yb = new float[n];
        SoftmaxRows.Softmax<float>(big, yb, 1, n, 1);
        Assert.That(yb[at], Is.EqualTo(1f));
        Assert.That(yb.Where((_, i) => i != at), Is.All.EqualTo(0f));
    }

    [TestCase(2, 5, 3)]
    [TestCase(1, 17, 9)]
    [TestCase(3, 1, 33)]
    public void StridedAxisMatchesTheTransposedRowPath(int outer, int n, int inner)
    {
        var x = Random(outer * n * inner, 3).Select(v => (float)v).ToArray();
        var y = new float[x.Length]; var l = new float[x.Length];
        SoftmaxRows.Softmax<float>(x, y, outer, n, inner);
        SoftmaxRows.LogSoftmax<float>(x, l, outer, n, inner);
        var row = new float[n]; var ry = new float[n]; var rl = new float[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int k = 0; k < n; k++) row[k] = x[(o * n + k) * inner + i];
                SoftmaxRows.Softmax<float>(row, ry, 1, n, 1);
                SoftmaxRows.LogSoftmax<float>(row, rl, 1, n, 1);
                for (int k = 0; k < n; k++)
                {
                    Assert.That(y[(o * n + k) * inner + i], Is.EqualTo(ry[k]).Within(1e-6));
                    Assert.That(l[(o * n + k) * inner + i], Is.EqualTo(rl[k]).Within(1e-5));
                }
            }
    }

    [Test]
    public void EmptyInputsAreNoOps()
    {
        SoftmaxRows.Softmax<float>([], [], 0, 5, 1);
        SoftmaxRows.LogSoftmax<float>([], [], 3, 0, 2);
        Assert.That(CrossEntropy.FindInvalidLabel<int>([], 3), Is.EqualTo(-1));
        Assert.That(CrossEntropy.FindInvalidLabel<long>([0, 2, 3], 3), Is.EqualTo(2));
        Assert.That(CrossEntropy.FindInvalidLabel<int>([0, -1], 3), Is.EqualTo(1));
    }

    [Test]
    public void DropoutMaskKeepsEverythingAtRateZeroAndIsDeterministic()
    {
        var a = new float[1000]; var b = new float[1000];
        DropoutMask.Fill(5UL, 0.0, a);
        Assert.That(a, Is.All.EqualTo(1f));
        DropoutMask.Fill(5UL, 0.5, a);
        DropoutMask.Fill(5UL, 0.5, b);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.Distinct().Order(), Is.EqualTo(new[] { 0f, 2f }));
    }
}
