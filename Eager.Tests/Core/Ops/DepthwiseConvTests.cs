using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

public class DepthwiseConvTests
{
    // (batch, height, width, channels, kh, kw, multiplier, strideH, strideW, dilationH, dilationW, padding)
    private static readonly object[] Cases =
    [
        new object[] { 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, "SAME" },
        new object[] { 2, 7, 9, 3, 3, 3, 2, 2, 2, 1, 1, "SAME" },
        new object[] { 2, 8, 8, 17, 2, 2, 1, 2, 2, 1, 1, "SAME" },
        new object[] { 1, 9, 7, 17, 3, 3, 3, 1, 1, 2, 2, "VALID" },
        new object[] { 3, 6, 5, 3, 1, 1, 2, 1, 1, 1, 1, "VALID" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void DepthwiseFloat32MatchesDirectLoop(int n, int h, int w, int c, int kh, int kw, int m, int sh, int sw, int dh, int dw, string padding)
    {
        var x = Randn(1, n, h, w, c); var f = Randn(2, kh, kw, c, m);
        var (want, shape) = NNReference.Conv(x.ToArray<double>(), [n, h, w, c], f.ToArray<double>(), [kh, kw, c, m], sh, sw, dh, dw, padding == "SAME", depthwise: true);
        var y = Ops.DepthwiseConv2D(ToF32(x), ToF32(f), strides: (sh, sw), padding: padding, dilations: (dh, dw));
        Assert.That(y.Shape, Is.EqualTo(new Shape(shape)));
        AssertClose(y, want, 1e-5);
        AssertClose(Ops.DepthwiseConv2D(x, f, strides: (sh, sw), padding: padding, dilations: (dh, dw)), want, 1e-12);
    }

    [Test]
    public void MultiplierOneEqualsPerChannelConv2D()
    {
        var x = Randn(1, 1, 6, 6, 3); var f = Randn(2, 3, 3, 3, 1);
        var y = Ops.DepthwiseConv2D(x, f, padding: "SAME").ToArray<double>();
        var fs = f.ToArray<double>(); var ys = y;
        for (int ch = 0; ch < 3; ch++)
        {
            var xc = Tensor.From(x.ToArray<double>().Where((_, i) => i % 3 == ch).ToArray(), new Shape(1, 6, 6, 1));
            var fc = Tensor.From(fs.Where((_, i) => i % 3 == ch).ToArray(), new Shape(3, 3, 1, 1));
            var want = Ops.Conv2D(xc, fc, padding: "SAME").ToArray<double>();
            for (int i = 0; i < want.Length; i++) Assert.That(ys[i * 3 + ch], Is.EqualTo(want[i]).Within(1e-12));
        }
    }

    private static readonly object[] GradCases =
    [
        new object[] { 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, "SAME" },
        new object[] { 1, 6, 7, 2, 2, 2, 2, 2, 2, 1, 1, "SAME" },
        new object[] { 1, 7, 6, 3, 3, 2, 2, 2, 1, 1, 1, "VALID" },
        new object[] { 1, 7, 7, 1, 3, 3, 2, 1, 1, 2, 2, "SAME" },
    ];

    [TestCaseSource(nameof(GradCases))]
    public void GradientsAndBackpropGradientsMatchFiniteDifferences(int n, int h, int w, int c, int kh, int kw, int m, int sh, int sw, int dh, int dw, string padding)
    {
        GradCheck.Check(t => Ops.DepthwiseConv2D(t[0], t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)), Randn(1, n, h, w, c), Randn(2, kh, kw, c, m));
        var y = Ops.DepthwiseConv2D(Randn(1, n, h, w, c), Randn(2, kh, kw, c, m), strides: (sh, sw), padding: padding, dilations: (dh, dw));
        GradCheck.Check(t => Ops.DepthwiseConv2DBackpropInput(new Shape(n, h, w, c), t[0], t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)),
            Randn(3, kh, kw, c, m), Randn(4, y.Shape.ToArray()));
        GradCheck.Check(t => Ops.DepthwiseConv2DBackpropFilter(t[0], new Shape(kh, kw, c, m), t[1], strides: (sh, sw), padding: padding, dilations: (dh, dw)),
            Randn(5, n, h, w, c), Randn(6, y.Shape.ToArray()));
    }

    [Test]
    public void BadInputsGiveClearErrors()
    {
        var x = Tensor.Zeros(new Shape(1, 4, 4, 3));
        AssertThrowsWith(() => Ops.DepthwiseConv2D(x, Tensor.Zeros(new Shape(3, 3, 2, 1))), "DepthwiseConv2D", "3 channels", "expects 2");
        AssertThrowsWith(() => Ops.DepthwiseConv2D(Tensor.Zeros(new Shape(4, 4, 3)), Tensor.Zeros(new Shape(3, 3, 3, 1))), "DepthwiseConv2D", "rank 4");
        AssertThrowsWith(() => Ops.DepthwiseConv2D(x, Tensor.Zeros(new Shape(5, 5, 3, 1)), padding: "VALID"), "DepthwiseConv2D", "kernel height 5");
        AssertThrowsWith(() => Ops.DepthwiseConv2DBackpropInput(new Shape(1, 4, 4, 3), Tensor.Zeros(new Shape(3, 3, 3, 2)), Tensor.Zeros(new Shape(1, 4, 4, 3)), padding: "SAME"),
            "DepthwiseConv2DBackpropInput", "3 channels", "produces 6");
    }
}
