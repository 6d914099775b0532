namespace Eager.Tests.Core;

public class ReduceArgTests
{
    private static long[] ArgRef(Tensor x, int axis, bool max)
    {
        var shape = x.Shape.ToArray();
        var xs = x.ToDoubleArray();
        var outShape = shape.Where((_, i) => i != axis).ToArray();
        return ArrayRef.Indices(outShape).Select(o =>
        {
            long best = 0; double bv = double.NaN;
            for (int k = 0; k < shape[axis]; k++)
            {
                var idx = o.ToList(); idx.Insert(axis, k);
                double v = xs[ArrayRef.Flat([.. idx], shape)];
                if (k == 0 || (max ? v > bv : v < bv)) { best = k; bv = v; }
            }
            return best;
        }).ToArray();
    }

    [TestCase(new[] { 17 }, 0)]
    [TestCase(new[] { 3, 33 }, 1)]
    [TestCase(new[] { 33, 3 }, 0)]
    [TestCase(new[] { 2, 7, 5 }, 1)]
    [TestCase(new[] { 2, 1, 5 }, 1)]
    [TestCase(new[] { 4, 0 }, 0)]
    public void ArgMaxAndArgMinMatchReference(int[] shape, int axis)
    {
        var x = ArrayRef.RandF(8, shape);
        Assert.That(Ops.ArgMax(x, axis).ToArray<long>(), Is.EqualTo(ArgRef(x, axis, true)));
        Assert.That(Ops.ArgMin(x, axis - shape.Length).ToArray<long>(), Is.EqualTo(ArgRef(x, axis, false)));
        var t = Ops.Transpose(x);
        int ta = shape.Length - 1 - axis;
        Assert.That(Ops.ArgMax(t, ta).ToArray<long>(), Is.EqualTo(ArgRef(t, ta, true)), "transposed input");
    }

    [Test]
    public void TiesPickTheFirstAndIntegersWork()
    {
        var x = Tensor.From(new[] { 3, 1, 3, 1, 2, 2 }, new Shape(2, 3));
        Assert.That(Ops.ArgMax(x, 1).ToArray<long>(), Is.EqualTo(new[] { 0L, 1L }));
        Assert.That(Ops.ArgMin(x, 1).ToArray<long>(), Is.EqualTo(new[] { 1L, 0L }));
        Assert.That(Ops.ArgMax(x, 0).ToArray<long>(), Is.EqualTo(new[] { 0L, 1L, 0L }));
        Assert.That(Ops.ArgMax(x, 1, DType.Int32).ToArray<int>(), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public void ArgErrors()
    {
        ArrayRef.Throws(() => Ops.ArgMax(Tensor.Zeros(new Shape(2, 0)), 1), "ArgMax", "empty", "(2, 0)");
        ArrayRef.Throws(() => Ops.ArgMin(Tensor.Scalar(1f)), "ArgMin", "scalar");
        ArrayRef.Throws(() => Ops.ArgMax(Tensor.Zeros(new Shape(2)), 1), "ArgMax", "axis 1");
        ArrayRef.Throws(() => Ops.ArgMax(Tensor.Zeros(new Shape(2)), 0, DType.Float32), "ArgMax", "outputType");
        ArrayRef.Throws(() => Ops.ArgMax(Tensor.Zeros(new Shape(2), DType.Bool)), "ArgMax", "bool");
    }

    [Test]
    public void ArgOpsHaveNoGradient()
    {
        Assert.That(ReductionOps.ArgMaxDef.Gradient, Is.Null);
        Assert.That(ReductionOps.ArgMinDef.Gradient, Is.Null);
    }
}
