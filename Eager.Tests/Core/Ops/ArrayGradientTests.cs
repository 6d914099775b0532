namespace Eager.Tests.Core;

/// <summary>Float64 helpers shared by the array and reduction tests: random inputs, reference indexing, and a
/// gradient check of the tape against central finite differences.</summary>
internal static class ArrayRef
{
    public static Tensor Rand(int seed, params int[] shape) => Tensor.RandomNormal(new Shape(shape), seed: seed, dtype: DType.Float64);

    public static Tensor RandF(int seed, params int[] shape) => Tensor.RandomNormal(new Shape(shape), seed: seed);

    /// <summary>A symbolic graph tensor of the given (possibly partly unknown) shape, for shape-inference tests.</summary>
    public static Tensor Symbolic(Graph g, Shape shape, DType dtype = DType.Float32) =>
        g.AddNode(Eager.Ops.IdentityDef, [Tensor.Scalar(0.0)], Attrs.Empty, "x", [new TensorSpec(shape, dtype)]).Outputs[0];

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

    /// <summary>Checks d sum(f(x) * w) / dx from the tape against central differences, for every input
    /// (float64 tensors) and a fixed random weighting w of the output.</summary>
    public static void GradCheck(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var y0 = f(inputs);
        var w = Rand(99, y0.Shape.ToArray());
        double Loss(Tensor[] xs)
        {
            var y = f(xs).ToDoubleArray(); var wd = w.ToDoubleArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * wd[i];
            return s;
        }
        Tensor?[] grads;
        using (var tape = new GradientTape())
        {
            foreach (var x in inputs) tape.Watch(x);
            var loss = Ops.ReduceSum(f(inputs) * w);
            grads = tape.Gradient(loss, inputs);
        }
        const double h = 1e-6;
        for (int i = 0; i < inputs.Length; i++)
        {
            var shape = inputs[i].Shape;
            var baseVals = inputs[i].ToArray<double>();
            var numeric = new double[baseVals.Length];
            for (int j = 0; j < baseVals.Length; j++)
            {
                var plus = (double[])baseVals.Clone(); plus[j] += h;
                var minus = (double[])baseVals.Clone(); minus[j] -= h;
                var xp = (Tensor[])inputs.Clone(); xp[i] = Tensor.From(plus, shape);
                var xm = (Tensor[])inputs.Clone(); xm[i] = Tensor.From(minus, shape);
                numeric[j] = (Loss(xp) - Loss(xm)) / (2 * h);
            }
            var analytic = grads[i]?.ToArray<double>() ?? new double[baseVals.Length];
            Assert.That(grads[i]?.Shape ?? shape, Is.EqualTo(shape), $"gradient shape of input {i}");
            for (int j = 0; j < numeric.Length; j++)
                Assert.That(analytic[j], Is.EqualTo(numeric[j]).Within(1e-6 * (1 + Math.Abs(numeric[j]))), $"d/d input {i}[{j}]");
        }
    }
}

public class ArrayGradientTests
{
    [Test]
    public void TransposeGradient() => ArrayRef.GradCheck(x => Ops.Transpose(x[0], [1, 2, 0]), ArrayRef.Rand(1, 2, 3, 4));

    [Test]
    public void SqueezeAndBroadcastToGradients()
    {
        ArrayRef.GradCheck(x => Ops.Squeeze(x[0]), ArrayRef.Rand(2, 1, 3, 1));
        ArrayRef.GradCheck(x => Ops.BroadcastTo(x[0], new Shape(2, 3, 4)), ArrayRef.Rand(3, 3, 1));
    }

    [Test]
    public void TileGradientSumsTheCopies() => ArrayRef.GradCheck(x => Ops.Tile(x[0], 2, 1, 3), ArrayRef.Rand(4, 2, 3, 1));

    [Test]
    public void ConcatStackSplitUnstackGradients()
    {
        ArrayRef.GradCheck(x => Ops.Concat(x, axis: -1), ArrayRef.Rand(5, 2, 3), ArrayRef.Rand(6, 2, 1), ArrayRef.Rand(7, 2, 4));
        ArrayRef.GradCheck(x => Ops.Stack(x, axis: 2), ArrayRef.Rand(8, 2, 3), ArrayRef.Rand(9, 2, 3));
        ArrayRef.GradCheck(x => Ops.Split(x[0], [2, -1], axis: 1)[1] * 3.0, ArrayRef.Rand(10, 3, 5));
        ArrayRef.GradCheck(x => Ops.Unstack(x[0], axis: 1)[0], ArrayRef.Rand(11, 3, 2, 2));
    }

    [Test]
    public void UsingSeveralSplitOutputsAddsTheirGradients()
    {
        ArrayRef.GradCheck(x =>
        {
            var parts = Ops.Split(x[0], 3, axis: 0);
            return parts[0] * parts[2] + parts[1];
        }, ArrayRef.Rand(12, 6, 2));
    }

    [Test]
    public void SliceAndStridedSliceGradients()
    {
        ArrayRef.GradCheck(x => Ops.Slice(x[0], [1, 0], [2, -1]), ArrayRef.Rand(13, 4, 3));
        ArrayRef.GradCheck(x => Ops.StridedSlice(x[0], [-1, 0], [0, 3], [-2, 2], endMask: 1), ArrayRef.Rand(14, 5, 3));
        ArrayRef.GradCheck(x => x[0][1, TensorIndex.Ellipsis, TensorIndex.NewAxis, ..^1], ArrayRef.Rand(15, 3, 2, 4));
    }

    [Test]
    public void SecondOrderThroughSliceGradient()
    {
        // d/dx of (d/dx sum(slice(x)^2 * w)) exercises StridedSliceGrad's own gradient.
        ArrayRef.GradCheck(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            var s = Ops.Slice(x[0], [1], [3]);
            var g = inner.Gradient(Ops.ReduceSum(s * s * s), x[0])!;
            return g;
        }, ArrayRef.Rand(16, 5));
    }
}
