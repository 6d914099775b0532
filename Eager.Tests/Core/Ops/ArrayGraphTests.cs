namespace Eager.Tests.Core;

/// <summary>Array and reduction ops in graphs whose shapes are only partly known: gradients built with
/// Ops.Gradients must use run-time shapes, and a Session must agree with eager execution for any batch size.</summary>
public class ArrayGraphTests
{
    /// <summary>Builds f on placeholders of <paramref name="shapes"/>, takes d sum(f * w)/d inputs symbolically,
    /// runs it for the concrete <paramref name="inputs"/>, and compares with the eager tape.</summary>
    private static void GraphGradientMatchesEager(Func<Tensor[], Tensor> f, Shape[] shapes, params Tensor[] inputs)
    {
        var w = TestTensors.Randn(42, f(inputs).Shape.ToArray());
        Tensor?[] eager;
        using (var tape = new GradientTape())
        {
            foreach (var x in inputs) tape.Watch(x);
            eager = tape.Gradient(Ops.ReduceSum(f(inputs) * w), inputs);
        }
        var g = new Graph();
        using (g.AsDefault())
        {
            var ph = shapes.Select((s, i) => Ops.Placeholder(DType.Float64, s, name: $"x{i}")).ToArray();
            var wp = Ops.Placeholder(DType.Float64, Shape.Wrap(Enumerable.Repeat(-1, w.Rank).ToArray()), name: "w");
            var y = f(ph);
            var grads = Ops.Gradients(Ops.ReduceSum(y * wp), ph);
            using var sess = new Session(g);
            var feeds = new FeedDict { { wp, w } };
            for (int i = 0; i < ph.Length; i++) feeds.Add(ph[i], inputs[i]);
            var got = sess.Run(grads.Select(t => t!).ToArray(), feeds);
            for (int i = 0; i < inputs.Length; i++)
                ArrayRef.AssertClose(got[i], eager[i]!.ToArray<double>(), inputs[i].Shape.ToArray(), 1e-12);
        }
    }

    [TestCase(2, 5)]
    [TestCase(4, 1)]
    public void ConcatOfTwoUnknownBatchesSplitsByRunTimeSizes(int n0, int n1) =>
        GraphGradientMatchesEager(x => Ops.Concat(x, 0) * Ops.Concat(x, 0), [new(-1, 3), new(-1, 3)], TestTensors.Randn(1, n0, 3), TestTensors.Randn(2, n1, 3));

    [Test]
    public void TileOfAFullyUnknownShape() =>
        GraphGradientMatchesEager(x => Ops.Tile(x[0], 2, 3), [new(-1, -1)], TestTensors.Randn(3, 2, 3));

    [Test]
    public void SlicePadAndStridedSliceWithUnknownBatch() =>
        GraphGradientMatchesEager(x => Ops.Pad(x[0][1.., ..^1], new[,] { { 1, 2 }, { 0, 1 } }) + Ops.Pad(Ops.Slice(x[0], [0, 1], [-1, -1]), new[,] { { 0, 2 }, { 0, 1 } }, "SYMMETRIC"),
            [new(-1, 3)], TestTensors.Randn(4, 4, 3));

    [Test]
    public void ReductionsWithUnknownCounts() =>
        GraphGradientMatchesEager(x => Ops.ReduceMean(x[0], 0) * Ops.ReduceMax(x[0], 0) + Ops.ReduceProd(x[0], 0) + Ops.Moments(x[0], 0).Variance,
            [new(-1, -1)], TestTensors.Randn(5, 5, 4));

    [Test]
    public void GatherTransposeAndStackWithUnknownShapes() =>
        GraphGradientMatchesEager(x => Ops.Stack([Ops.Gather(Ops.Transpose(x[0]), Tensor.From(new[] { 1, 1, 0 }), 1), Ops.Squeeze(Ops.ExpandDims(x[1], 0), 0)], 2),
            [new(-1, 2), new(2, -1)], TestTensors.Randn(6, 3, 2), TestTensors.Randn(7, 2, 3));

    [Test]
    public void SplitLikeAndTileGradOps()
    {
        var x = TestTensors.Randn(8, 2, 5);
        var parts = ArrayOps.SplitLike(x, [Tensor.Zeros(new Shape(2, 2)), Tensor.Zeros(new Shape(2, 3))], 1);
        Assert.That(parts[1].ToArray<double>(), Is.EqualTo(Ops.Slice(x, [0, 2], [2, 3]).ToArray<double>()));
        ArrayRef.Throws(() => ArrayOps.SplitLike(x, [Tensor.Zeros(new Shape(2, 2))], 1), "SplitLike", "add up to 2", "(2, 5)");
        var t = ArrayOps.TileGrad(Tensor.Ones(new Shape(4, 3), DType.Float64), Tensor.Zeros(new Shape(2, 1), DType.Float64), [2, 3]);
        Assert.That(t.ToArray<double>(), Is.EqualTo(new[] { 6.0, 6.0 }));
        ArrayRef.Throws(() => ArrayOps.TileGrad(Tensor.Ones(new Shape(4, 2), DType.Float64), Tensor.Zeros(new Shape(2, 1), DType.Float64), [2, 3]), "TileGrad", "(4, 2)", "(4, 3)");
    }
}
