using Eager.Kernels;

namespace Eager.Tests.Kernels;

/// <summary>Large element-wise and softmax work is cut across cores; the cut must not change any element.</summary>
[NonParallelizable]
public class ParallelSplitTests
{
    private const int Length = 300_007; // above the split threshold, not a multiple of any chunk alignment

    [TearDown]
    public void Restore() => Workers.Count = Environment.ProcessorCount;

    [Test]
    public void UnaryMatchesScalar([Values(2, 3)] int workers)
    {
        Workers.Count = workers;
        var x = Tensor.RandomUniform(new Shape(Length), -5, 5, seed: 1);
        var got = Ops.Exp(x).ToArray<float>();
        var xs = x.ToArray<float>();
        for (int i = 0; i < Length; i++)
            Assert.That(got[i], Is.EqualTo(Math.Exp(xs[i])).Within(2e-6 * Math.Exp(xs[i]) + 1e-30), $"element {i}");
    }

    [Test]
    public void BinaryMatchesScalar([Values(2, 3)] int workers)
    {
        Workers.Count = workers;
        var a = Tensor.RandomUniform(new Shape(Length), -1, 1, seed: 2);
        var b = Tensor.RandomUniform(new Shape(Length), -1, 1, seed: 3);
        var sum = (a + b).ToArray<float>();
        var scaled = (a * 3.0).ToArray<float>(); // tensor with a broadcast scalar
        var av = a.ToArray<float>(); var bv = b.ToArray<float>();
        for (int i = 0; i < Length; i++)
        {
            Assert.That(sum[i], Is.EqualTo(av[i] + bv[i]), $"sum element {i}");
            Assert.That(scaled[i], Is.EqualTo(av[i] * 3f), $"scaled element {i}");
        }
    }

    [Test]
    public void SoftmaxRowsMatchReference([Values(2, 3)] int workers)
    {
        Workers.Count = workers;
        int rows = 301, n = 1001;
        var x = Tensor.RandomUniform(new Shape(rows, n), -4, 4, seed: 4);
        var got = Ops.Softmax(x).ToArray<float>();
        var logGot = Ops.LogSoftmax(x).ToArray<float>();
        var xv = x.ToArray<float>();
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < n; j++) max = Math.Max(max, xv[r * n + j]);
            for (int j = 0; j < n; j++) sum += Math.Exp(xv[r * n + j] - max);
            for (int j = 0; j < n; j++)
            {
                double e = Math.Exp(xv[r * n + j] - max) / sum;
                Assert.That(got[r * n + j], Is.EqualTo(e).Within(1e-5 * e + 1e-9), $"softmax [{r}, {j}]");
                Assert.That(logGot[r * n + j], Is.EqualTo(Math.Log(e)).Within(1e-4), $"log-softmax [{r}, {j}]");
            }
        }
    }
}
