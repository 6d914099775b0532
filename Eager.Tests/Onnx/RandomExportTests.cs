using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Random ops export as ONNX's own random ops (the op, not numbers drawn at export time).</summary>
[TestFixture]
public class RandomExportTests
{
    [TestCase("RandomNormal")]
    [TestCase("RandomUniform")]
    public void RandomOpsExportAsTheirOnnxOps(string op)
    {
        var fn = Function.Create(xs => [xs[0] + (op == "RandomNormal"
            ? Ops.RandomNormal(new Shape(2000), mean: 3, stddev: 0.5, seed: 4)
            : Ops.RandomUniform(new Shape(2000), minval: 2, maxval: 4, seed: 4))]);
        var cf = fn.GetConcreteFunction(new TensorSpec(new Shape(2000), DType.Float32, "x"));
        var path = Path.Combine(Path.GetTempPath(), $"eager-random-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(cf, path);
            // Our importer does not read random ops; the op type is a plain string in the protobuf.
            var text = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path));
            Assert.That(text, Does.Contain(op), $"the model holds a {op} node");
            Assert.That(new FileInfo(path).Length, Is.LessThan(4000), "and not 2000 drawn numbers");
            var got = OrtRunner.Run(path, Tensor.Zeros(new Shape(2000)))[0].ToArray<float>();
            Assert.That(got.Average(), Is.EqualTo(3).Within(0.1), "ONNX Runtime draws from the same distribution");
            if (op == "RandomUniform") Assert.That(got.All(v => v is >= 2 and < 4), Is.True);
        }
        finally { File.Delete(path); }
    }
}
