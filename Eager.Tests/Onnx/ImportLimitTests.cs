using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>What an ONNX file can make the importer compute: values folded at import time come from the file alone
/// and share a bounded budget; values computed from the caller's inputs do not.</summary>
public class ImportLimitTests
{
    private static string RangeModel(long limit) => new OnnxGraphBuilder()
        .Input("x", DType.Int64, -1)
        .Init("start", Tensor.Scalar(0L)).Init("limit", Tensor.Scalar(limit)).Init("delta", Tensor.Scalar(1L))
        .Node("Range", ["start", "limit", "delta"], ["r"])
        .Node("Add", ["r", "x"], ["y"])
        .Output("y", DType.Int64)
        .Save();

    [Test]
    public void AFoldedRangeLargerThanTheImportBudgetIsInvalidDataNamingTheNode()
    {
        var path = RangeModel(1L << 30);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(path));
            Assert.That(e!.Message, Does.StartWith("ONNX node 'Range_0' (Range, opset 13): Range: outputs int64(1073741824").And.Contain("elements left"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void AFoldedRangeBeyondInt32IsInvalidData()
    {
        var path = RangeModel(long.MaxValue);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(path));
            Assert.That(e!.Message, Does.Contain("Range_0").And.Contain("more than a tensor can hold"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void AFoldedRangeWithinTheBudgetImports()
    {
        var path = RangeModel(1000);
        try
        {
            var f = OnnxImporter.Import(path, new TensorSpec(new Shape(1000), DType.Int64));
            Assert.That(f.Invoke(Tensor.From(new long[1000])).ToArray<long>()[999], Is.EqualTo(999));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ARangeOfTheCallersInputsIsNotLimitedWhenRunEagerly()
    {
        var path = new OnnxGraphBuilder()
            .Input("start", DType.Int32).Input("limit", DType.Int32).Input("delta", DType.Int32)
            .Node("Range", ["start", "limit", "delta"], ["r"])
            .Output("r", DType.Int32)
            .Save();
        try
        {
            int n = (1 << 24) + 5;
            var r = OnnxModel.Load(path).Run(Tensor.Scalar(0), Tensor.Scalar(n), Tensor.Scalar(1))[0];
            Assert.That(r.Shape, Is.EqualTo(new Shape(n)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void AResizeScaleThatNoTensorCanHoldIsInvalidData()
    {
        var path = new OnnxGraphBuilder()
            .Input("x", DType.Float32, -1, 2, 4, 4)
            .Init("roi", Tensor.From(Array.Empty<float>())).Init("scales", Tensor.From(new[] { 1f, 1f, 1e12f, 2f }))
            .Node("Resize", ["x", "roi", "scales"], ["y"], ("mode", "nearest"))
            .Output("y")
            .Save();
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(path));
            Assert.That(e!.Message, Does.Contain("Resize_0").And.Contain("makes an input size of 4 ").And.Contain("more than a tensor can hold"));
        }
        finally { File.Delete(path); }
    }
}
