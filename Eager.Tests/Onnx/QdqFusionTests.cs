using Eager.NN;
using Eager.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Eager.Tests.Onnx;

/// <summary>QDQ units (DequantizeLinear -> Conv/MatMul [-> bias] [-> Relu] -> QuantizeLinear) import as the int8 kernels,
/// as ONNX Runtime fuses them, and agree with ONNX Runtime's int8 run; units that do not qualify stay float.</summary>
public class QdqFusionTests
{
    private static readonly string[] FloatProducts = ["Conv2D", "FusedConv2D", "MatMul", "FusedMatMul", "BatchMatMul"];

    /// <summary>The ops of the graph a Session runs for an imported function.</summary>
    private static string[] OptimisedOps(ConcreteFunction f) =>
        [.. GraphOptimizer.Optimize(f.Graph, [.. f.Outputs]).Nodes.Select(n => n.Op.Name)];

    private static Sequential Digits()
    {
        Initializer.SetGlobalSeed(7);
        var m = new Sequential(
            new Conv2D(8, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Conv2D(16, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Flatten(), new Dense(10));
        m.Build(new Shape(-1, 28, 28, 1));
        Initializer.SetGlobalSeed(null);
        return m;
    }

    [Test]
    public void StaticallyQuantisedDigitsCnnImportsAsInt8Kernels()
    {
        var q = Quantization.QuantizeStatic(Digits(), [Tensor.RandomUniform(new Shape(32, 28, 28, 1), seed: 1)]);
        var shape = new Shape(8, 28, 28, 1);
        var cf = Function.Create(q.Call).GetConcreteFunction(new TensorSpec(shape, DType.Float32));
        var path = Path.Combine(Path.GetTempPath(), $"eager-qdq-digits-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(cf, path);
        try
        {
            var imported = OnnxImporter.Import(path);
            var ops = OptimisedOps(imported);
            Assert.That(ops.Count(o => o == "QLinearConv"), Is.EqualTo(2), string.Join(", ", ops));
            Assert.That(ops.Count(o => o == "QLinearMatMul"), Is.EqualTo(1), string.Join(", ", ops));
            Assert.That(ops.Intersect(FloatProducts), Is.Empty, "no float product is left");

            var x = Tensor.RandomUniform(shape, seed: 2);
            var own = q.Call(x).ToArray<float>();
            Assert.That(imported.Invoke(x).ToArray<float>(), Is.EqualTo(own), "the same int8 arithmetic as the quantised model");
            Assert.That(OnnxModel.Load(path).Run(x)[0].ToArray<float>(), Is.EqualTo(own), "run eagerly");

            var ort = OrtRunner.Run(path, GraphOptimizationLevel.ORT_ENABLE_ALL, x)[0].ToArray<float>();
            float step = ((StaticQuantizedLayer)q.Layers[^1]).OutputQuantization.Scale.Item<float>();
            // ONNX Runtime rounds a float32 quotient where we round a float32 product: a value one step apart in an
            // early layer can move the logits by a step or two; most agree exactly.
            Assert.That(own.Zip(ort, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(2 * step * 1.001));
            Assert.That(own.Zip(ort, (a, b) => a == b ? 1 : 0).Sum(), Is.GreaterThan(own.Length * 3 / 4));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Tensor Int8(Shape shape, int seed, int limit = 127)
    {
        var r = new Random(seed);
        var v = new sbyte[shape.Size];
        for (int i = 0; i < v.Length; i++) v[i] = (sbyte)r.Next(-limit, limit + 1);
        return Tensor.From(v, shape);
    }

    private static Tensor Scales(int n, int seed, float size)
    {
        var r = new Random(seed);
        return n == 0 ? Tensor.Scalar(size) : Tensor.From(Enumerable.Range(0, n).Select(_ => size * (0.5f + (float)r.NextDouble())).ToArray());
    }

    /// <summary>Int32 bias values and their scale inputScale * weightScale[o], as quantisers write them.</summary>
    private static (Tensor Bias, Tensor Scale) Bias(int n, float xScale, Tensor wScale, int seed)
    {
        var r = new Random(seed);
        var ws = wScale.ToArray<float>();
        var scale = Enumerable.Range(0, n).Select(o => xScale * ws[ws.Length == 1 ? 0 : o]).ToArray();
        return (Tensor.From(Enumerable.Range(0, n).Select(_ => r.Next(-2000, 2000)).ToArray()), Tensor.From(scale));
    }

    /// <summary>Runs the model imported (asserting which products run) and in ONNX Runtime with its QDQ fusion, and
    /// asserts they agree within one output step.</summary>
    private static void AgreesWithOnnxRuntime(OnnxGraphBuilder b, Tensor x, float yScale, string fused, bool expectFused)
    {
        var path = b.Save();
        try
        {
            var imported = OnnxImporter.Import(path);
            var ops = OptimisedOps(imported);
            if (expectFused)
            {
                Assert.That(ops, Does.Contain(fused), string.Join(", ", ops));
                Assert.That(ops.Intersect(FloatProducts), Is.Empty, string.Join(", ", ops));
            }
            else
            {
                Assert.That(ops, Does.Not.Contain("QLinearConv").And.Not.Contain("QLinearMatMul"), string.Join(", ", ops));
            }
            var ours = imported.InvokeAll(x).Select(t => t.ToArray<float>()).ToArray();
            var ort = OrtRunner.Run(path, GraphOptimizationLevel.ORT_ENABLE_ALL, x).Select(t => t.ToArray<float>()).ToArray();
            var plain = OrtRunner.Run(path, x).Select(t => t.ToArray<float>()).ToArray();
            for (int i = 0; i < ours.Length; i++)
            {
                Assert.That(ours[i].Zip(ort[i], (p, q) => Math.Abs(p - q)).Max(), Is.LessThanOrEqualTo(yScale * 1.001), $"output {i} vs ONNX Runtime (int8)");
                Assert.That(ours[i].Zip(plain[i], (p, q) => Math.Abs(p - q)).Max(), Is.LessThanOrEqualTo(yScale * 1.001), $"output {i} vs ONNX Runtime (QDQ in float)");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(false, true, 0)]
    [TestCase(true, true, 0)]
    [TestCase(true, false, 0)]
    [TestCase(true, true, 128)]
    public void ConvUnitMatchesOnnxRuntime(bool perChannel, bool relu, int outZero)
    {
        const int o = 6;
        var w = Int8(new Shape(o, 3, 3, 3), seed: 1);
        var ws = Scales(perChannel ? o : 0, 2, 0.004f);
        var (bias, biasScale) = Bias(o, 0.02f, ws, 3);
        var b = new OnnxGraphBuilder(13)
            .Input("x", DType.Float32, 2, 3, 9, 9)
            .Init("xs", Tensor.Scalar(0.02f)).Init("xz", Tensor.Scalar((byte)120))
            .Init("w", w).Init("ws", ws).Init("wz", perChannel ? Tensor.From(new sbyte[o]) : Tensor.Scalar((sbyte)0))
            .Init("b", bias).Init("bs", biasScale).Init("bz", Tensor.From(new int[o]))
            .Init("ys", Tensor.Scalar(0.03f)).Init("yz", Tensor.Scalar((byte)outZero))
            .Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
            .Node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"])
            .Node("DequantizeLinear", ["w", "ws", "wz"], ["wf"], ("axis", 0L))
            .Node("DequantizeLinear", ["b", "bs", "bz"], ["bf"], ("axis", 0L))
            .Node("Conv", ["xf", "wf", "bf"], ["c"], ("pads", new long[] { 1, 0, 1, 2 }), ("strides", new long[] { 2, 1 }));
        string last = "c";
        if (relu) b.Node("Relu", ["c"], [last = "r"]);
        b.Node("QuantizeLinear", [last, "ys", "yz"], ["yq"]).Node("DequantizeLinear", ["yq", "ys", "yz"], ["y"]).Output("y");
        var x = Tensor.RandomNormal(new Shape(2, 3, 9, 9), seed: 4);
        // A Relu folds into the output's saturation only when the zero point is the lowest value.
        AgreesWithOnnxRuntime(b, x, 0.03f, "QLinearConv", expectFused: !relu || outZero == 0);
    }

    [TestCase(false, true, false)]
    [TestCase(true, true, false)]
    [TestCase(true, false, false)]
    [TestCase(true, true, true)]
    [TestCase(false, false, true)]
    public void MatMulUnitMatchesOnnxRuntime(bool perColumn, bool bias, bool gemm)
    {
        const int n = 24;
        var w = Int8(new Shape(40, n), seed: 5);
        var ws = Scales(perColumn ? n : 0, 6, 0.003f);
        var (bq, bs) = Bias(n, 0.05f, ws, 7);
        // Gemm with transB = 1 holds the weights as [N, K], per-channel scales along axis 0.
        int[] xShape = gemm ? [15, 40] : [3, 5, 40];
        var b = new OnnxGraphBuilder(13)
            .Input("x", DType.Float32, xShape)
            .Init("xs", Tensor.Scalar(0.05f)).Init("xz", Tensor.Scalar((byte)131))
            .Init("w", gemm ? Ops.Transpose(w, [1, 0]).Contiguous() : w).Init("ws", ws)
            .Init("b", bq).Init("bs", bs).Init("bz", Tensor.From(new int[n]))
            .Init("ys", Tensor.Scalar(0.1f)).Init("yz", Tensor.Scalar((sbyte)-128))
            .Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
            .Node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"])
            .Node("DequantizeLinear", ["w", "ws"], ["wf"], ("axis", gemm ? 0L : 1L));
        if (bias) b.Node("DequantizeLinear", ["b", "bs", "bz"], ["bf"], ("axis", 0L));
        string last = "m";
        if (gemm) b.Node("Gemm", bias ? ["xf", "wf", "bf"] : ["xf", "wf"], ["m"], ("transB", 1L));
        else b.Node("MatMul", ["xf", "wf"], ["m"]);
        if (bias && !gemm) b.Node("Add", ["bf", "m"], [last = "a"]);
        b.Node("Relu", [last], ["r"]).Node("QuantizeLinear", ["r", "ys", "yz"], ["yq"]).Node("DequantizeLinear", ["yq", "ys", "yz"], ["y"]).Output("y");
        AgreesWithOnnxRuntime(b, Tensor.RandomNormal(new Shape(xShape), seed: 8), 0.1f, "QLinearMatMul", expectFused: true);
    }

    [Test]
    public void AFloatProductReadTwiceStaysFloat()
    {
        var b = new OnnxGraphBuilder(13)
            .Input("x", DType.Float32, 4, 16)
            .Init("xs", Tensor.Scalar(0.05f)).Init("xz", Tensor.Scalar((byte)128))
            .Init("w", Int8(new Shape(16, 8), seed: 9)).Init("ws", Tensor.Scalar(0.01f))
            .Init("ys", Tensor.Scalar(0.08f)).Init("yz", Tensor.Scalar((byte)128))
            .Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
            .Node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"])
            .Node("DequantizeLinear", ["w", "ws"], ["wf"])
            .Node("MatMul", ["xf", "wf"], ["m"])
            .Node("QuantizeLinear", ["m", "ys", "yz"], ["yq"])
            .Node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])
            .Node("Sigmoid", ["m"], ["s"])
            .Output("y").Output("s");
        AgreesWithOnnxRuntime(b, Tensor.RandomNormal(new Shape(4, 16), seed: 10), 0.08f, "QLinearMatMul", expectFused: false);
    }

    [Test]
    public void AWeightComputedAtRunTimeStaysFloat()
    {
        var b = new OnnxGraphBuilder(13)
            .Input("x", DType.Float32, 4, 16)
            .Input("wfloat", DType.Float32, 16, 8)
            .Init("xs", Tensor.Scalar(0.05f)).Init("xz", Tensor.Scalar((byte)128))
            .Init("ws", Tensor.Scalar(0.01f)).Init("wz", Tensor.Scalar((sbyte)0))
            .Init("ys", Tensor.Scalar(0.08f)).Init("yz", Tensor.Scalar((byte)128))
            .Node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
            .Node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"])
            .Node("QuantizeLinear", ["wfloat", "ws", "wz"], ["w"])
            .Node("DequantizeLinear", ["w", "ws", "wz"], ["wf"])
            .Node("MatMul", ["xf", "wf"], ["m"])
            .Node("QuantizeLinear", ["m", "ys", "yz"], ["yq"])
            .Node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])
            .Output("y");
        var path = b.Save();
        try
        {
            var imported = OnnxImporter.Import(path);
            var ops = OptimisedOps(imported);
            Assert.That(ops, Does.Not.Contain("QLinearMatMul"), string.Join(", ", ops));
            var x = Tensor.RandomNormal(new Shape(4, 16), seed: 11);
            var wv = Tensor.RandomNormal(new Shape(16, 8), seed: 12);
            var ours = imported.InvokeAll(x, wv)[0].ToArray<float>();
            var ort = OrtRunner.Run(path, GraphOptimizationLevel.ORT_ENABLE_ALL, x, wv)[0].ToArray<float>();
            Assert.That(ours.Zip(ort, (p, q) => Math.Abs(p - q)).Max(), Is.LessThanOrEqualTo(0.08f * 1.001));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
