using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>Large broadcasts made of many short rows, which split across workers, against a scalar walk.</summary>
public class BroadcastSplitTests
{
    [TestCase(new[] { 3, 7, 129, 65 }, new[] { 0, 0, 0, 1 })]   // a bias over the last axis
    [TestCase(new[] { 5, 301, 1, 97 }, new[] { 97, 0, 0, 1 })]  // [N, 1, 1, C] against [N, H, W, C]
    [TestCase(new[] { 2, 1000, 129 }, new[] { 0, 1, 0 })]       // a column broadcast along the rows
    [TestCase(new[] { 300000, 1 }, new[] { 1, 0 })]
    public void BroadcastRowsMatchTheScalarWalk(int[] shape, int[] bStrides)
    {
        int total = shape.Aggregate(1, (p, d) => p * d);
        var aStrides = new int[shape.Length];
        for (int i = shape.Length - 1, acc = 1; i >= 0; i--) { aStrides[i] = acc; acc *= shape[i]; }
        int bLen = 1;
        for (int i = 0; i < shape.Length; i++) if (bStrides[i] != 0) bLen = Math.Max(bLen, bStrides[i] * shape[i]);
        var rnd = new Random(total % 1000);
        var a = Enumerable.Range(0, total).Select(_ => (float)rnd.NextDouble()).ToArray();
        var b = Enumerable.Range(0, bLen).Select(_ => (float)rnd.NextDouble()).ToArray();
        var got = new float[total];
        Binary.Apply<float, SubtractOp<float>>(a, 0, aStrides, b, 0, bStrides, shape, got);
        var idx = new int[shape.Length];
        for (int o = 0; o < total; o++)
        {
            int pa = 0, pb = 0;
            for (int i = shape.Length - 1, rest = o; i >= 0; i--) { idx[i] = rest % shape[i]; rest /= shape[i]; pa += idx[i] * aStrides[i]; pb += idx[i] * bStrides[i]; }
            if (got[o] != a[pa] - b[pb]) Assert.Fail($"element {o}: {got[o]} vs {a[pa] - b[pb]}");
        }
    }
}
