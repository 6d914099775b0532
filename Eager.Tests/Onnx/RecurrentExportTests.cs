using Eager.NN;
using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Models with recurrent layers export as ONNX LSTM and GRU nodes that ONNX Runtime runs like Eager.</summary>
public class RecurrentExportTests
{
    [Test]
    public void LstmAndGruLayersExportAsSingleNodes()
    {
        var model = new Sequential(new Lstm(5, returnSequences: true), new Gru(4, goBackwards: true), new Dense(2));
        var x = Tensor.RandomNormal(new Shape(3, 7, 6), seed: 1);
        var want = model.Call(x);
        var f = Function.Create((Tensor t) => model.Call(t));
        var cf = f.GetConcreteFunction(new TensorSpec(x.Shape, DType.Float32, "x"));
        var path = Path.Combine(Path.GetTempPath(), $"eager-rnn-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(cf, path);
            var ops = OnnxFiles.ReadModel(path).Graph.Node.Select(n => n.OpType).ToList();
            Assert.That(ops.Count(o => o == "LSTM"), Is.EqualTo(1), string.Join(", ", ops));
            Assert.That(ops.Count(o => o == "GRU"), Is.EqualTo(1), string.Join(", ", ops));
            NodeConformanceTests.AssertClose(OrtRunner.Run(path, x)[0], want, "ONNX Runtime");
            NodeConformanceTests.AssertClose(OnnxImporter.Import(path).Invoke(x), want, "imported back");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void UnsupportedActivationsAreRefusedByName()
    {
        var node = new Eager.Onnx.Proto.NodeProto { OpType = "GRU", Name = "g" };
        var acts = new Eager.Onnx.Proto.AttributeProto { Name = "activations", Type = Eager.Onnx.Proto.AttributeProto.Types.AttributeType.Strings };
        acts.Strings.Add(Google.Protobuf.ByteString.CopyFromUtf8("Relu"));
        acts.Strings.Add(Google.Protobuf.ByteString.CopyFromUtf8("Tanh"));
        node.Attribute.Add(acts);
        var ctx = new Eager.Onnx.Import.ImportContext(node, [Tensor.Zeros(new Shape(2, 1, 3)), Tensor.Zeros(new Shape(1, 6, 3)), Tensor.Zeros(new Shape(1, 6, 2))], 14);
        var ex = Assert.Throws<NotSupportedException>(() => Eager.Onnx.Import.OnnxOps.Handlers["GRU"](ctx))!;
        Assert.That(ex.Message, Does.Contain("GRU").And.Contain("activations"));
    }
}
