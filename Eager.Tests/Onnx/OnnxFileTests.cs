using Eager.Onnx;

namespace Eager.Tests.Onnx;

[TestFixture]
public class OnnxFileTests
{
    private string path = "";

    [SetUp]
    public void SetUp() => path = Path.Combine(Path.GetTempPath(), $"eager-onnx-{Guid.NewGuid():N}.onnx");

    [TearDown]
    public void TearDown() { if (File.Exists(path)) File.Delete(path); }

    private static ConcreteFunction SmallCnn()
    {
        var k = new Variable(Tensor.RandomNormal(new Shape(3, 3, 2, 4), seed: 1), name: "conv/kernel");
        var b = new Variable(Tensor.RandomNormal(new Shape(4), seed: 2), name: "conv/bias");
        var w1 = new Variable(Tensor.RandomNormal(new Shape(36, 5), stddev: 0.3, seed: 3), name: "dense/kernel");
        var w2 = new Variable(Tensor.RandomNormal(new Shape(5, 3), seed: 4), name: "dense_1/kernel");
        var f = Function.Create((Tensor x) =>
        {
            var h = Ops.Relu(Ops.BiasAdd(Ops.Conv2D(x, k, strides: 1, padding: "SAME"), b));
            h = Ops.Reshape(Ops.MaxPool2D(h, poolSize: 2, strides: 2, padding: "VALID"), -1, 36);
            return Ops.Softmax(Ops.MatMul(Ops.Sigmoid(Ops.MatMul(h, w1)), w2));
        });
        return f.GetConcreteFunction(new TensorSpec(new Shape(-1, 6, 6, 2), DType.Float32));
    }

    [Test]
    public void CnnRunsInOnnxRuntimeForAnyBatchSize()
    {
        var cf = SmallCnn();
        OnnxExporter.Export(cf, path);
        var model = Eager.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.That(model.Graph.Input[0].Type.TensorType.Shape.Dim[0].HasDimValue, Is.False, "the batch dimension stays symbolic");
        foreach (var batch in new[] { 1, 4 })
        {
            var x = Tensor.RandomNormal(new Shape(batch, 6, 6, 2), seed: batch);
            var ours = cf.Invoke(x);
            NodeConformanceTests.AssertClose(OrtRunner.Run(path, x)[0], ours, $"batch {batch}");
            NodeConformanceTests.AssertClose(OnnxImporter.Import(path).Invoke(x), ours, $"imported, batch {batch}");
        }
    }

    [Test]
    public void OpWithoutMappingIsNamed()
    {
        var f = Function.Create((Tensor x) => Ops.RandomShuffle(x, seed: 1));
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(2, 3), DType.Float32));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(cf, path));
        Assert.That(e!.Message, Does.Contain("RandomShuffle").And.Contain("no random permutation"), "the op and why it has no mapping");
        Assert.That(File.Exists(path), Is.False, "nothing is written when export fails");
    }

    [Test]
    public void MissingFileIsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => OnnxImporter.Import(path));

    [Test]
    public void GarbageIsRejectedClearly()
    {
        File.WriteAllBytes(path, [8, 7, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(path));
        Assert.That(e!.Message, Does.Contain(Path.GetFileName(path)));
    }

    [Test]
    public void EveryTruncationIsRejectedWithoutACrash()
    {
        OnnxExporter.Export(SmallCnn(), path);
        var bytes = File.ReadAllBytes(path);
        var cut = Path.Combine(Path.GetTempPath(), $"eager-cut-{Guid.NewGuid():N}.onnx");
        try
        {
            for (int n = 0; n < bytes.Length; n += Math.Max(1, bytes.Length / 97))
            {
                File.WriteAllBytes(cut, bytes[..n]);
                try { OnnxImporter.Import(cut); }
                catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException) { }
            }
        }
        finally { File.Delete(cut); }
    }

    [Test]
    public void UnsupportedOperatorIsNamedWithTheOpset()
    {
        var model = new Eager.Onnx.Proto.ModelProto
        {
            IrVersion = 7,
            OpsetImport = { new Eager.Onnx.Proto.OperatorSetIdProto { Version = 13 } },
            Graph = new Eager.Onnx.Proto.GraphProto
            {
                Name = "g",
                Node = { new Eager.Onnx.Proto.NodeProto { OpType = "NonMaxSuppression", Input = { "x" }, Output = { "y" } } },
                Output = { new Eager.Onnx.Proto.ValueInfoProto { Name = "y" } },
            },
        };
        OnnxFiles.WriteModel(model, path);
        var e = Assert.Throws<NotSupportedException>(() => OnnxImporter.Import(path));
        Assert.That(e!.Message, Does.Contain("NonMaxSuppression").And.Contain("13"));
    }
}
