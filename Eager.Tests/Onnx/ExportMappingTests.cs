using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Export mappings that the sample-driven export check cannot reach (integer inputs, unknown dimensions), run in ONNX Runtime.</summary>
[TestFixture]
public class ExportMappingTests
{
    private static void Check(ConcreteFunction f, Tensor input)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-export-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(f, path);
            NodeConformanceTests.AssertClose(OrtRunner.Run(path, input)[0], f.Invoke(input), "ONNX Runtime against Eager");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void OneHotKeepsNegativeIndicesOff()
    {
        var f = Function.Create((Tensor i) => Ops.OneHot(i, 4, onValue: 2, offValue: -1, axis: 0));
        Check(f.GetConcreteFunction(new TensorSpec(new Shape(-1), DType.Int64)), Tensor.From(new long[] { 0, 3, -1, 2, 7 }));
    }

    [Test]
    public void StridedSliceWithUnknownBatch()
    {
        var f = Function.Create((Tensor x) => Ops.StridedSlice(x, [0, 1, -1], [0, 0, 0], [1, 1, 1], beginMask: 0b001, endMask: 0b011, shrinkAxisMask: 0b100));
        Check(f.GetConcreteFunction(new TensorSpec(new Shape(-1, 5, 3), DType.Float32)), Tensor.RandomNormal(new Shape(2, 5, 3), seed: 1));
    }

    [Test]
    public void ReshapeToARunTimeShape()
    {
        var f = Function.Create((Tensor x) => Ops.Reshape(x, Ops.Concat([Ops.Slice(Ops.ShapeOf(x), [0], [1]), Tensor.From(new[] { -1 })])));
        Check(f.GetConcreteFunction(new TensorSpec(new Shape(-1, 2, 3), DType.Float32)), Tensor.RandomNormal(new Shape(4, 2, 3), seed: 2));
    }
}
