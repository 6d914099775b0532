namespace Eager.Tests.Core;

public class ReduceTests
{
    /// <summary>Float64 reference: folds every group of x over <paramref name="axes"/> with <paramref name="fold"/>.</summary>
    private static (double[] Values, int[] Shape) Reference(Tensor x, int[] axes, bool keepDims, Func<double[], double> fold)
    {
        var shape = x.Shape.ToArray();
        int r = shape.Length;
        var norm = axes.Select(a => a < 0 ? a + r : a).ToArray();
        var keptShape = Enumerable.Range(0, r).Select(i => norm.Contains(i) ? 1 : shape[i]).ToArray();
        var groups = new List<double>[keptShape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < groups.Length; i++) groups[i] = [];
        var xs = x.ToDoubleArray();
        foreach (var idx in ArrayRef.Indices(shape))
        {
            var o = idx.Select((v, i) => norm.Contains(i) ? 0 : v).ToArray();
            groups[ArrayRef.Flat(o, keptShape)].Add(xs[ArrayRef.Flat(idx, shape)]);
        }
        var outShape = keepDims ? keptShape : Enumerable.Range(0, r).Where(i => !norm.Contains(i)).Select(i => shape[i]).ToArray();
        return (groups.Select(g => fold([.. g])).ToArray(), outShape);
    }

    private static readonly (string Name, Func<Tensor, int[]?, bool, Tensor> Op, Func<double[], double> Fold)[] Reductions =
    [
        ("Sum", (x, a, k) => Ops.ReduceSum(x, a, k), g => g.Sum()),
        ("Mean", (x, a, k) => Ops.ReduceMean(x, a, k), g => g.Length == 0 ? double.NaN : g.Average()),
        ("Max", (x, a, k) => Ops.ReduceMax(x, a, k), g => g.Length == 0 ? double.NegativeInfinity : g.Max()),
        ("Min", (x, a, k) => Ops.ReduceMin(x, a, k), g => g.Length == 0 ? double.PositiveInfinity : g.Min()),
        ("Prod", (x, a, k) => Ops.ReduceProd(x, a, k), g => g.Aggregate(1.0, (p, v) => p * v)),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        int[][] shapes = [[7], [3, 17], [2, 3, 4], [5, 1, 33], [2, 0, 3], [1, 1], [3, 200]];
        foreach (var s in shapes)
        {
            var axisSets = new List<int[]?> { null, new[] { 0 }, new[] { -1 } };
            if (s.Length >= 2) { axisSets.Add([0, s.Length - 1]); axisSets.Add([1]); }
            if (s.Length == 3) axisSets.Add([0, 2]);
            foreach (var a in axisSets)
                foreach (var keep in new[] { false, true })
                    yield return new TestCaseData(s, a, keep).SetArgDisplayNames($"({string.Join(",", s)})", a is null ? "all" : $"[{string.Join(",", a)}]", keep ? "keep" : "drop");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void EveryReductionMatchesReference(int[] shape, int[]? axes, bool keepDims)
    {
        var x = ArrayRef.RandF(3, shape);
        foreach (var (name, op, fold) in Reductions)
        {
            var (want, outShape) = Reference(x, axes ?? Enumerable.Range(0, shape.Length).ToArray(), keepDims, fold);
            // Products of many normals shrink fast; compare them with an absolute floor.
            Assert.DoesNotThrow(() => ArrayRef.AssertClose(op(x, axes, keepDims), want, outShape, name == "Prod" ? 1e-4 : 1e-5), name);
        }
    }

    [Test]
    public void NonContiguousAndBroadcastInputs()
    {
        var y = ArrayRef.RandF(4, 5, 6, 7);
        var views = new[] { Ops.Transpose(y, [2, 0, 1]), Ops.Transpose(y, [1, 0, 2]), Ops.BroadcastTo(ArrayRef.RandF(5, 6, 1), new Shape(3, 6, 5)), y[.., 1..4, TensorIndex.Slice(step: 2)] };
        foreach (var x in views)
        {
            int[][] axisSets = [[0], [1], [2], [0, 1], [1, 2], [0, 2]];
            foreach (var axes in axisSets)
                foreach (var (name, op, fold) in Reductions.Take(4))
                {
                    var (want, outShape) = Reference(x, axes, false, fold);
                    Assert.DoesNotThrow(() => ArrayRef.AssertClose(op(x, axes, false), want, outShape), $"{name} over [{string.Join(",", axes)}] of {x.Shape}");
                }
        }
    }

    [Test]
    public void LongColumnSumsStayAccurate()
    {
        var x = Tensor.Full(new Shape(100_000, 3), 0.1);
        var s = Ops.ReduceSum(x, 0).ToArray<float>();
        Assert.That(s, Is.All.EqualTo(10_000f).Within(1e-5 * 10_000));
    }

    [Test]
    public void IntegerReductions()
    {
        var x = Tensor.From(new[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
        Assert.That(Ops.ReduceSum(x, 0).ToArray<int>(), Is.EqualTo(new[] { 5, 7, 9 }));
        Assert.That(Ops.ReduceMean(x, 1).ToArray<int>(), Is.EqualTo(new[] { 2, 5 }));
        Assert.That(Ops.ReduceMax(x).Item<int>(), Is.EqualTo(6));
        Assert.That(Ops.ReduceMin(x, 1, keepDims: true).ToArray<int>(), Is.EqualTo(new[] { 1, 4 }));
        Assert.That(Ops.ReduceProd(x).Item<int>(), Is.EqualTo(720));
        var l = Tensor.From(new long[] { 5, -2, 7 });
        Assert.That(Ops.ReduceMax(l).Item<long>(), Is.EqualTo(7L));
        Assert.That(Ops.ReduceMin(Tensor.Zeros(new Shape(0), DType.Int32)).Item<int>(), Is.EqualTo(int.MaxValue));
        Assert.That(Ops.ReduceMean(Tensor.Zeros(new Shape(0, 2), DType.Int64), 0).ToArray<long>(), Is.EqualTo(new long[] { 0, 0 }));
    }

    [Test]
    public void NaNPropagatesThroughMaxAndMin()
    {
        var x = Tensor.From(new[] { 1f, float.NaN, 3f, 2f }, new Shape(2, 2));
        Assert.That(float.IsNaN(Ops.ReduceMax(x).Item<float>()));
        Assert.That(Ops.ReduceMin(x, 0).ToArray<float>()[0], Is.EqualTo(1f));
        Assert.That(float.IsNaN(Ops.ReduceMin(x, 0).ToArray<float>()[1]));
    }

    [Test]
    public void AcceptanceStyleCalls()
    {
        var a = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.That(Ops.ReduceSum(a, axis: 1, keepDims: true).ToArray<float>(), Is.EqualTo(new[] { 3f, 7f }));
        Assert.That(Ops.ReduceSum(a, axis: 1, keepDims: true).Shape, Is.EqualTo(new Shape(2, 1)));
        Assert.That(Ops.ReduceMean(a).Item<float>(), Is.EqualTo(2.5f));
        Assert.That(Ops.ReduceMax(a, axis: 0).ToArray<float>(), Is.EqualTo(new[] { 3f, 4f }));
        Assert.That(Ops.ArgMax(a, axis: 1).ToArray<long>(), Is.EqualTo(new[] { 1L, 1L }));
    }

    [Test]
    public void ReductionErrorsNameOpAndShape()
    {
        var x = Tensor.Zeros(new Shape(2, 3));
        ArrayRef.Throws(() => Ops.ReduceMean(x, 2), "ReduceMean", "axis 2", "(2, 3)");
        ArrayRef.Throws(() => Ops.ReduceMax(x, -3), "ReduceMax", "axis -3");
        ArrayRef.Throws(() => Ops.ReduceMin(x, [1, -1]), "ReduceMin", "repeated");
        ArrayRef.Throws(() => Ops.ReduceProd(Tensor.Zeros(new Shape(2), DType.Bool)), "ReduceProd", "bool");
        ArrayRef.Throws(() => Ops.ReduceSum(Tensor.Scalar(1f), 0), "ReduceSum", "axis 0");
    }

    [Test]
    public void ReductionsInferUnknownDimsInAGraph()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = ArrayRef.Symbolic(g, new Shape(-1, 3, -1));
            Assert.That(Ops.ReduceMean(x, 1).Shape, Is.EqualTo(new Shape(-1, -1)));
            Assert.That(Ops.ReduceMax(x, [0, 2], keepDims: true).Shape, Is.EqualTo(new Shape(1, 3, 1)));
            Assert.That(Ops.ArgMin(x, 2).Shape, Is.EqualTo(new Shape(-1, 3)));
            Assert.That(Ops.ArgMin(x, 2).DType, Is.EqualTo(DType.Int64));
        }
    }
}
