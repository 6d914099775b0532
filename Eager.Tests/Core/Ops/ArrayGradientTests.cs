namespace Eager.Tests.Core;

/// <summary>Helpers shared by the array and reduction tests: random inputs and reference indexing.</summary>
internal static class ArrayRef
{
    public static Tensor RandF(int seed, params int[] shape) => Tensor.RandomNormal(new Shape(shape), seed: seed);

    /// <summary>A symbolic graph tensor of the given (possibly partly unknown) shape, for shape-inference tests.</summary>
    public static Tensor Symbolic(Graph g, Shape shape, DType dtype = DType.Float32) =>
        g.AddNode(Eager.StateOps.IdentityDef, [Tensor.Scalar(0.0)], Attrs.Empty, "x", [new TensorSpec(shape, dtype)]).Outputs[0];

    /// <summary>Asserts that <paramref name="call"/> throws an ArgumentException whose message contains every fragment.</summary>
    public static void Throws(TestDelegate call, params string[] fragments)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), call)!;
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
    }

    /// <summary>Row-major strides of a shape.</summary>
    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>All multi-indices of a shape in row-major order.</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int total = shape.Aggregate(1, (a, b) => a * b);
        var idx = new int[shape.Length];
        for (int n = 0; n < total; n++)
        {
            yield return (int[])idx.Clone();
            for (int ax = shape.Length - 1; ax >= 0; ax--)
            {
                if (++idx[ax] < shape[ax]) break;
                idx[ax] = 0;
            }
        }
    }

    public static int Flat(int[] idx, int[] shape)
    {
        int f = 0;
        for (int i = 0; i < idx.Length; i++) f = f * shape[i] + idx[i];
        return f;
    }

    public static void AssertClose(Tensor got, double[] want, int[] shape, double tol = 1e-5)
    {
        Assert.That(got.Shape.ToArray(), Is.EqualTo(shape), "shape");
        var g = got.ToDoubleArray();
        Assert.That(g, Has.Length.EqualTo(want.Length));
        for (int i = 0; i < g.Length; i++)
        {
            if (double.IsNaN(want[i])) { Assert.That(double.IsNaN(g[i]), $"element {i}: expected NaN, got {g[i]}"); continue; }
            if (double.IsInfinity(want[i])) { Assert.That(g[i], Is.EqualTo(want[i]), $"element {i}"); continue; }
            Assert.That(g[i], Is.EqualTo(want[i]).Within(tol * (1 + Math.Abs(want[i]))), $"element {i}");
        }
    }
}

public class ArrayGradientTests
{
    [Test]
    public void TransposeGradient() => GradCheck.Check(x => Ops.Transpose(x[0], [1, 2, 0]), TestTensors.Randn(1, 2, 3, 4));

    [Test]
    public void SqueezeAndBroadcastToGradients()
    {
        GradCheck.Check(x => Ops.Squeeze(x[0]), TestTensors.Randn(2, 1, 3, 1));
        GradCheck.Check(x => Ops.BroadcastTo(x[0], new Shape(2, 3, 4)), TestTensors.Randn(3, 3, 1));
    }

    [Test]
    public void TileGradientSumsTheCopies() => GradCheck.Check(x => Ops.Tile(x[0], 2, 1, 3), TestTensors.Randn(4, 2, 3, 1));

    [Test]
    public void ConcatStackSplitUnstackGradients()
    {
        GradCheck.Check(x => Ops.Concat(x, axis: -1), TestTensors.Randn(5, 2, 3), TestTensors.Randn(6, 2, 1), TestTensors.Randn(7, 2, 4));
        GradCheck.Check(x => Ops.Stack(x, axis: 2), TestTensors.Randn(8, 2, 3), TestTensors.Randn(9, 2, 3));
        GradCheck.Check(x => Ops.Split(x[0], [2, -1], axis: 1)[1] * 3.0, TestTensors.Randn(10, 3, 5));
        GradCheck.Check(x => Ops.Unstack(x[0], axis: 1)[0], TestTensors.Randn(11, 3, 2, 2));
    }

    [Test]
    public void UsingSeveralSplitOutputsAddsTheirGradients()
    {
        GradCheck.Check(x =>
        {
            var parts = Ops.Split(x[0], 3, axis: 0);
            return parts[0] * parts[2] + parts[1];
        }, TestTensors.Randn(12, 6, 2));
    }

    [Test]
    public void SliceAndStridedSliceGradients()
    {
        GradCheck.Check(x => Ops.Slice(x[0], [1, 0], [2, -1]), TestTensors.Randn(13, 4, 3));
        GradCheck.Check(x => Ops.StridedSlice(x[0], [-1, 0], [0, 3], [-2, 2], endMask: 1), TestTensors.Randn(14, 5, 3));
        GradCheck.Check(x => x[0][1, TensorIndex.Ellipsis, TensorIndex.NewAxis, ..^1], TestTensors.Randn(15, 3, 2, 4));
    }

    [Test]
    public void SecondOrderThroughSliceGradient()
    {
        // d/dx of (d/dx sum(slice(x)^2 * w)) exercises StridedSliceGrad's own gradient.
        GradCheck.Check(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            var s = Ops.Slice(x[0], [1], [3]);
            var g = inner.Gradient(Ops.ReduceSum(s * s * s), x[0])!;
            return g;
        }, TestTensors.Randn(16, 5));
    }
}
