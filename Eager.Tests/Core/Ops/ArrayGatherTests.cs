namespace Eager.Tests.Core;

public class ArrayGatherTests
{
    private static double[] GatherRef(Tensor p, long[] idx, int[] idxShape, int axis, out int[] outShape)
    {
        var ps = p.Shape.ToArray();
        var xs = p.ToDoubleArray();
        outShape = [.. ps[..axis], .. idxShape, .. ps[(axis + 1)..]];
        int ir = idxShape.Length;
        return ArrayRef.Indices(outShape).Select(o =>
        {
            var pi = o[..axis].Concat([(int)idx[ArrayRef.Flat(o[axis..(axis + ir)], idxShape)]]).Concat(o[(axis + ir)..]).ToArray();
            return xs[ArrayRef.Flat(pi, ps)];
        }).ToArray();
    }

    [TestCase(new[] { 5 }, new[] { 3 }, 0)]
    [TestCase(new[] { 4, 3 }, new[] { 2, 2 }, 0)]
    [TestCase(new[] { 4, 7 }, new[] { 5 }, 1)]
    [TestCase(new[] { 2, 3, 4 }, new[] { 3 }, -2)]
    [TestCase(new[] { 3, 2 }, new int[0], 0)]
    [TestCase(new[] { 3, 2 }, new[] { 0 }, 1)]
    public void GatherMatchesReference(int[] shape, int[] idxShape, int axis)
    {
        var p = ArrayRef.RandF(1, shape);
        int ax = axis < 0 ? axis + shape.Length : axis;
        var rng = new Random(5);
        var idx = Enumerable.Range(0, idxShape.Aggregate(1, (a, b) => a * b)).Select(_ => (long)rng.Next(shape[ax])).ToArray();
        var want = GatherRef(p, idx, idxShape, ax, out var outShape);
        ArrayRef.AssertClose(Ops.Gather(p, Tensor.From(idx, new Shape(idxShape)), axis), want, outShape);
        var idx32 = Tensor.From(idx.Select(i => (int)i).ToArray(), new Shape(idxShape));
        ArrayRef.AssertClose(Ops.Gather(Ops.Transpose(Ops.Transpose(p)), idx32, axis), want, outShape);
    }

    [Test]
    public void GatherOfIntegersAndBools()
    {
        var p = Tensor.From(new[] { 10, 20, 30 });
        Assert.That(Ops.Gather(p, Tensor.From(new[] { 2, 2, 0 })).ToArray<int>(), Is.EqualTo(new[] { 30, 30, 10 }));
        var b = Tensor.From(new[] { true, false });
        Assert.That(Ops.Gather(b, Tensor.From(new[] { 1, 0 })).ToArray<bool>(), Is.EqualTo(new[] { false, true }));
    }

    [Test]
    public void GatherErrors()
    {
        var p = Tensor.Zeros(new Shape(5, 3));
        ArrayRef.Throws(() => Ops.Gather(p, Tensor.From(new[] { 1, 5 })), "Gather", "index 5", "(5, 3)", "0 to 4");
        ArrayRef.Throws(() => Ops.Gather(p, Tensor.From(new[] { -1 })), "Gather", "index -1");
        ArrayRef.Throws(() => Ops.Gather(p, Tensor.From(new[] { 1f })), "Gather", "int32 or int64", "float32");
        ArrayRef.Throws(() => Ops.Gather(p, Tensor.From(new[] { 0 }), 2), "Gather", "axis 2");
        ArrayRef.Throws(() => Ops.Gather(Tensor.Scalar(1f), Tensor.From(new[] { 0 })), "Gather", "scalar");
    }

    [Test]
    public void GatherGradientAccumulatesRepeatedIndices()
    {
        var idx = Tensor.From(new[] { 2, 0, 2, 2 });
        GradCheck.Check(x => Ops.Gather(x[0], idx, 1), TestTensors.Randn(2, 3, 4));
        var p = TestTensors.Randn(3, 3);
        using var tape = new GradientTape();
        tape.Watch(p);
        var g = tape.Gradient(Ops.ReduceSum(Ops.Gather(p, idx)), p)!;
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 1.0, 0.0, 3.0 }));
    }

    [Test]
    public void SecondOrderThroughGatherGrad()
    {
        var idx = Tensor.From(new long[] { 1, 1, 0 });
        GradCheck.Check(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            var y = Ops.Gather(x[0], idx);
            return inner.Gradient(Ops.ReduceSum(y * y * y), x[0])!;
        }, TestTensors.Randn(4, 2));
    }

    [Test]
    public void GatherInfersUnknownDims()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var p = ArrayRef.Symbolic(g, new Shape(-1, 4));
            var i = ArrayRef.Symbolic(g, new Shape(-1), DType.Int64);
            Assert.That(Ops.Gather(p, i, 1).Shape, Is.EqualTo(new Shape(-1, -1)));
            Assert.That(Ops.OneHot(i, 5).Shape, Is.EqualTo(new Shape(-1, 5)));
        }
    }

    [Test]
    public void OneHotFollowsTensorFlow()
    {
        var idx = Tensor.From(new[] { 0, 2, -1, 3 });
        Assert.That(Ops.OneHot(idx, 3).ToArray<float>(), Is.EqualTo(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }));
        var t = Ops.OneHot(idx, 3, onValue: 5, offValue: -1, axis: 0, dtype: DType.Int64);
        Assert.That(t.Shape, Is.EqualTo(new Shape(3, 4)));
        Assert.That(t.ToArray<long>(), Is.EqualTo(new long[] { 5, -1, -1, -1, -1, -1, -1, -1, -1, 5, -1, -1 }));
        var m = Ops.OneHot(Tensor.From(new long[] { 1, 0, 1, 1 }, new Shape(2, 2)), 2, axis: 1, dtype: DType.Float64);
        Assert.That(m.Shape, Is.EqualTo(new Shape(2, 2, 2)));
        // m[a, k, b] = idx[a, b] == k
        Assert.That(m.ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 1, 0, 0, 0, 1, 1 }));
        Assert.That(Ops.OneHot(Tensor.Zeros(new Shape(0), DType.Int32), 4).Shape, Is.EqualTo(new Shape(0, 4)));
        Assert.That(Ops.OneHot(Tensor.Scalar(1), 2, dtype: DType.Bool).ToArray<bool>(), Is.EqualTo(new[] { false, true }));
        ArrayRef.Throws(() => Ops.OneHot(Tensor.From(new[] { 1f }), 2), "OneHot", "float32");
        ArrayRef.Throws(() => Ops.OneHot(idx, -1), "OneHot", "depth");
        ArrayRef.Throws(() => Ops.OneHot(idx, 3, axis: 2), "OneHot", "axis 2", "(4,)");
    }
}
