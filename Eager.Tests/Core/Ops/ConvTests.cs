using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

public class ConvTests
{
    // (batch, height, width, channels, kh, kw, out, strideH, strideW, dilationH, dilationW, padding)
    private static readonly object[] Cases =
    [
        new object[] { 1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, "SAME" },
        new object[] { 2, 7, 9, 3, 3, 3, 4, 2, 2, 1, 1, "SAME" },
        new object[] { 2, 8, 8, 3, 2, 2, 5, 2, 2, 1, 1, "same" },
        new object[] { 1, 9, 7, 17, 3, 3, 2, 1, 1, 2, 2, "VALID" },
        new object[] { 1, 9, 8, 3, 3, 2, 2, 1, 1, 2, 2, "SAME" },
        new object[] { 2, 6, 5, 1, 1, 1, 3, 1, 1, 1, 1, "VALID" },
        new object[] { 1, 5, 5, 17, 1, 1, 17, 2, 2, 1, 1, "SAME" },
        new object[] { 3, 7, 7, 3, 4, 3, 2, 3, 2, 1, 1, "SAME" },
        new object[] { 1, 10, 11, 3, 3, 3, 2, 2, 1, 2, 1, "Same" },
        new object[] { 1, 4, 6, 3, 5, 3, 1, 1, 1, 1, 1, "SAME" },
        new object[] { 2, 33, 17, 3, 3, 3, 7, 1, 1, 1, 1, "VALID" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void Conv2DFloat32MatchesDirectLoop(int n, int h, int w, int c, int kh, int kw, int o, int sh, int sw, int dh, int dw, string padding)
    {
        var x = Randn(1, n, h, w, c); var f = Randn(2, kh, kw, c, o);
        var (want, shape) = NNReference.Conv(x.ToArray<double>(), [n, h, w, c], f.ToArray<double>(), [kh, kw, c, o], sh, sw, dh, dw, padding.Equals("SAME", StringComparison.OrdinalIgnoreCase));
        var y = Ops.Conv2D(ToF32(x), ToF32(f), strides: (sh, sw), padding: padding, dilations: (dh, dw));
        Assert.That(y.Shape, Is.EqualTo(new Shape(shape)));
        Assert.That(y.DType, Is.EqualTo(DType.Float32));
        AssertClose(y, want, 1e-5, "float32");
        AssertClose(Ops.Conv2D(x, f, strides: (sh, sw), padding: padding, dilations: (dh, dw)), want, 1e-12, "float64");
    }

    [Test]
    public void SamePadsAnEvenKernelAtTheBottomRightLikeTensorFlow()
    {
        var img = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).Reshape(1, 3, 3, 1);
        var ones = Tensor.Ones(new Shape(2, 2, 1, 1));
        Assert.That(Ops.Conv2D(img, ones, strides: 1, padding: "SAME").ToArray<float>(), Is.EqualTo(new float[] { 12, 16, 9, 24, 28, 15, 15, 17, 9 }));
        Assert.That(Ops.Conv2D(img, ones, strides: 1, padding: "VALID").ToArray<float>(), Is.EqualTo(new float[] { 12, 16, 24, 28 }));
    }

    [Test]
    public void LargeConvolutionUsesSeveralChunksAndThreads()
    {
        // 64x64 output pixels times a 3x3x8 patch exceeds one im2col chunk and the parallel threshold.
        var x = Randn(3, 2, 64, 64, 8); var f = Randn(4, 3, 3, 8, 8);
        var (want, _) = NNReference.Conv(x.ToArray<double>(), [2, 64, 64, 8], f.ToArray<double>(), [3, 3, 8, 8], 1, 1, 1, 1, true);
        AssertClose(Ops.Conv2D(ToF32(x), ToF32(f), padding: "SAME"), want, 1e-5);
    }

    [Test]
    public void NonContiguousInputIsReadThroughItsStrides()
    {
        // A view taking every other row of a taller image.
        var tall = Randn(5, 1, 10, 5, 3);
        var view = tall.View(new Shape(1, 5, 5, 3), [150, 30, 3, 1], 0);
        var f = Randn(6, 3, 3, 3, 2);
        var (want, _) = NNReference.Conv(view.ToArray<double>(), [1, 5, 5, 3], f.ToArray<double>(), [3, 3, 3, 2], 1, 1, 1, 1, true);
        AssertClose(Ops.Conv2D(view, f, padding: "SAME"), want, 1e-12);
    }

    [Test]
    public void EmptyBatchAndZeroOutputChannelsGiveEmptyResults()
    {
        var y = Ops.Conv2D(Tensor.Zeros(new Shape(0, 5, 5, 3)), Tensor.Ones(new Shape(3, 3, 3, 2)), padding: "SAME");
        Assert.That(y.Shape, Is.EqualTo(new Shape(0, 5, 5, 2)));
        var z = Ops.Conv2D(Tensor.Ones(new Shape(1, 5, 5, 3)), Tensor.Ones(new Shape(3, 3, 3, 0)), padding: "VALID");
        Assert.That(z.Shape, Is.EqualTo(new Shape(1, 3, 3, 0)));
        var noChannels = Ops.Conv2D(Tensor.Ones(new Shape(1, 4, 4, 0)), Tensor.Ones(new Shape(2, 2, 0, 3)), padding: "VALID");
        Assert.That(noChannels.ToArray<float>(), Is.All.EqualTo(0f));
    }

    private static readonly object[] GradCases =
    [
        new object[] { 2, 5, 5, 2, 3, 3, 3, 1, 1, 1, 1, "SAME" },
        new object[] { 1, 6, 7, 2, 2, 2, 2, 2, 2, 1, 1, "SAME" },
        new object[] { 1, 7, 6, 2, 3, 2, 2, 2, 1, 1, 1, "VALID" },
        new object[] { 1, 7, 7, 1, 3, 3, 2, 1, 1, 2, 2, "SAME" },
        new object[] { 2, 4, 4, 3, 1, 1, 2, 1, 1, 1, 1, "VALID" },
    ];

    [TestCaseSource(nameof(GradCases))]
    public void Conv2DGradientsMatchFiniteDifferences(int n, int h, int w, int c, int kh, int kw, int o, int sh, int sw, int dh, int dw, string padding)
    {
        GradCheck.Check(t => Ops.Conv2D(t[0], t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)), Randn(1, n, h, w, c), Randn(2, kh, kw, c, o));
    }

    [TestCaseSource(nameof(GradCases))]
    public void BackpropOpsHaveTheirOwnCorrectGradients(int n, int h, int w, int c, int kh, int kw, int o, int sh, int sw, int dh, int dw, string padding)
    {
        var y = Ops.Conv2D(Randn(1, n, h, w, c), Randn(2, kh, kw, c, o), strides: (sh, sw), padding: padding, dilations: (dh, dw));
        var inShape = new Shape(n, h, w, c); var fShape = new Shape(kh, kw, c, o);
        GradCheck.Check(t => Ops.Conv2DBackpropInput(inShape, t[0], t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)), Randn(3, kh, kw, c, o), Randn(4, y.Shape.ToArray()));
        GradCheck.Check(t => Ops.Conv2DBackpropFilter(t[0], fShape, t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)), Randn(5, n, h, w, c), Randn(6, y.Shape.ToArray()));
    }

    [Test]
    public void SecondDerivativeThroughNestedTapesMatchesFiniteDifferences()
    {
        // d/dw of sum(r * d/dx sum(conv(x, w) * s)) exercises Conv2DBackpropInput's own gradient rule.
        var x = Randn(1, 1, 5, 5, 2); var s = Randn(2, 1, 3, 3, 2); var r = Randn(3, 1, 5, 5, 2);
        Tensor Inner(Tensor w)
        {
            using var t = new GradientTape();
            t.Watch(x);
            return t.Gradient(Ops.ReduceSum(Ops.Conv2D(x, w, strides: 2, padding: "SAME") * s), x)!;
        }
        GradCheck.Check(t => Inner(t[0]) * r, Randn(4, 3, 3, 2, 2));
    }

    [Test]
    public void BackpropInputTakesAnUnknownBatchFromTheGradient()
    {
        var w = Randn(1, 3, 3, 2, 4); var g = Randn(2, 3, 4, 4, 4);
        var dx = Ops.Conv2DBackpropInput(new Shape(-1, 4, 4, 2), w, g, padding: "SAME");
        Assert.That(dx.Shape, Is.EqualTo(new Shape(3, 4, 4, 2)));
        var known = Ops.Conv2DBackpropInput(new Shape(3, 4, 4, 2), w, g, padding: "SAME");
        Assert.That(dx.ToArray<double>(), Is.EqualTo(known.ToArray<double>()));
    }

    [Test]
    public void TransposeIsTheAdjointOfConv2D()
    {
        // <conv(x, w), y> == <x, conv_transpose(y, w)> for every stride/padding.
        foreach (var (pad, stride) in new[] { ("SAME", 2), ("VALID", 2), ("SAME", 1), ("VALID", 3) })
        {
            var x = Randn(1, 2, 7, 6, 3); var w = Randn(2, 3, 3, 3, 4);
            var y = Ops.Conv2D(x, w, strides: stride, padding: pad);
            var r = Randn(3, y.Shape.ToArray());
            var xt = Ops.Conv2DTranspose(r, w, outputShape: x.Shape, strides: stride, padding: pad);
            double lhs = Ops.ReduceSum(y * r).Item<double>(), rhs = Ops.ReduceSum(x * xt).Item<double>();
            Assert.That(lhs, Is.EqualTo(rhs).Within(1e-9 * (1 + Math.Abs(lhs))), $"{pad} stride {stride}");
        }
    }

    [Test]
    public void TransposeWithoutOutputShapeUsesKerasSizes()
    {
        var x = Randn(1, 2, 3, 4, 5); var w = Randn(2, 3, 3, 6, 5);
        Assert.That(Ops.Conv2DTranspose(x, w, strides: 2, padding: "SAME").Shape, Is.EqualTo(new Shape(2, 6, 8, 6)));
        Assert.That(Ops.Conv2DTranspose(x, w, strides: 2, padding: "VALID").Shape, Is.EqualTo(new Shape(2, 7, 9, 6)));
        Assert.That(Ops.Conv2DTranspose(x, Randn(3, 1, 1, 6, 5), strides: 3, padding: "VALID").Shape, Is.EqualTo(new Shape(2, 9, 12, 6)));
        GradCheck.Check(t => Ops.Conv2DTranspose(t[0], t[1], strides: 2, padding: "SAME"), Randn(4, 1, 2, 3, 2), Randn(5, 3, 3, 2, 2));
    }

    [Test]
    public void ChannelMismatchNamesBothCounts()
    {
        var img = Tensor.Zeros(new Shape(1, 3, 3, 1));
        AssertThrowsWith(() => Ops.Conv2D(img, Tensor.Zeros(new Shape(2, 2, 3, 1))), "Conv2D", "1 channels", "expects 3");
        AssertThrowsWith(() => Ops.Conv2DTranspose(img, Tensor.Zeros(new Shape(2, 2, 3, 2))), "Conv2DTranspose", "1 channels", "expects 2");
    }

    [Test]
    public void BadInputsGiveClearErrors()
    {
        var img = Tensor.Zeros(new Shape(1, 4, 4, 2)); var w = Tensor.Zeros(new Shape(3, 3, 2, 2));
        AssertThrowsWith(() => Ops.Conv2D(Tensor.Zeros(new Shape(4, 4, 2)), w), "Conv2D", "input must be rank 4", "(4, 4, 2)");
        AssertThrowsWith(() => Ops.Conv2D(img, Tensor.Zeros(new Shape(3, 3, 2))), "Conv2D", "filter must be rank 4");
        AssertThrowsWith(() => Ops.Conv2D(img, w, padding: "FULL"), "Conv2D", "padding", "\"FULL\"");
        AssertThrowsWith(() => Ops.Conv2D(img, w, strides: 0), "Conv2D", "strides");
        AssertThrowsWith(() => Ops.Conv2D(img, w, dilations: (1, -1)), "Conv2D", "dilations");
        AssertThrowsWith(() => Ops.Conv2D(img, Tensor.Zeros(new Shape(5, 3, 2, 2)), padding: "VALID"), "Conv2D", "kernel height 5", "input height 4");
        AssertThrowsWith(() => Ops.Conv2D(img, w, padding: "VALID", dilations: 2), "kernel height 5 (dilated from 3 by 2)");
        AssertThrowsWith(() => Ops.Conv2D(img, Tensor.Zeros(new Shape(3, 3, 2, 2), DType.Float64)), "Conv2D", "float32", "float64");
        AssertThrowsWith(() => Ops.Conv2D(Tensor.Zeros(new Shape(1, 4, 4, 2), DType.Int32), Tensor.Zeros(new Shape(3, 3, 2, 2), DType.Int32)), "Conv2D", "float32 or float64", "int32");
        AssertThrowsWith(() => Ops.Conv2D(img, Tensor.Zeros(new Shape(0, 3, 2, 2))), "Conv2D", "empty window");
    }

    [Test]
    public void BackpropOpsRejectShapesThatAreNotAConvolution()
    {
        var w = Tensor.Zeros(new Shape(3, 3, 2, 4));
        AssertThrowsWith(() => Ops.Conv2DBackpropInput(new Shape(1, 5, 5, 2), w, Tensor.Zeros(new Shape(1, 4, 4, 4)), padding: "SAME"),
            "Conv2DBackpropInput", "(1, 5, 5, 4)", "(1, 4, 4, 4)");
        AssertThrowsWith(() => Ops.Conv2DBackpropInput(new Shape(1, 5, 5, 2), w, Tensor.Zeros(new Shape(1, 5, 5, 3)), padding: "SAME"),
            "Conv2DBackpropInput", "3 channels", "produces 4");
        AssertThrowsWith(() => Ops.Conv2DBackpropInput(new Shape(1, 5, 5, 3), w, Tensor.Zeros(new Shape(1, 5, 5, 4)), padding: "SAME"),
            "Conv2DBackpropInput", "3 channels", "expects 2");
        AssertThrowsWith(() => Ops.Conv2DBackpropInput(new Shape(1, -1, 5, 2), w, Tensor.Zeros(new Shape(1, 5, 5, 4))), "inputShape", "known height");
        AssertThrowsWith(() => Ops.Conv2DBackpropFilter(Tensor.Zeros(new Shape(1, 5, 5, 2)), new Shape(3, 3, 2), Tensor.Zeros(new Shape(1, 5, 5, 4))), "filterShape");
        AssertThrowsWith(() => Ops.Conv2DBackpropFilter(Tensor.Zeros(new Shape(2, 5, 5, 2)), new Shape(3, 3, 2, 4), Tensor.Zeros(new Shape(1, 5, 5, 4)), padding: "SAME"),
            "Conv2DBackpropFilter", "(2, 5, 5, 4)");
    }
}
