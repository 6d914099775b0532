namespace Eager.Tests.Core;

public class ArrayShapeTests
{
    private static double[] PermuteRef(double[] x, int[] shape, int[] perm)
    {
        var outShape = perm.Select(p => shape[p]).ToArray();
        var result = new double[x.Length];
        foreach (var o in ArrayRef.Indices(outShape))
        {
            var i = new int[shape.Length];
            for (int k = 0; k < perm.Length; k++) i[perm[k]] = o[k];
            result[ArrayRef.Flat(o, outShape)] = x[ArrayRef.Flat(i, shape)];
        }
        return result;
    }

    [TestCase(new[] { 2, 3, 4 }, new[] { 2, 0, 1 })]
    [TestCase(new[] { 7, 17 }, new[] { 1, 0 })]
    [TestCase(new[] { 1, 5, 1, 3 }, new[] { 3, 1, 0, 2 })]
    [TestCase(new[] { 0, 3 }, new[] { 1, 0 })]
    [TestCase(new int[0], new int[0])]
    public void TransposeMatchesReferenceAndSharesStorage(int[] shape, int[] perm)
    {
        var x = ArrayRef.RandF(1, shape);
        var t = Ops.Transpose(x, perm);
        ArrayRef.AssertClose(t, PermuteRef(x.ToDoubleArray(), shape, perm), perm.Select(p => shape[p]).ToArray());
        Assert.That(t.Storage, Is.SameAs(x.Storage));
    }

    [Test]
    public void TransposeDefaultReversesAxesAndNegativePermEntriesWork()
    {
        var x = ArrayRef.RandF(2, 2, 3, 4);
        Assert.That(Ops.Transpose(x).Shape, Is.EqualTo(new Shape(4, 3, 2)));
        Assert.That(Ops.Transpose(x, [-1, 0, 1]).ToArray<float>(), Is.EqualTo(Ops.Transpose(x, [2, 0, 1]).ToArray<float>()));
        var back = Ops.Transpose(Ops.Transpose(x, [1, 2, 0]), [2, 0, 1]);
        Assert.That(back.ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
    }

    [Test]
    public void TransposeRejectsBadPerms()
    {
        var x = Tensor.Zeros(new Shape(2, 3));
        ArrayRef.Throws(() => Ops.Transpose(x, [0]), "Transpose", "(2, 3)", "rank 2");
        ArrayRef.Throws(() => Ops.Transpose(x, [0, 0]), "Transpose", "(0, 0)", "permutation");
        ArrayRef.Throws(() => Ops.Transpose(x, [0, 2]), "Transpose", "(0, 2)");
    }

    [Test]
    public void SqueezeRemovesSizeOneAxes()
    {
        var x = ArrayRef.RandF(3, 1, 2, 1, 3, 1);
        var all = Ops.Squeeze(x);
        Assert.That(all.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(all.ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
        Assert.That(all.Storage, Is.SameAs(x.Storage));
        Assert.That(Ops.Squeeze(x, -1).Shape, Is.EqualTo(new Shape(1, 2, 1, 3)));
        Assert.That(Ops.Squeeze(x, [0, 2]).Shape, Is.EqualTo(new Shape(2, 3, 1)));
        Assert.That(Ops.Squeeze(Tensor.Zeros(new Shape(1, 1))).Shape, Is.EqualTo(Shape.Scalar));
        // A transposed (non-contiguous) input keeps its element order.
        var t = Ops.Transpose(ArrayRef.RandF(4, 3, 1, 2), [2, 1, 0]);
        Assert.That(Ops.Squeeze(t).ToArray<float>(), Is.EqualTo(t.ToArray<float>()));
    }

    [Test]
    public void SqueezeRejectsBadAxes()
    {
        var x = Tensor.Zeros(new Shape(1, 2));
        ArrayRef.Throws(() => Ops.Squeeze(x, 1), "Squeeze", "(1, 2)", "size 2");
        ArrayRef.Throws(() => Ops.Squeeze(x, 2), "Squeeze", "(1, 2)", "axis 2");
        ArrayRef.Throws(() => Ops.Squeeze(x, [0, -2]), "Squeeze", "repeated");
    }

    [Test]
    public void SqueezeInAGraphKeepsUnknownDims()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = ArrayRef.Symbolic(g, new Shape(-1, 1, 3));
            Assert.That(Ops.Squeeze(x).Shape, Is.EqualTo(new Shape(-1, 3)));
            Assert.That(Ops.Squeeze(x, 0).Shape, Is.EqualTo(new Shape(1, 3)));
            Assert.That(Ops.Transpose(x).Shape, Is.EqualTo(new Shape(3, 1, -1)));
            Assert.That(Ops.Tile(x, 2, 2, 1).Shape, Is.EqualTo(new Shape(-1, 2, 3)));
        }
    }

    [Test]
    public void BroadcastToIsAZeroStrideView()
    {
        var x = ArrayRef.RandF(5, 3, 1);
        var b = Ops.BroadcastTo(x, new Shape(2, 3, 4));
        var xs = x.ToArray<float>();
        var want = ArrayRef.Indices([2, 3, 4]).Select(i => (double)xs[i[1]]).ToArray();
        ArrayRef.AssertClose(b, want, [2, 3, 4]);
        Assert.That(b.Storage, Is.SameAs(x.Storage));
        Assert.That(Ops.BroadcastTo(Tensor.Scalar(2f), new Shape(0, 3)).Shape, Is.EqualTo(new Shape(0, 3)));
        ArrayRef.Throws(() => Ops.BroadcastTo(x, new Shape(2, 4)), "BroadcastTo", "(3, 1)", "(2, 4)");
        ArrayRef.Throws(() => Ops.BroadcastTo(x, new Shape(3)), "BroadcastTo", "(3, 1)");
        ArrayRef.Throws(() => Ops.BroadcastTo(x, new Shape(-1, 3, 1)), "BroadcastTo", "BroadcastLike");
    }

    [TestCase(new[] { 2, 3 }, new[] { 2, 3 })]
    [TestCase(new[] { 3 }, new[] { 5 })]
    [TestCase(new[] { 1, 7, 2 }, new[] { 3, 1, 2 })]
    [TestCase(new[] { 2, 2 }, new[] { 0, 2 })]
    public void TileMatchesReference(int[] shape, int[] multiples)
    {
        var x = ArrayRef.RandF(6, shape);
        var t = Ops.Tile(x, multiples);
        var outShape = shape.Zip(multiples, (a, b) => a * b).ToArray();
        var xs = x.ToDoubleArray();
        var want = ArrayRef.Indices(outShape).Select(o => xs[ArrayRef.Flat(o.Select((v, i) => v % shape[i]).ToArray(), shape)]).ToArray();
        ArrayRef.AssertClose(t, want, outShape);
    }

    [Test]
    public void TileOfATransposedViewAndErrors()
    {
        var x = ArrayRef.RandF(7, 2, 3);
        var t = Ops.Transpose(x);
        Assert.That(Ops.Tile(t, 2, 1).ToArray<float>(), Is.EqualTo(Ops.Tile(t.Contiguous(), 2, 1).ToArray<float>()));
        ArrayRef.Throws(() => Ops.Tile(x, 2), "Tile", "(2, 3)", "rank 2");
        ArrayRef.Throws(() => Ops.Tile(x, 2, -1), "Tile", "negative");
    }
}
