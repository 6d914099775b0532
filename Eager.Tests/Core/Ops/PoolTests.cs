using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

public class PoolTests
{
    // (batch, height, width, channels, kh, kw, strideH, strideW, padding)
    private static readonly object[] Cases =
    [
        new object[] { 1, 3, 3, 1, 2, 2, 1, 1, "VALID" },
        new object[] { 2, 7, 9, 3, 3, 3, 2, 2, "SAME" },
        new object[] { 2, 8, 8, 3, 2, 2, 2, 2, "same" },
        new object[] { 1, 9, 7, 17, 3, 2, 2, 3, "VALID" },
        new object[] { 3, 5, 6, 17, 4, 4, 1, 1, "SAME" },
        new object[] { 1, 33, 7, 1, 2, 3, 2, 1, "SAME" },
        new object[] { 1, 4, 4, 3, 4, 4, 4, 4, "VALID" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void PoolsMatchDirectLoops(int n, int h, int w, int c, int kh, int kw, int sh, int sw, string padding)
    {
        var x = Randn(1, n, h, w, c);
        bool same = padding.Equals("SAME", StringComparison.OrdinalIgnoreCase);
        foreach (bool max in new[] { true, false })
        {
            var (want, shape) = NNReference.Pool(x.ToArray<double>(), [n, h, w, c], kh, kw, sh, sw, same, max);
            var y = max ? Ops.MaxPool2D(ToF32(x), poolSize: (kh, kw), strides: (sh, sw), padding: padding)
                        : Ops.AvgPool2D(ToF32(x), poolSize: (kh, kw), strides: (sh, sw), padding: padding);
            Assert.That(y.Shape, Is.EqualTo(new Shape(shape)));
            AssertClose(y, want, 1e-6, max ? "max" : "avg");
            var y64 = max ? Ops.MaxPool2D(x, poolSize: (kh, kw), strides: (sh, sw), padding: padding)
                          : Ops.AvgPool2D(x, poolSize: (kh, kw), strides: (sh, sw), padding: padding);
            AssertClose(y64, want, 1e-13, max ? "max f64" : "avg f64");
        }
    }

    [Test]
    public void KnownValues()
    {
        var img = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).Reshape(1, 3, 3, 1);
        Assert.That(Ops.MaxPool2D(img, poolSize: 2, strides: 1, padding: "VALID").ToArray<float>(), Is.EqualTo(new float[] { 5, 6, 8, 9 }));
        Assert.That(Ops.AvgPool2D(img, poolSize: 2, strides: 1, padding: "VALID").ToArray<float>(), Is.EqualTo(new float[] { 3, 4, 6, 7 }));
        // SAME, 2x2 stride 2 over 3x3: the last row/column windows hold real cells only.
        Assert.That(Ops.AvgPool2D(img, poolSize: 2, strides: 2, padding: "SAME").ToArray<float>(), Is.EqualTo(new float[] { 3, 4.5f, 7.5f, 9 }));
        // Strides default to the pool size, as Keras.
        Assert.That(Ops.MaxPool2D(img, poolSize: 2, padding: "SAME").ToArray<float>(), Is.EqualTo(new float[] { 5, 6, 8, 9 }));
    }

    [TestCase(DType.Int8), TestCase(DType.UInt8)]
    public void MaxPoolOnIntegersIsExact(DType dtype)
    {
        // Odd channel counts around the vector width, SAME windows at the edges, and the dtype's extremes.
        foreach (var (c, padding) in new[] { (1, "SAME"), (7, "VALID"), (9, "SAME"), (33, "SAME") })
        {
            var f = Randn(c, 2, 5, 6, c) * 60.0;
            if (dtype == DType.UInt8) f = Ops.Abs(f) * 2.0;
            var x = Ops.Cast(f, dtype);
            var xs = x.ToDoubleArray();
            xs[0] = dtype == DType.Int8 ? sbyte.MinValue : 255;
            x = Ops.Cast(Tensor.From(xs).Reshape(2, 5, 6, c), dtype);
            var y = Ops.MaxPool2D(x, poolSize: (3, 2), strides: (2, 1), padding: padding);
            Assert.That(y.DType, Is.EqualTo(dtype));
            var want = Ops.MaxPool2D(Ops.Cast(x, DType.Float64), poolSize: (3, 2), strides: (2, 1), padding: padding);
            Assert.That(y.ToDoubleArray(), Is.EqualTo(want.ToDoubleArray()), $"{dtype.Name()} channels {c} {padding}");
        }
    }

    [Test]
    public void MaxPoolHandlesAllNegativeWindowsUnderSamePadding()
    {
        // Padding must never win a max (it is not zero).
        var x = Tensor.From(new float[] { -5, -4, -3, -2 }).Reshape(1, 2, 2, 1);
        Assert.That(Ops.MaxPool2D(x, poolSize: 3, strides: 1, padding: "SAME").ToArray<float>(), Is.EqualTo(new float[] { -2, -2, -2, -2 }));
    }

    private static readonly object[] GradCases =
    [
        new object[] { 2, 5, 5, 2, 2, 2, 2, 2, "SAME" },
        new object[] { 1, 6, 5, 3, 3, 3, 2, 1, "SAME" },
        new object[] { 1, 5, 6, 2, 3, 2, 1, 2, "VALID" },
        new object[] { 1, 4, 4, 1, 3, 3, 1, 1, "SAME" },
    ];

    [TestCaseSource(nameof(GradCases))]
    public void PoolGradientsMatchFiniteDifferences(int n, int h, int w, int c, int kh, int kw, int sh, int sw, string padding)
    {
        GradCheck.Check(t => Ops.MaxPool2D(t[0], poolSize: (kh, kw), strides: (sh, sw), padding: padding), Randn(1, n, h, w, c));
        GradCheck.Check(t => Ops.AvgPool2D(t[0], poolSize: (kh, kw), strides: (sh, sw), padding: padding), Randn(2, n, h, w, c));
    }

    [TestCaseSource(nameof(GradCases))]
    public void GradientOpsHaveCorrectGradients(int n, int h, int w, int c, int kh, int kw, int sh, int sw, string padding)
    {
        var x = Randn(1, n, h, w, c);
        var y = Ops.MaxPool2D(x, poolSize: (kh, kw), strides: (sh, sw), padding: padding);
        GradCheck.Check(t => Ops.MaxPoolGrad(x, t[0], poolSize: (kh, kw), strides: (sh, sw), padding: padding), Randn(3, y.Shape.ToArray()));
        GradCheck.Check(t => Ops.MaxPoolGradGrad(x, t[0], poolSize: (kh, kw), strides: (sh, sw), padding: padding), Randn(4, n, h, w, c));
        GradCheck.Check(t => Ops.AvgPoolGrad(x.Shape, t[0], poolSize: (kh, kw), strides: (sh, sw), padding: padding), Randn(5, y.Shape.ToArray()));
    }

    [Test]
    public void MaxPoolGradRoutesTiesToTheFirstMaximum()
    {
        var x = Tensor.From(new double[] { 1, 7, 7, 7 }).Reshape(1, 2, 2, 1);
        var dx = Ops.MaxPoolGrad(x, Tensor.From(new double[] { 3 }).Reshape(1, 1, 1, 1), poolSize: 2);
        Assert.That(dx.ToArray<double>(), Is.EqualTo(new double[] { 0, 3, 0, 0 }));
        var (_, argmax) = Ops.MaxPoolWithArgmax(x, poolSize: 2);
        Assert.That(argmax.ToArray<long>(), Is.EqualTo(new long[] { 1 }));
    }

    [Test]
    public void MaxPoolWithArgmaxUsesTensorFlowsFlatIndex()
    {
        var x = Randn(1, 2, 5, 4, 3);
        var (y, idx) = Ops.MaxPoolWithArgmax(x, poolSize: 2, strides: 2, padding: "SAME");
        var (_, withBatch) = Ops.MaxPoolWithArgmax(x, poolSize: 2, strides: 2, padding: "SAME", includeBatchInIndex: true);
        Assert.That(idx.DType, Is.EqualTo(DType.Int64));
        Assert.That(y.ToArray<double>(), Is.EqualTo(Ops.MaxPool2D(x, poolSize: 2, strides: 2, padding: "SAME").ToArray<double>()));
        var xs = x.ToArray<double>(); var ys = y.ToArray<double>(); var a = idx.ToArray<long>(); var b = withBatch.ToArray<long>();
        int perImage = 5 * 4 * 3, perOut = ys.Length / 2;
        for (int i = 0; i < ys.Length; i++)
        {
            int n = i / perOut;
            Assert.That(b[i], Is.EqualTo(a[i] + n * perImage));
            Assert.That(xs[b[i]], Is.EqualTo(ys[i]), $"value at argmax {b[i]}");
            Assert.That(b[i] % 3, Is.EqualTo(i % 3), "channel of the index");
        }
        GradCheck.Check(t => Ops.MaxPoolWithArgmax(t[0], poolSize: 2, strides: 2, padding: "SAME").Output, x);
    }

    [Test]
    public void BadInputsGiveClearErrors()
    {
        var x = Tensor.Zeros(new Shape(1, 2, 3, 1));
        AssertThrowsWith(() => Ops.MaxPool2D(x, poolSize: 3, padding: "VALID"), "MaxPool2D", "pool height 3", "input height 2");
        AssertThrowsWith(() => Ops.AvgPool2D(x, poolSize: (1, 4), padding: "VALID"), "AvgPool2D", "pool width 4", "input width 3");
        AssertThrowsWith(() => Ops.MaxPool2D(Tensor.Zeros(new Shape(2, 3, 1)), poolSize: 2), "MaxPool2D", "rank 4", "(2, 3, 1)");
        AssertThrowsWith(() => Ops.MaxPool2D(x, poolSize: 2, padding: "full"), "MaxPool2D", "padding", "\"full\"");
        AssertThrowsWith(() => Ops.AvgPool2D(x, poolSize: 0), "AvgPool2D", "poolSize");
        AssertThrowsWith(() => Ops.AvgPool2D(x, poolSize: 1, strides: (1, 0)), "AvgPool2D", "strides");
        AssertThrowsWith(() => Ops.MaxPool2D(Tensor.Zeros(new Shape(1, 2, 3, 1), DType.Int32), poolSize: 1), "MaxPool2D", "int32");
        AssertThrowsWith(() => Ops.AvgPool2D(Tensor.Zeros(new Shape(1, 2, 3, 1), DType.Int8), poolSize: 1), "AvgPool2D", "int8");
        AssertThrowsWith(() => Ops.MaxPoolGrad(x, Tensor.Zeros(new Shape(1, 2, 2, 1)), poolSize: 2, padding: "SAME"), "MaxPoolGrad", "(1, 1, 2, 1)", "(1, 2, 2, 1)");
        AssertThrowsWith(() => Ops.MaxPoolGradGrad(x, Tensor.Zeros(new Shape(1, 2, 2, 1)), poolSize: 2), "MaxPoolGradGrad", "(1, 2, 3, 1)");
        AssertThrowsWith(() => Ops.AvgPoolGrad(new Shape(1, 4, 4, 1), Tensor.Zeros(new Shape(1, 3, 3, 1)), poolSize: 2), "AvgPoolGrad", "(1, 2, 2, 1)");
    }

    [Test]
    public void EmptyBatchPoolsToAnEmptyBatch()
    {
        Assert.That(Ops.MaxPool2D(Tensor.Zeros(new Shape(0, 4, 4, 3)), poolSize: 2).Shape, Is.EqualTo(new Shape(0, 2, 2, 3)));
        Assert.That(Ops.AvgPool2D(Tensor.Zeros(new Shape(2, 4, 4, 0)), poolSize: 2).Shape, Is.EqualTo(new Shape(2, 2, 2, 0)));
    }
}
