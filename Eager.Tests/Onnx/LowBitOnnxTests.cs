using Eager.Onnx;
using Eager.Onnx.Proto;

namespace Eager.Tests.Onnx;

/// <summary>float16, bfloat16, int8 and uint8 through ONNX: initializers and Cast, exported, run by ONNX Runtime where
/// it supports the dtype, and imported back.</summary>
public class LowBitOnnxTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"eager-lowbit-{Guid.NewGuid():N}.onnx");

    [TestCase(DType.Float16), TestCase(DType.BFloat16), TestCase(DType.Int8), TestCase(DType.UInt8)]
    public void TensorProtoRoundTrips(DType dtype)
    {
        var t = Ops.Cast(Tensor.From(new[] { -300f, -1.5f, 0f, 0.1f, 2.5f, 200f, float.NaN, 65519f }), dtype);
        var back = OnnxTensors.FromProto(OnnxTensors.ToProto(t, "t"));
        Assert.That(back.DType, Is.EqualTo(dtype));
        Assert.That(back.ToDoubleArray(), Is.EqualTo(t.ToDoubleArray()));
        // The int32_data form that other writers use: bit patterns for the 16-bit floats, values for the 8-bit integers.
        var p = new TensorProto { Name = "u", DataType = OnnxTensors.ElemType(dtype) };
        p.Dims.Add(2);
        int[] stored = dtype switch
        {
            DType.Float16 => [BitConverter.HalfToUInt16Bits((Half)1.5), BitConverter.HalfToUInt16Bits((Half)(-2))],
            DType.BFloat16 => [((BFloat16)1.5f).Bits, ((BFloat16)(-2f)).Bits],
            DType.Int8 => [1, -2],
            _ => [1, 254],
        };
        p.Int32Data.AddRange(stored);
        Assert.That(OnnxTensors.FromProto(p).ToDoubleArray(), Is.EqualTo(dtype == DType.UInt8 ? new[] { 1.0, 254 } : dtype.IsFloating ? new[] { 1.5, -2 } : new[] { 1.0, -2 }));
    }

    [TestCase(DType.Float16), TestCase(DType.BFloat16), TestCase(DType.Int8), TestCase(DType.UInt8)]
    public void CastBothWaysRunsInOnnxRuntime(DType dtype)
    {
        var f = Function.Create((Tensor x) => Ops.Cast(Ops.Cast(x, dtype), DType.Float32) * 2f);
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1), DType.Float32));
        var input = Tensor.From(new[] { -300.7f, -1.5f, 0f, 0.1f, 2.5f, 100.25f, 127.5f, 1000f });
        var path = TempPath();
        try
        {
            OnnxExporter.Export(cf, path);
            var ours = cf.Invoke(input);
            // ONNX Runtime's float-to-integer Cast rounds and wraps where ours truncates and saturates: compare it only
            // on values both rules agree on.
            var safe = dtype.IsFloating ? input : dtype == DType.Int8 ? Tensor.From(new[] { -100f, -1f, 0f, 2f, 100f, 127f }) : Tensor.From(new[] { 0f, 2f, 100f, 255f });
            NodeConformanceTests.AssertClose(OrtRunner.Run(path, safe)[0], cf.Invoke(safe), $"ONNX Runtime against Eager ({dtype.Name()})");
            var imported = OnnxImporter.Import(path);
            NodeConformanceTests.AssertClose(imported.Invoke(input), ours, "imported against the original");
        }
        finally { File.Delete(path); }
    }

    [TestCase(DType.Int8), TestCase(DType.UInt8)]
    public void IntegerMaxPoolExportsAndImportsAsItself(DType dtype)
    {
        var f = Function.Create((Tensor x) => Ops.MaxPool2D(x, poolSize: (2, 3), strides: (1, 2), padding: "SAME"));
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 4, 5, 3), dtype));
        var values = Enumerable.Range(0, 2 * 4 * 5 * 3).Select(i => (float)((i * 37 % 251) - (dtype == DType.Int8 ? 128 : 0))).ToArray();
        var input = Ops.Cast(Tensor.From(values).Reshape(2, 4, 5, 3), dtype);
        var path = TempPath();
        try
        {
            OnnxExporter.Export(cf, path);
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.That(model.Graph.Node.Select(n => n.OpType), Does.Contain("MaxPool").And.Not.Contain("Cast"), "pooled in its own dtype");
            var ours = cf.Invoke(input);
            Assert.That(ours.DType, Is.EqualTo(dtype));
            NodeConformanceTests.AssertClose(OrtRunner.Run(path, input)[0], ours, "ONNX Runtime against Eager");
            var imported = OnnxImporter.Import(path);
            var back = imported.Invoke(input);
            Assert.That(back.DType, Is.EqualTo(dtype));
            Assert.That(back.ToDoubleArray(), Is.EqualTo(ours.ToDoubleArray()));
        }
        finally { File.Delete(path); }
    }

    [TestCase(DType.Float16), TestCase(DType.BFloat16)]
    public void HalfPrecisionInitializersAndInputs(DType dtype)
    {
        var w = Ops.Cast(Tensor.From(new[,] { { 0.5f, -1.25f }, { 2f, 0.1f } }), dtype);
        var f = Function.Create((Tensor x) => Ops.MatMul(x, w));
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 2), dtype));
        var input = Ops.Cast(Tensor.From(new[,] { { 1f, 2f }, { -3f, 0.25f } }), dtype);
        var path = TempPath();
        try
        {
            OnnxExporter.Export(cf, path);
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.That(model.Graph.Initializer.Select(i => i.DataType), Does.Contain(OnnxTensors.ElemType(dtype)), "the weight is stored in its own dtype");
            var imported = OnnxImporter.Import(path);
            var ours = cf.Invoke(input);
            Assert.That(ours.DType, Is.EqualTo(dtype));
            Assert.That(imported.Invoke(input).ToDoubleArray(), Is.EqualTo(ours.ToDoubleArray()));
            if (dtype == DType.Float16) // ONNX Runtime's CPU MatMul has a float16 kernel, not a bfloat16 one
                NodeConformanceTests.AssertClose(OrtRunner.Run(path, input)[0], ours, "ONNX Runtime against Eager");
        }
        finally { File.Delete(path); }
    }
}
