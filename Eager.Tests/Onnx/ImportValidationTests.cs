using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Attributes and input shapes an ONNX file gets wrong are reported as corrupt data naming the node or input
/// (found by fuzzing the importer).</summary>
public class ImportValidationTests
{
    private static InvalidDataException ImportFails(OnnxGraphBuilder b)
    {
        var path = b.Save();
        try { return Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(path))!; }
        finally { File.Delete(path); }
    }

    [TestCase("AveragePool", new long[] { 1, 1, 1 })]
    [TestCase("MaxPool", new long[] { 1 })]
    [TestCase("Conv", new long[] { 1, 1, 1, 1, 1, 1 })]
    [TestCase("Conv", new long[] { 1, -1, 1, 1 })]
    public void PadsOfTheWrongLengthOrSignAreInvalidData(string op, long[] pads)
    {
        var b = new OnnxGraphBuilder().Input("x", DType.Float32, 1, 2, 8, 8).Output("y");
        if (op == "Conv") b.Init("w", Tensor.Ones(new Shape(2, 2, 3, 3))).Node(op, ["x", "w"], ["y"], ("pads", pads));
        else b.Node(op, ["x"], ["y"], ("kernel_shape", new long[] { 3, 3 }), ("pads", pads));
        var e = ImportFails(b);
        Assert.That(e.Message, Does.Contain($"({op}, opset 13): pads is [{string.Join(", ", pads)}]; a 2-D spatial input needs 4 non-negative values"));
    }

    [TestCase(2L)]
    [TestCase(-3L)]
    public void ALayerNormalizationAxisOutsideTheRankIsInvalidData(long axis)
    {
        var b = new OnnxGraphBuilder().Input("x", DType.Float32, 3, 4)
            .Init("g", Tensor.Ones(new Shape(4)))
            .Node("LayerNormalization", ["x", "g"], ["y"], ("axis", axis))
            .Output("y");
        Assert.That(ImportFails(b).Message, Does.Contain($"LayerNormalization: axis {axis} is out of range for the input (3, 4) of rank 2"));
    }

    [Test]
    public void AnInputShapeNoTensorCanHoldIsInvalidData()
    {
        var b = new OnnxGraphBuilder().Input("x", DType.Float32, 1, 1 << 30, 4).Node("Relu", ["x"], ["y"]).Output("y");
        Assert.That(ImportFails(b).Message, Is.EqualTo("ONNX input 'x': shape (1, 1073741824, 4) has more elements than a tensor can hold (2^31-1)."));
    }

    [TestCase("BatchNormalization")]
    [TestCase("GlobalAveragePool")]
    [TestCase("GlobalMaxPool")]
    public void ANormalizationOrGlobalPoolOfRankBelowTwoIsInvalidData(string op)
    {
        var b = new OnnxGraphBuilder().Input("x", DType.Float32, 4).Output("y");
        if (op == "BatchNormalization")
        {
            foreach (var n in new[] { "s", "b", "m", "v" }) b.Init(n, Tensor.Ones(new Shape(4)));
            b.Node(op, ["x", "s", "b", "m", "v"], ["y"]);
        }
        else b.Node(op, ["x"], ["y"]);
        Assert.That(ImportFails(b).Message, Does.Contain($"{op}: the input ").And.Contain("has rank 1; it needs (N, C, ...), rank 2 or more."));
    }
}
