using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Imported graphs that compute shapes at run time, traced with unknown dimensions, against ONNX Runtime.</summary>
[TestFixture]
public class DynamicShapeImportTests
{
    private static void Check(OnnxGraphBuilder b, params Tensor[][] runs)
    {
        var path = b.Save();
        try
        {
            var f = OnnxImporter.Import(path);
            foreach (var inputs in runs)
            {
                var want = OrtRunner.Run(path, inputs)[0];
                NodeConformanceTests.AssertClose(f.Invoke(inputs), want, "traced import");
                NodeConformanceTests.AssertClose(OnnxModel.Load(path).Run(inputs)[0], want, "eager import");
            }
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void FlattenByShapeGatherConcatReshape()
    {
        // What exporters emit for x.view(x.size(0), -1) with a symbolic batch.
        var b = new OnnxGraphBuilder()
            .Input("x", DType.Float32, -1, 3, 2, 2)
            .Init("zero", Tensor.Scalar(0L)).Init("minus1", Tensor.From(new long[] { -1 }))
            .Node("Shape", ["x"], ["s"])
            .Node("Gather", ["s", "zero"], ["n"], ("axis", 0L))
            .Node("Unsqueeze", ["n", "axes0"], ["n1"])
            .Init("axes0", Tensor.From(new long[] { 0 }))
            .Node("Concat", ["n1", "minus1"], ["shape"], ("axis", 0L))
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y");
        Check(b, [Tensor.RandomNormal(new Shape(2, 3, 2, 2), seed: 1)], [Tensor.RandomNormal(new Shape(5, 3, 2, 2), seed: 2)]);
    }

    [Test]
    public void ReshapeToTwoRunTimeDims()
    {
        // [b, h*w, c] -> [b, h, w, c] with b, h and w unknown: the shape tensor is used when the graph runs.
        var b = new OnnxGraphBuilder()
            .Input("x", DType.Float32, -1, -1, 4).Input("hw", DType.Float32, -1, -1)
            .Init("c", Tensor.From(new long[] { 4 }))
            .Node("Shape", ["x"], ["sx"]).Node("Shape", ["hw"], ["shw"])
            .Init("i0", Tensor.From(new long[] { 0 }))
            .Node("Gather", ["sx", "i0"], ["bdim"], ("axis", 0L))
            .Node("Concat", ["bdim", "shw", "c"], ["shape"], ("axis", 0L))
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y");
        Check(b, [Tensor.RandomNormal(new Shape(2, 6, 4), seed: 3), Tensor.Zeros(new Shape(2, 3))],
                 [Tensor.RandomNormal(new Shape(1, 20, 4), seed: 4), Tensor.Zeros(new Shape(4, 5))]);
    }

    [Test]
    public void ConstantOfShapeAndRangeAtRunTime()
    {
        var b = new OnnxGraphBuilder()
            .Input("x", DType.Float32, -1)
            .Node("Shape", ["x"], ["s"])
            .Node("ConstantOfShape", ["s"], ["ones"], ("value", Tensor.From(new[] { 1f })))
            .Init("start", Tensor.Scalar(0f)).Init("delta", Tensor.Scalar(1f))
            .Init("i0", Tensor.Scalar(0L))
            .Node("Gather", ["s", "i0"], ["n"], ("axis", 0L))
            .Node("Cast", ["n"], ["nf"], ("to", 1L))
            .Node("Range", ["start", "nf", "delta"], ["r"])
            .Node("Add", ["ones", "r"], ["y0"])
            .Node("Mul", ["y0", "x"], ["y"])
            .Output("y");
        Check(b, [Tensor.RandomNormal(new Shape(3), seed: 5)], [Tensor.RandomNormal(new Shape(7), seed: 6)]);
    }

    [Test]
    public void DynamicReshapeHasAGradient()
    {
        var x = Tensor.RandomNormal(new Shape(2, 6), seed: 7);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.ReduceSum(Ops.Square(Ops.Reshape(x, Ops.ShapeOf(Tensor.Zeros(new Shape(3, 4))))));
        var g = tape.Gradient(y, x);
        NodeConformanceTests.AssertClose(g!, x * 2.0, "d/dx sum(reshape(x)^2)");
    }
}
