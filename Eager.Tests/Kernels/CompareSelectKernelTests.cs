using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>The vector paths of comparisons and selects (dense or scalar operands) against a scalar walk, at lengths
/// around the vector widths, with NaN, signed zeros and both broadcast sides.</summary>
public class CompareSelectKernelTests
{
    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 1001];

    private static float[] Floats(int n, int seed)
    {
        var r = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (r.Next(6)) switch { 0 => float.NaN, 1 => 0f, 2 => -0f, 3 => 1f, _ => (float)(r.NextDouble() * 4 - 2) };
        return v;
    }

    private static void CheckCompare<TOp>(Func<float, float, bool> want) where TOp : ICompareOp<float>
    {
        foreach (int n in Lengths)
        {
            var a = Floats(n, n + 1);
            var b = Floats(n, n + 2);
            int[] shape = [n], dense = [1], scalar = [0];
            foreach (var (bs, bStride) in new[] { (b, dense), (new[] { 0f }, scalar), (new[] { float.NaN }, scalar) })
            {
                var got = new bool[n];
                Compare.Apply<float, TOp>(a, 0, dense, bs, 0, bStride, shape, got);
                for (int i = 0; i < n; i++)
                    Assert.That(got[i], Is.EqualTo(want(a[i], bStride[0] == 0 ? bs[0] : bs[i])), $"n={n}, element {i}, b {(bStride[0] == 0 ? "scalar" : "dense")}");
                // The scalar on the left.
                Compare.Apply<float, TOp>(bs, 0, bStride, a, 0, dense, shape, got);
                for (int i = 0; i < n; i++)
                    Assert.That(got[i], Is.EqualTo(want(bStride[0] == 0 ? bs[0] : bs[i], a[i])), $"n={n}, element {i}, swapped");
            }
        }
    }

    [Test] public void Equal() => CheckCompare<EqualOp<float>>((x, y) => x == y);
    [Test] public void NotEqual() => CheckCompare<NotEqualOp<float>>((x, y) => x != y);
    [Test] public void Less() => CheckCompare<LessOp<float>>((x, y) => x < y);
    [Test] public void LessEqual() => CheckCompare<LessEqualOp<float>>((x, y) => x <= y);
    [Test] public void Greater() => CheckCompare<GreaterOp<float>>((x, y) => x > y);
    [Test] public void GreaterEqual() => CheckCompare<GreaterEqualOp<float>>((x, y) => x >= y);

    [Test]
    public void IntegersCompareToo()
    {
        var a = Enumerable.Range(-50, 101).ToArray();
        var got = new bool[a.Length];
        Compare.Apply<int, GreaterOp<int>>(a, 0, [1], [3], 0, [0], [a.Length], got);
        Assert.That(got, Is.EqualTo(a.Select(v => v > 3).ToArray()));
    }

    [Test]
    public void AViewTakesTheWalk()
    {
        // A transposed 8x8 (strides 1, 8): not flat, so the row walk must still give the right answer.
        var a = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        var got = new bool[64];
        Compare.Apply<float, LessOp<float>>(a, 0, [1, 8], [20f], 0, [0, 0], [8, 8], got);
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++) Assert.That(got[r * 8 + c], Is.EqualTo(a[c * 8 + r] < 20f), $"[{r}, {c}]");
    }

    private static void CheckSelect<T>(Func<int, T> value) where T : unmanaged
    {
        foreach (int n in Lengths)
        {
            var r = new Random(n);
            var cond = Enumerable.Range(0, n).Select(_ => r.Next(2) == 1).ToArray();
            var x = Enumerable.Range(0, n).Select(i => value(i)).ToArray();
            var y = Enumerable.Range(0, n).Select(i => value(-i - 1)).ToArray();
            T[] one = [value(1000)];
            int[] shape = [n], dense = [1], scalar = [0];
            foreach (var (xs, xStride, ys, yStride) in new[] { (x, dense, y, dense), (one, scalar, y, dense), (x, dense, one, scalar) })
            {
                var got = new T[n];
                Select.Apply<T>(cond, 0, dense, xs, 0, xStride, ys, 0, yStride, shape, got);
                for (int i = 0; i < n; i++)
                {
                    var want = cond[i] ? xs[xStride[0] * i] : ys[yStride[0] * i];
                    Assert.That(got[i], Is.EqualTo(want), $"{typeof(T).Name} n={n}, element {i}");
                }
            }
        }
    }

    [Test] public void SelectFloats() => CheckSelect(i => i % 7 == 3 ? float.NaN : i * 0.5f);
    [Test] public void SelectDoubles() => CheckSelect(i => i * 0.25);
    [Test] public void SelectInts() => CheckSelect(i => i * 3);
    [Test] public void SelectLongs() => CheckSelect(i => (long)i << 33);

    [Test]
    public void ReluGradientThroughTheOpsIsUnchanged()
    {
        // Where(x > 0, g, 0) as the ReLU rule builds it, over an NHWC shape whose rows are only the channels.
        var x = Tensor.RandomNormal(new Shape(4, 9, 9, 6), seed: 1);
        var g = Tensor.RandomNormal(new Shape(4, 9, 9, 6), seed: 2);
        var got = Ops.Where(x > 0.0, g, Ops.ZerosLike(g)).ToArray<float>();
        var xs = x.ToArray<float>();
        var gs = g.ToArray<float>();
        for (int i = 0; i < xs.Length; i++) Assert.That(got[i], Is.EqualTo(xs[i] > 0 ? gs[i] : 0f), $"element {i}");
    }
}
