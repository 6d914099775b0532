namespace Eager.Tests.Core;

public class ArraySliceTests
{
    /// <summary>CPython's slice.indices: the independent oracle for slice bounds.</summary>
    private static int[] PySlice(int? start, int? stop, int step, int dim)
    {
        int lower = step < 0 ? -1 : 0, upper = step < 0 ? dim - 1 : dim;
        int Clamp(int? v, int dflt)
        {
            if (v is null) return dflt;
            int x = v.Value < 0 ? v.Value + dim : v.Value;
            return x < lower ? lower : x > upper ? upper : x;
        }
        int s = Clamp(start, step < 0 ? upper : lower), e = Clamp(stop, step < 0 ? lower : upper);
        var list = new List<int>();
        for (int i = s; step > 0 ? i < e : i > e; i += step) list.Add(i);
        return [.. list];
    }

    /// <summary>Reference: picks index lists per axis (null entry = the axis was indexed by an integer and removed).</summary>
    private static (double[] Values, int[] Shape) Take(Tensor x, int[][] picks, bool[] removed)
    {
        var shape = x.Shape.ToArray();
        var xs = x.ToDoubleArray();
        var full = picks.Select(p => p.Length).ToArray();
        var values = ArrayRef.Indices(full).Select(o => xs[ArrayRef.Flat(o.Select((v, i) => picks[i][v]).ToArray(), shape)]).ToArray();
        return (values, full.Where((_, i) => !removed[i]).ToArray());
    }

    [TestCase(1, 3, 1)]
    [TestCase(null, null, 1)]
    [TestCase(-3, null, 1)]
    [TestCase(null, -1, 2)]
    [TestCase(5, 1, -2)]
    [TestCase(null, null, -1)]
    [TestCase(-1, -8, -3)]
    [TestCase(4, 2, 1)]
    [TestCase(100, -100, -1)]
    [TestCase(-100, 100, 3)]
    public void StridedSliceMatchesPythonSlicing(int? start, int? stop, int step)
    {
        const int dim = 7;
        var x = ArrayRef.RandF(1, 3, dim);
        var picks = PySlice(start, stop, step, dim);
        var r = Ops.StridedSlice(x, [0, start ?? 0], [0, stop ?? 0], [1, step],
            beginMask: 1 | (start is null ? 2 : 0), endMask: 1 | (stop is null ? 2 : 0));
        var (want, shape) = Take(x, [[0, 1, 2], picks], [false, false]);
        ArrayRef.AssertClose(r, want, shape);
        if (step > 0 && picks.Length > 0) Assert.That(r.Storage, Is.SameAs(x.Storage), "positive steps give a view");
        // The indexer gives the same answer.
        var viaIndexer = x[TensorIndex.Ellipsis, TensorIndex.Slice(start, stop, step)];
        Assert.That(viaIndexer.ToArray<float>(), Is.EqualTo(r.ToArray<float>()));
    }

    [Test]
    public void ShrinkNewAxisAndEllipsis()
    {
        var x = ArrayRef.RandF(2, 4, 3, 5);
        // x[1, ..., newaxis, 2:] == x[1, :, 2:][:, newaxis, :]? No: newaxis after the ellipsis and before the last axis.
        var r = Ops.StridedSlice(x, [1, 0, 0, 2], [2, 0, 0, 0], [1, 1, 1, 1], endMask: 0b1000, ellipsisMask: 0b10, newAxisMask: 0b100, shrinkAxisMask: 0b1);
        var (want, _) = Take(x, [[1], [0, 1, 2], [2, 3, 4]], [true, false, false]);
        ArrayRef.AssertClose(r, want, [3, 1, 3]);
        // A trailing ellipsis is implied; a leading new axis.
        var lead = Ops.StridedSlice(x, [0, -1], [0, 0], [1, 1], newAxisMask: 1, shrinkAxisMask: 2);
        var (want2, _) = Take(x, [[3], [0, 1, 2], [0, 1, 2, 3, 4]], [true, false, false]);
        ArrayRef.AssertClose(lead, want2, [1, 3, 5]);
        // Ellipsis that covers nothing, and an ellipsis bit that also has the new-axis bit (ellipsis wins).
        Assert.That(Ops.StridedSlice(x, [0, 0, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1], ellipsisMask: 0b1000, shrinkAxisMask: 0b111).Shape, Is.EqualTo(Shape.Scalar));
        Assert.That(Ops.StridedSlice(x, [0], [0], [1], ellipsisMask: 1, newAxisMask: 1).Shape, Is.EqualTo(new Shape(4, 3, 5)));
    }

    [Test]
    public void IndexerForms()
    {
        var x = ArrayRef.RandF(3, 4, 5);
        var xs = x.ToArray<float>();
        Assert.That(x[1].ToArray<float>(), Is.EqualTo(xs[5..10]));
        Assert.That(x[-1].ToArray<float>(), Is.EqualTo(xs[15..]));
        Assert.That(x[^1].ToArray<float>(), Is.EqualTo(xs[15..]));
        Assert.That(x[1..3].ToArray<float>(), Is.EqualTo(xs[5..15]));
        Assert.That(x[2, 3].Shape, Is.EqualTo(Shape.Scalar));
        Assert.That(x[2, 3].Item<float>(), Is.EqualTo(xs[13]));
        Assert.That(x[.., 2].ToArray<float>(), Is.EqualTo(new[] { xs[2], xs[7], xs[12], xs[17] }));
        Assert.That(x[1..3, ^1].ToArray<float>(), Is.EqualTo(new[] { xs[9], xs[14] }));
        Assert.That(x[^2.., ..^3].ToArray<float>(), Is.EqualTo(new[] { xs[10], xs[11], xs[15], xs[16] }));
        Assert.That(x[^0..].Shape, Is.EqualTo(new Shape(0, 5)));
        Assert.That(x[TensorIndex.NewAxis, .., 0].Shape, Is.EqualTo(new Shape(1, 4)));
        Assert.That(x[TensorIndex.Slice(step: -1)].ToArray<float>(), Is.EqualTo(xs[15..].Concat(xs[10..15]).Concat(xs[5..10]).Concat(xs[..5]).ToArray()));
        // On a transposed view.
        var t = Ops.Transpose(x);
        Assert.That(t[1].ToArray<float>(), Is.EqualTo(new[] { xs[1], xs[6], xs[11], xs[16] }));
    }

    [Test]
    public void IndexerErrors()
    {
        var x = Tensor.Zeros(new Shape(3, 4));
        ArrayRef.Throws(() => _ = x[3], "StridedSlice", "index 3", "size 3", "(3, 4)");
        ArrayRef.Throws(() => _ = x[-4], "StridedSlice", "index -4");
        ArrayRef.Throws(() => _ = x[0, 0, 0], "StridedSlice", "rank 2");
        ArrayRef.Throws(() => _ = x[TensorIndex.Ellipsis, 0, TensorIndex.Ellipsis], "Ellipsis");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = x[^0]);
        Assert.Throws<ArgumentException>(() => TensorIndex.Slice(step: 0));
        ArrayRef.Throws(() => Ops.StridedSlice(x, [0, 0], [1, 1], [1, 0]), "StridedSlice", "stride", "axis 1");
        ArrayRef.Throws(() => Ops.StridedSlice(x, [0], [1, 1]), "StridedSlice", "same length");
        ArrayRef.Throws(() => Ops.StridedSlice(x, [0], [1], [1], ellipsisMask: 3), "StridedSlice", "one bit");
        ArrayRef.Throws(() => Ops.StridedSlice(x, [1], [2], [-1], shrinkAxisMask: 1), "StridedSlice", "positive stride");
    }

    [Test]
    public void SliceTakesABlock()
    {
        var x = ArrayRef.RandF(4, 4, 6);
        var r = Ops.Slice(x, [1, 2], [2, -1]);
        var (want, shape) = Take(x, [[1, 2], [2, 3, 4, 5]], [false, false]);
        ArrayRef.AssertClose(r, want, shape);
        Assert.That(r.Storage, Is.SameAs(x.Storage));
        Assert.That(Ops.Slice(x, [4, 0], [0, 6]).Shape, Is.EqualTo(new Shape(0, 6)));
        var t = Ops.Transpose(x);
        Assert.That(Ops.Slice(t, [1, 0], [1, 2]).ToArray<float>(), Is.EqualTo(new[] { x.ToArray<float>()[1], x.ToArray<float>()[7] }));
        ArrayRef.Throws(() => Ops.Slice(x, [1], [1]), "Slice", "one entry per axis", "(4, 6)");
        ArrayRef.Throws(() => Ops.Slice(x, [3, 0], [2, 1]), "Slice", "size 2", "axis 0", "size 4");
        ArrayRef.Throws(() => Ops.Slice(x, [-1, 0], [1, 1]), "Slice", "begin -1");
        ArrayRef.Throws(() => Ops.Slice(x, [0, 0], [1, -2]), "Slice", "size -2");
    }

    [Test]
    public void StridedSliceGradScattersIntoZeros()
    {
        var x = TestTensors.Randn(5, 4, 5);
        var dy = TestTensors.Randn(6, 2, 3);
        var g = ArrayOps.StridedSliceGrad(dy, x, [3, 0], [0, 5], [-2, 2]);
        var want = new double[20];
        var d = dy.ToArray<double>();
        int[] rows = [3, 1], cols = [0, 2, 4];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) want[rows[i] * 5 + cols[j]] = d[i * 3 + j];
        ArrayRef.AssertClose(g, want, [4, 5]);
        ArrayRef.Throws(() => ArrayOps.StridedSliceGrad(Tensor.Zeros(new Shape(2, 2), DType.Float64), x, [3, 0], [0, 5], [-2, 2]), "StridedSliceGrad", "(2, 2)", "(2, 3)");
    }

    [Test]
    public void SlicesInferUnknownDimsInAGraph()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = ArrayRef.Symbolic(g, new Shape(-1, 6));
            Assert.That(x[0].Shape, Is.EqualTo(new Shape(6)));
            Assert.That(x[.., 1..3].Shape, Is.EqualTo(new Shape(-1, 2)));
            Assert.That(x[1..3, TensorIndex.NewAxis].Shape, Is.EqualTo(new Shape(-1, 1, 6)));
            Assert.That(Ops.Slice(x, [1, 2], [-1, 3]).Shape, Is.EqualTo(new Shape(-1, 3)));
            Assert.That(Ops.Slice(x, [1, 2], [4, -1]).Shape, Is.EqualTo(new Shape(4, 4)));
            ArrayRef.Throws(() => _ = x[.., 6], "StridedSlice", "index 6");
        }
    }
}
