using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

/// <summary>CumSum, TopK, NonZero, the element and N-d gathers and scatters, and Einsum against float64 loops.</summary>
public class IndexingOpsTests
{
    private static void AssertValues(Tensor got, double[] want, double tol = 1e-12)
    {
        var g = got.ToDoubleArray();
        Assert.That(g.Length, Is.EqualTo(want.Length), "element count");
        for (int i = 0; i < g.Length; i++) Assert.That(g[i], Is.EqualTo(want[i]).Within(tol + tol * Math.Abs(want[i])), $"element {i}");
    }

    [Test]
    public void CumSumMatchesLoopsInEveryMode()
    {
        var x = Randn(1, 3, 17, 2);
        var v = x.ToArray<double>();
        foreach (var (exclusive, reverse) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            var want = new double[v.Length];
            for (int o = 0; o < 3; o++)
                for (int i = 0; i < 2; i++)
                {
                    double acc = 0;
                    for (int s = 0; s < 17; s++)
                    {
                        int j = reverse ? 16 - s : s, at = (o * 17 + j) * 2 + i;
                        if (exclusive) { want[at] = acc; acc += v[at]; } else { acc += v[at]; want[at] = acc; }
                    }
                }
            AssertValues(Ops.CumSum(x, 1, exclusive, reverse), want);
            AssertValues(Ops.CumSum(ToF32(x), -2, exclusive, reverse), want, 1e-5);
            GradCheck.Check(t => Ops.CumSum(t[0], 1, exclusive, reverse), Randn(2, 3, 17, 2));
        }
        Assert.That(Ops.CumSum(Tensor.From(new long[] { 1, 2, 3 }), 0).ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 6 }));
        Assert.That(Ops.CumSum(Tensor.Zeros(new Shape(2, 0)), 1).Shape, Is.EqualTo(new Shape(2, 0)));
        Assert.Throws<ArgumentException>(() => Ops.CumSum(Tensor.Scalar(1.0), 0));
        Assert.Throws<ArgumentException>(() => Ops.CumSum(x, 3));
    }

    [Test]
    public void TopKSortsBreaksTiesLowFirstAndRoutesGradients()
    {
        var x = Tensor.From(new double[,] { { 1, 3, 3, 2 }, { double.NaN, 0, 5, 5 } });
        var (values, indices) = Ops.TopK(x, 3);
        AssertValues(Ops.Slice(values, [0, 0], [1, 3]), [3, 3, 2]);
        Assert.That(indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 3, 0, 2, 3 }));
        Assert.That(double.IsNaN(values.ToDoubleArray()[3]), "NaN counts as the largest");
        var (small, smallIdx) = Ops.TopK(Tensor.From(new[] { 4f, 1f, 1f, 0f }), 2, largest: false);
        Assert.That(small.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f }));
        Assert.That(smallIdx.ToArray<long>(), Is.EqualTo(new long[] { 3, 1 }));
        Assert.That(Ops.TopK(Randn(3, 2, 5), 0).Values.Shape, Is.EqualTo(new Shape(2, 0)));
        GradCheck.Check(t => Ops.TopK(t[0], 3, axis: 1).Values, Randn(4, 3, 7, 2));
        Assert.Throws<ArgumentException>(() => Ops.TopK(Randn(5, 2, 3), 4));
    }

    [Test]
    public void NonZeroListsCoordinatesRowMajor()
    {
        var x = Tensor.From(new double[,] { { 0, 2, 0 }, { -1, 0, double.NaN } });
        var nz = Ops.NonZero(x);
        Assert.That(nz.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(nz.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 1, 1, 0, 2 }));
        Assert.That(Ops.NonZero(Tensor.Zeros(new Shape(4))).Shape, Is.EqualTo(new Shape(1, 0)));
    }

    [Test]
    public void GatherElementsAndScatterElementsMatchLoops()
    {
        var x = Randn(6, 3, 4);
        var idx = Tensor.From(new long[,] { { 2, 0, -1, 1 }, { 0, 1, 1, 2 } });
        var xv = x.ToArray<double>(); var iv = idx.ToArray<long>();
        var want = new double[8];
        for (int r = 0; r < 2; r++) for (int c = 0; c < 4; c++) { long k = iv[r * 4 + c]; if (k < 0) k += 3; want[r * 4 + c] = xv[k * 4 + c]; }
        AssertValues(Ops.GatherElements(x, idx, 0), want);
        GradCheck.Check(t => Ops.GatherElements(t[0], idx, 0), Randn(7, 3, 4));

        var updates = Randn(8, 2, 4);
        var uv = updates.ToArray<double>();
        var put = (double[])xv.Clone(); var add = (double[])xv.Clone();
        for (int r = 0; r < 2; r++) for (int c = 0; c < 4; c++) { long k = iv[r * 4 + c]; if (k < 0) k += 3; put[k * 4 + c] = uv[r * 4 + c]; add[k * 4 + c] += uv[r * 4 + c]; }
        AssertValues(Ops.ScatterElements(x, idx, updates, 0), put);
        AssertValues(Ops.ScatterElements(x, idx, updates, 0, "add"), add);
        GradCheck.Check(t => Ops.ScatterElements(t[0], idx, t[1], 0), Randn(9, 3, 4), Randn(10, 2, 4));
        // Updates aimed at one element: "add" accumulates them, and so does "none" (ONNX leaves their order open).
        var twice = Tensor.From(new long[,] { { 1 }, { 1 } });
        AssertValues(Ops.ScatterElements(Tensor.Zeros(new Shape(3, 1), DType.Float64), twice, Tensor.From(new double[,] { { 2 }, { 5 } }), 0, "add"), [0, 7, 0]);
        Assert.Throws<ArgumentException>(() => Ops.GatherElements(x, Tensor.From(new long[,] { { 3 } }), 0));
        Assert.Throws<ArgumentException>(() => Ops.ScatterElements(x, idx, updates, 0, "mul"));
    }

    [Test]
    public void GatherNdAndTensorScatterMatchLoops()
    {
        var data = Randn(11, 3, 4, 2);
        var idx = Tensor.From(new long[,] { { 2, 1 }, { 0, -1 }, { 1, 0 } });
        var dv = data.ToArray<double>();
        int[][] at = [[2, 1], [0, 3], [1, 0]];
        var want = at.SelectMany(p => new[] { dv[(p[0] * 4 + p[1]) * 2], dv[(p[0] * 4 + p[1]) * 2 + 1] }).ToArray();
        AssertValues(Ops.GatherNd(data, idx), want);
        GradCheck.Check(t => Ops.GatherNd(t[0], idx), Randn(12, 3, 4, 2));

        var updates = Randn(13, 3, 2);
        var uv = updates.ToArray<double>();
        var put = (double[])dv.Clone(); var add = (double[])dv.Clone();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++) { int p = (at[i][0] * 4 + at[i][1]) * 2 + j; put[p] = uv[i * 2 + j]; add[p] += uv[i * 2 + j]; }
        AssertValues(Ops.TensorScatterUpdate(data, idx, updates), put);
        AssertValues(Ops.TensorScatterAdd(data, idx, updates), add);
        GradCheck.Check(t => Ops.TensorScatterUpdate(t[0], idx, t[1]), Randn(14, 3, 4, 2), Randn(15, 3, 2));
        Assert.Throws<ArgumentException>(() => Ops.GatherNd(data, Tensor.From(new long[,] { { 3, 0 } })));
        Assert.Throws<ArgumentException>(() => Ops.TensorScatterUpdate(data, idx, Randn(16, 3, 3)));
    }

    [Test]
    public void EinsumMatchesReferenceContractions()
    {
        var a = Randn(20, 2, 3, 4); var b = Randn(21, 2, 4, 5);
        var av = a.ToArray<double>(); var bv = b.ToArray<double>();
        var bmm = new double[2 * 3 * 5];
        for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int k = 0; k < 5; k++)
                    for (int j = 0; j < 4; j++) bmm[(n * 3 + i) * 5 + k] += av[(n * 3 + i) * 4 + j] * bv[(n * 4 + j) * 5 + k];
        AssertValues(Ops.Einsum("bij,bjk->bik", a, b), bmm, 1e-10);
        AssertValues(Ops.Einsum("...ij,...jk", a, b), bmm, 1e-10);
        var s = Randn(22, 4, 4); var sv = s.ToArray<double>();
        AssertValues(Ops.Einsum("ii", s), [sv[0] + sv[5] + sv[10] + sv[15]], 1e-12);
        AssertValues(Ops.Einsum("ii->i", s), [sv[0], sv[5], sv[10], sv[15]]);
        AssertValues(Ops.Einsum("ij->ji", s), Enumerable.Range(0, 16).Select(p => sv[(p % 4) * 4 + p / 4]).ToArray());
        var u = Randn(23, 3); var v = Randn(24, 5);
        AssertValues(Ops.Einsum("i,j->ij", u, v), u.ToArray<double>().SelectMany(p => v.ToArray<double>().Select(q => p * q)).ToArray(), 1e-12);
        var c = Randn(25, 5, 2);
        GradCheck.Check(t => Ops.Einsum("bij,bjk,kl->bil", t[0], t[1], t[2]), a, b, c);
        Assert.Throws<ArgumentException>(() => Ops.Einsum("ij,jk->ik", a, b));
        Assert.Throws<ArgumentException>(() => Ops.Einsum("ij->iz", s));
    }
}
