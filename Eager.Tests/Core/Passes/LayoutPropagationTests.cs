namespace Eager.Tests.Core.Passes;

/// <summary>
/// The layout pass on graphs shaped like an imported NCHW model: NHWC convolutions and pools between transposes,
/// with layout-agnostic ops between them. Each rule: how many transposes are left, and the same values as the
/// plain graph (bit for bit where the ops only move or map elements).
/// </summary>
public class LayoutPropagationTests
{
    private static readonly int[] ToNhwc = [0, 2, 3, 1], ToNchw = [0, 3, 1, 2];
    private const int N = 2, C = 5, H = 7, W = 6;

    private static Tensor Nhwc(Tensor x) => Ops.Transpose(x, ToNhwc);
    private static Tensor Nchw(Tensor x) => Ops.Transpose(x, ToNchw);

    /// <summary>An NCHW convolution as the importer writes it: transposes around Eager's NHWC Conv2D.</summary>
    private static Tensor Conv(Tensor nchw, int cout, int seed) =>
        Nchw(Ops.Conv2D(Nhwc(nchw), Tensor.RandomUniform(new Shape(3, 3, nchw.Shape[1], cout), -1, 1, seed: seed), padding: "SAME"));

    private static Tensor Pool(Tensor nchw) => Nchw(Ops.MaxPool2D(Nhwc(nchw), new Size2(2, 2), new Size2(2, 2), "VALID"));

    /// <summary>A [1, C, 1, 1] constant, as the importer makes BatchNormalization's parameters.</summary>
    private static Tensor PerChannel(int c, int seed) => Tensor.RandomUniform(new Shape(1, c, 1, 1), 0.5, 1.5, seed: seed);

    private static int Transposes(Graph g) => g.Nodes.Count(n => n.Op.Name == "Transpose");

    /// <summary>Builds a graph from an NCHW placeholder, runs the layout pass alone, checks the transposes left and
    /// the values (exactly, or within float rounding), and runs the default pipeline too.</summary>
    private static Graph Check(Func<Tensor, Tensor> body, int before, int after, bool exact = true, int channels = C)
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N, channels, H, W), "x");
            y = body(x);
        }
        var optimised = PassCheck.Optimize(g, [y], new LayoutPropagation());
        Assert.That(Transposes(g), Is.EqualTo(before), "transposes before");
        Assert.That(Transposes(optimised), Is.EqualTo(after), "transposes after:\n" + optimised);
        var feeds = new FeedDict { { x, Tensor.RandomUniform(new Shape(N, channels, H, W), -2, 2, seed: 3) } };
        var layoutOnly = new SessionOptions { Rewriter = new PassPipeline(new LayoutPropagation()).AsRewriter() };
        var got = PassCheck.SameAsPlain(g, [y], feeds, layoutOnly);
        using (var plain = new Session(g, PassCheck.Plain))
        {
            var want = plain.Run([y], feeds)[0];
            if (exact) Assert.That(got[0].ToArray<float>(), Is.EqualTo(want.ToArray<float>()), "bit for bit");
        }
        PassCheck.SameAsPlain(g, [y], feeds);
        return optimised;
    }

    [Test]
    public void ConvBatchNormReluPoolConvKeepsOneTransposeAtEachEnd()
    {
        var optimised = Check(x =>
        {
            var h = Conv(x, 4, 1);
            h = Ops.Relu((h - PerChannel(4, 2)) * PerChannel(4, 3) + PerChannel(4, 4));
            return Conv(Pool(h), 3, 5);
        }, before: 6, after: 2);
        var first = optimised.Nodes.First(n => n.Op.Name == "Transpose");
        Assert.That(first.Inputs[0].Node!.Op.Name, Is.EqualTo("Placeholder"), "the first transpose reads the input");
    }

    [Test]
    public void CancelsATransposePairAroundUnaryOps()
    {
        // Vectorised transcendental kernels may round the last bit differently for an element at another position.
        Check(x => Nchw(Ops.Tanh(Ops.Exp(Nhwc(Ops.Sigmoid(Nchw(Nhwc(x))))))), before: 4, after: 0, exact: false);
        Check(x => Nchw(Ops.Relu(Nhwc(Ops.Abs(Nchw(Nhwc(x)) * 2f)))), before: 4, after: 0);
    }

    [Test]
    public void AddOfTwoBranchesInTheSameLayout()
    {
        // A residual block: both branches come out of convolutions, the sum feeds a convolution.
        Check(x =>
        {
            var a = Conv(x, 4, 1);
            var b = Ops.Relu(Conv(a, 4, 2) * PerChannel(4, 3));
            return Conv(Ops.Relu(a + b), 3, 4);
        }, before: 6, after: 2);
    }

    [Test]
    public void ConcatAndSplitAlongChannelsGetTheirAxisRemapped()
    {
        Check(x =>
        {
            var a = Conv(x, 4, 1);
            var b = Conv(x, 3, 2);
            var parts = Ops.Split(Ops.Concat([a, b], 1), [2, 5], 1);
            return Conv(parts[0] * Ops.Slice(parts[1], [0, 0, 0, 0], [-1, 2, -1, -1]), 3, 3);
        }, before: 6, after: 3);   // x is moved to NHWC once for each convolution reading it
    }

    [Test]
    public void SliceAndPadGetTheirBoundsPermuted()
    {
        Check(x =>
        {
            var a = Conv(x, 4, 1);
            var s = Ops.Slice(a, [0, 1, 1, 0], [-1, 2, 5, 4]);
            var p = Ops.Pad(s, new[,] { { 0, 0 }, { 1, 0 }, { 0, 2 }, { 1, 1 } }, "CONSTANT", 0.5);
            return Conv(p, 3, 2);
        }, before: 4, after: 2);
    }

    [Test]
    public void ReflectPadAndSoftmaxAlongChannels()
    {
        Check(x =>
        {
            var a = Ops.Pad(Conv(x, 4, 1), new[,] { { 0, 0 }, { 0, 0 }, { 2, 1 }, { 1, 2 } }, "REFLECT");
            return Conv(Ops.Softmax(a, 1), 3, 2);
        }, before: 4, after: 2, exact: false);
    }

    [Test]
    public void SpatialMeanKeepsItsDimensionsAndLeavesOneSmallTransposeForAReshape()
    {
        // GlobalAveragePool then Flatten: the flatten reads NCHW order, so the [N, C, 1, 1] mean is transposed back.
        var optimised = Check(x =>
        {
            var a = Ops.Relu(Conv(x, 4, 1) + PerChannel(4, 2));
            var scale = Ops.Sigmoid(Ops.ReduceMean(a, [2, 3], keepDims: true));
            return Ops.Reshape(Ops.ReduceMax(a * scale, [2, 3], keepDims: true), N, -1);
        }, before: 2, after: 2, exact: false);
        var back = optimised.Nodes.Last(n => n.Op.Name == "Transpose");
        Assert.That(back.Outputs[0].Shape, Is.EqualTo(new Shape(N, 4, 1, 1)), "the transpose left is on the reduced tensor");
    }

    [Test]
    public void ConstantsOfLowerRankAndScalarsBroadcastInTheNewLayout()
    {
        var perChannel3 = Tensor.RandomUniform(new Shape(4, 1, 1), -1, 1, seed: 7);
        var perWidth = Tensor.RandomUniform(new Shape(W), -1, 1, seed: 8);
        Check(x =>
        {
            var a = Conv(x, 4, 1);
            return Conv(Ops.Maximum((a + perChannel3) * perWidth, Ops.Constant(Tensor.Scalar(0f))) - 0.25f, 3, 2);
        }, before: 4, after: 2);
    }

    [Test]
    public void AFullSizeOperandFromOutsideIsTransposedOnceOnTheWayIn()
    {
        // x itself joins the sum: one transpose moves it in; both convolution transposes between go.
        Check(x => Conv(Conv(x, C, 1) + x, 3, 2), before: 4, after: 3);
    }

    [Test]
    public void ConsumersThatNeedTheOriginalLayoutStillGetIt()
    {
        var optimised = Check(x =>
        {
            var a = Ops.Relu(Conv(x, 4, 1));
            var flat = Ops.Reshape(a, N, -1);                       // reads NCHW order
            var b = Conv(a, 4, 2);
            return Ops.Concat([Ops.Reshape(b, N, -1), flat], 1);
        }, before: 4, after: 3);
        Assert.That(optimised.Nodes.Count(n => n.Op.Name == "Reshape"), Is.EqualTo(2));
    }

    [Test]
    public void LeavesAGraphAloneWhenNothingIsGained()
    {
        // One transpose at the input feeding a convolution and one at the output: nothing to remove.
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N, C, H, W), "x");
            y = Conv(Ops.Relu(x), 3, 1);
        }
        var pass = new LayoutPropagation();
        var copy = GraphOptimizer.Optimize(g, [y], new PassPipeline(new Pruning()));
        pass.Run(copy, new PassContext(new HashSet<string> { y.Node!.Name, "x" }), out bool changed);
        Assert.That(changed, Is.False);
    }

    [Test]
    public void AFetchedIntermediateKeepsItsLayout()
    {
        var g = new Graph();
        Tensor x, mid, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N, C, H, W), "x");
            mid = Ops.Relu(Conv(x, 4, 1) * PerChannel(4, 2));
            y = Conv(mid + 1f, 3, 3);
        }
        var optimised = PassCheck.Optimize(g, [y, mid], new LayoutPropagation());
        Assert.That(Transposes(optimised), Is.LessThan(Transposes(g)));
        var feeds = new FeedDict { { x, Tensor.RandomUniform(new Shape(N, C, H, W), -2, 2, seed: 3) } };
        var got = PassCheck.SameAsPlain(g, [y, mid], feeds, new SessionOptions { Rewriter = new PassPipeline(new LayoutPropagation()).AsRewriter() });
        Assert.That(got[1].Shape, Is.EqualTo(new Shape(N, 4, H, W)));
    }

    [Test]
    public void AChannelResizeRunsOnTheNhwcImage()
    {
        // The importer resizes NCHW as [N*C, H, W, 1] (a free reshape); between convolutions it becomes one NHWC Resize.
        Check(x =>
        {
            var a = Conv(x, 4, 1);
            var up = Ops.Reshape(Ops.Resize(Ops.Reshape(a, N * 4, H, W, 1), 2 * H, 2 * W, "nearest", "asymmetric", "floor"), N, 4, 2 * H, 2 * W);
            var b = Conv(Ops.Resize(Ops.Reshape(a, N * 4, H, W, 1), 2 * H, 2 * W) is var r ? Ops.Reshape(r, N, 4, 2 * H, 2 * W) : a, 4, 2);
            return Conv(up + b, 3, 3);
        }, before: 6, after: 2);
    }

    [Test]
    public void Float64AndOddSizes()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(1, 1, 1, 3), "x");
            var a = Nchw(Ops.Relu(Nhwc(x)));
            y = Nchw(Ops.AvgPool2D(Nhwc(Ops.Square(a) - Ops.Constant(Tensor.From(new double[] { 1, 2, 3 }))), new Size2(1, 1), new Size2(1, 1), "VALID"));
        }
        var optimised = PassCheck.Optimize(g, [y], new LayoutPropagation());
        Assert.That(Transposes(optimised), Is.EqualTo(2));
        PassCheck.SameAsPlain(g, [y], new FeedDict { { x, Tensor.From(new double[,,,] { { { { -1, 0.5, 2 } } } }) } },
            new SessionOptions { Rewriter = new PassPipeline(new LayoutPropagation()).AsRewriter() });
    }
}
