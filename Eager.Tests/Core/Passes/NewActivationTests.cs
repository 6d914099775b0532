using Eager.NN;
using Eager.Onnx;
using Eager.Tests.Onnx;

namespace Eager.Tests.Core.Passes;

/// <summary>
/// An activation added the way a user adds one: a single <see cref="OpDef"/> block with its lanes, epilogue gradient,
/// rewrite rule and ONNX mapping. Nothing else is edited, and it is fused into element-wise loops, ends fused matrix
/// products, is recognised by NN layers, is simplified, and exports to an ONNX file that ONNX Runtime runs.
/// </summary>
public class NewActivationTests
{
    /// <summary>min(max(x, 0), 1), float32 and float64.</summary>
    private static readonly OpDef HardClipDef = new("TestHardClip01",
        (x, _) => x[0].DType.IsFloating ? [TensorSpec.Of(x[0])] : throw new ArgumentException($"TestHardClip01: expects float32 or float64, got {x[0].DType.Name()}{x[0].Shape}."),
        (x, _) => [x[0].DType == DType.Float32
            ? Tensor.From(x[0].ToArray<float>().Select(v => Math.Clamp(v, 0f, 1f)).ToArray(), x[0].Shape)
            : Tensor.From(x[0].ToArray<double>().Select(v => Math.Clamp(v, 0.0, 1.0)).ToArray(), x[0].Shape)])
    {
        Gradient = c => [Ops.Where(Ops.LogicalAnd(c.X() > 0.0, c.X() < 1.0), c.Grad, Ops.ZerosLike(c.Grad))],
        Lanes = new(1, static (in LaneArgs<float> a, Span<float> d) => { for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(a.A[i], 0f, 1f); },
                       static (in LaneArgs<double> a, Span<double> d) => { for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(a.A[i], 0.0, 1.0); })
        {
            Function = HardClip,
            EpilogueGradient = (y, g) => Ops.Where(Ops.LogicalAnd(y > 0.0, y < 1.0), g, Ops.ZerosLike(g)),
        },
        Rewrites = [s => RewriteSite.Producer(s.X(0), HardClipDef!) is not null ? Rewrite.To("clip of clip -> clip", s.X(0)) : null],
        Onnx = e => e.Add("Clip", [e.Input(0), OnnxMap.Scalar(e, "zero", 0, e.Node.Inputs[0].DType), OnnxMap.Scalar(e, "one", 1, e.Node.Inputs[0].DType)], [e.Output(0)]),
    };

    // Registers the op before any test of the fixture runs (ops register when their definition is created).
    static NewActivationTests() => Assert.That(OpRegistry.Get("TestHardClip01"), Is.SameAs(HardClipDef));

    private static Tensor HardClip(Tensor x) => Dispatcher.Apply1(HardClipDef, Attrs.Empty, x);

    private static Tensor Reference(Tensor x) => Ops.ClipByValue(x, Tensor.Scalar(0f), Tensor.Scalar(1f));

    [Test]
    public void JoinsAFusedElementwiseLoop()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 37), "x");
            y = HardClip(x * 2f) + 1f;
        }
        var result = PassCheck.Optimize(g, [y], new ElementwiseFusion());
        var fused = result.Nodes.Single(n => n.Op.Name == "FusedElementwise");
        Assert.That(fused.Attrs.String("program"), Is.EqualTo("Multiply(i0,#2);TestHardClip01(t0);Add(t1,#1)"));
        var data = Tensor.RandomNormal(new Shape(5, 37), seed: 1);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[0], Reference(data * 2f) + 1f, "vs eager");
    }

    [Test]
    public void EndsAFusedMatMulAndItsGradient()
    {
        Assert.That(FusedEpilogue.Activations, Does.Contain("TestHardClip01"));
        var w = Tensor.RandomNormal(new Shape(4, 3), seed: 2);
        var b = Tensor.From(new[] { 0.1f, 0.5f, 0.9f });
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 4), "x");
            y = HardClip(Ops.BiasAdd(Ops.MatMul(x, Ops.Constant(w, "w")), Ops.Constant(b, "b")));
        }
        var result = PassCheck.Optimize(g, [y], new ContractionFusion());
        Assert.That(PassCheck.Lines(result)[^1], Does.Contain("FusedMatMul").And.Contain("activation=\"TestHardClip01\""));
        var data = Tensor.RandomNormal(new Shape(6, 4), seed: 3);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[0], Reference(Ops.BiasAdd(Ops.MatMul(data, w), b)), "vs eager");

        // The fused op's gradient goes through the declared epilogue gradient.
        var wv = new Variable(w, name: "w");
        Tensor fusedGrad, plainGrad;
        using (var tape = new GradientTape())
            fusedGrad = tape.Gradient(Ops.ReduceSum(Ops.FusedMatMul(data, wv, b, activation: "TestHardClip01")), wv)!;
        using (var tape = new GradientTape())
            plainGrad = tape.Gradient(Ops.ReduceSum(HardClip(Ops.BiasAdd(Ops.MatMul(data, wv), b))), wv)!;
        PassCheck.AssertClose(fusedGrad, plainGrad, "gradient");
    }

    [Test]
    public void ALayerRecognisesItAndRunsTheFusedKernel()
    {
        Assert.That(FusedActivation.Of(HardClip), Is.EqualTo("TestHardClip01"));
        var dense = new Dense(3, activation: HardClip);
        var data = Tensor.RandomNormal(new Shape(5, 4), seed: 4);
        var y = dense.Call(data);
        PassCheck.AssertClose(y, Reference(Ops.BiasAdd(Ops.MatMul(data, dense.Kernel!), dense.Bias!)), "Dense with the new activation");
    }

    [Test]
    public void IsSimplified()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(3), "x");
            y = HardClip(HardClip(x));
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(result.Nodes.Count(n => n.Op == HardClipDef), Is.EqualTo(1));
        var data = Tensor.From(new[] { -1.0, 0.25, 3.0 });
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        Assert.That(got[0].ToArray<double>(), Is.EqualTo(new[] { 0.0, 0.25, 1.0 }));
    }

    [Test]
    public void ExportsToOnnxThatOnnxRuntimeRuns()
    {
        var f = Function.Create((Tensor t) => HardClip(t * 3f - 1f), "hard_clip");
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(2, 5), DType.Float32));
        var path = Path.Combine(Path.GetTempPath(), $"hardclip-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(cf, path);
            var data = Tensor.RandomNormal(new Shape(2, 5), seed: 5);
            var ort = OrtRunner.Run(path, data);
            PassCheck.AssertClose(ort[0], Reference(data * 3f - 1f), "ONNX Runtime");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
