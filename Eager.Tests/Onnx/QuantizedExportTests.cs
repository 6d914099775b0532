using Eager.NN;
using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Quantised models exported to ONNX (QDQ format) run in ONNX Runtime with our outputs, and come back through
/// the importer.</summary>
public class QuantizedExportTests
{
    private static Sequential ConvNet()
    {
        Initializer.SetGlobalSeed(11);
        var m = new Sequential(
            new Conv2D(6, 3, padding: "same", activation: Ops.Relu),
            new MaxPool2D(2),
            new Conv2D(8, 3, strides: 2, padding: "valid", activation: Ops.Relu),
            new Flatten(),
            new Dense(16, activation: Ops.Relu),
            new Dense(10));
        m.Build(new Shape(-1, 12, 12, 2));
        Initializer.SetGlobalSeed(null);
        return m;
    }

    private static string Export(Func<Tensor, Tensor> model, Shape input, string name)
    {
        var cf = Function.Create(model).GetConcreteFunction(new TensorSpec(input, DType.Float32));
        var path = Path.Combine(Path.GetTempPath(), $"eager-{name}-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(cf, path);
        return path;
    }

    [Test]
    public void StaticModelRunsInOnnxRuntimeWithinOneStepPerLayer()
    {
        var model = ConvNet();
        var q = Quantization.QuantizeStatic(model, [Tensor.RandomNormal(new Shape(16, 12, 12, 2), seed: 1)]);
        var x = Tensor.RandomNormal(new Shape(4, 12, 12, 2), seed: 2);
        var path = Export(q.Call, new Shape(4, 12, 12, 2), "qdq");
        try
        {
            var ours = q.Call(x).ToArray<float>();
            var ort = OrtRunner.Run(path, x)[0].ToArray<float>();
            float step = ((StaticQuantizedLayer)q.Layers[^1]).OutputQuantization.Scale.Item<float>();
            double worst = ours.Zip(ort, (a, b) => Math.Abs(a - b)).Max();
            // Requantisation rounds a float32 product here and a float32 quotient there: an element may land one step
            // apart, and that step can carry through the later layers; most elements agree exactly.
            Assert.That(worst, Is.LessThanOrEqualTo(4 * step * 1.001), $"largest difference {worst}, output step {step}");
            int exact = ours.Zip(ort, (a, b) => a == b ? 1 : 0).Sum();
            Assert.That(exact, Is.GreaterThan(ours.Length * 3 / 4), $"{exact} of {ours.Length} outputs equal");
            var back = OnnxImporter.Import(path).Invoke(x).ToArray<float>();
            Assert.That(back.Zip(ours, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(4 * step * 1.001), "imported QDQ model");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void DynamicModelRunsInOnnxRuntime()
    {
        Initializer.SetGlobalSeed(12);
        var model = new Sequential(new Dense(32, activation: Ops.Relu), new Dense(8));
        model.Build(new Shape(-1, 20));
        Initializer.SetGlobalSeed(null);
        var q = Quantization.QuantizeDynamic(model);
        var x = Tensor.RandomNormal(new Shape(5, 20), seed: 3);
        var path = Export(q.Call, new Shape(5, 20), "dyn");
        try
        {
            var ours = q.Call(x).ToArray<float>();
            var ort = OrtRunner.Run(path, x)[0].ToArray<float>();
            Assert.That(ort, Is.EqualTo(ours).Within(1e-4), "DynamicQuantizeLinear + MatMulInteger are exact; only float scaling may round differently");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void IntegerOpsAgreeExactlyWithOnnxRuntime()
    {
        var a = Ops.QuantizeLinear(Tensor.RandomNormal(new Shape(3, 17, 33), seed: 4), Tensor.Scalar(0.02f), Tensor.Scalar((byte)120));
        var b = Ops.QuantizeLinear(Tensor.RandomNormal(new Shape(33, 19), seed: 5), Tensor.Scalar(0.03f), Tensor.Scalar((sbyte)3));
        var cf = Function.Create((Tensor x, Tensor y) => Ops.MatMulInteger(x, y, Tensor.Scalar((byte)120), Tensor.Scalar((sbyte)3)))
            .GetConcreteFunction(new TensorSpec(a.Shape, DType.UInt8), new TensorSpec(b.Shape, DType.Int8));
        var path = Path.Combine(Path.GetTempPath(), $"eager-mmi-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(cf, path);
        try
        {
            Assert.That(OrtRunner.Run(path, a, b)[0].ToArray<int>(), Is.EqualTo(Ops.MatMulInteger(a, b, Tensor.Scalar((byte)120), Tensor.Scalar((sbyte)3)).ToArray<int>()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void QuantizedWeightsAreAQuarterOnDisk()
    {
        Initializer.SetGlobalSeed(13);
        var model = new Sequential(new Dense(256, activation: Ops.Relu), new Dense(256, activation: Ops.Relu), new Dense(10));
        model.Build(new Shape(-1, 256));
        Initializer.SetGlobalSeed(null);
        var x = Tensor.RandomNormal(new Shape(8, 256), seed: 1);
        var q = Quantization.QuantizeStatic(model, [x]);
        var floatPath = Export(model.Call, new Shape(8, 256), "size-f32");
        var intPath = Export(q.Call, new Shape(8, 256), "size-int8");
        try
        {
            long f = new FileInfo(floatPath).Length, i = new FileInfo(intPath).Length;
            TestContext.Out.WriteLine($"float32 {f} bytes, int8 {i} bytes ({(double)i / f:P1})");
            Assert.That(i, Is.LessThan(f * 0.3), $"float32 {f} bytes, int8 {i} bytes");
        }
        finally
        {
            File.Delete(floatPath);
            File.Delete(intPath);
        }
    }
}
