using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>3-D MaxPool and AveragePool (NCDHW) imported eagerly and traced, against ONNX Runtime.</summary>
[TestFixture]
public class Pool3DImportTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var op in new[] { "MaxPool", "AveragePool" })
        {
            yield return new TestCaseData(op, new (string, object)[] { ("kernel_shape", new long[] { 2, 2, 2 }) }).SetName($"{op}3D_Default");
            yield return new TestCaseData(op, new (string, object)[] { ("kernel_shape", new long[] { 3, 2, 3 }), ("strides", new long[] { 2, 1, 2 }), ("pads", new long[] { 1, 0, 1, 1, 1, 0 }) }).SetName($"{op}3D_PadsStrides");
            yield return new TestCaseData(op, new (string, object)[] { ("kernel_shape", new long[] { 3, 3, 3 }), ("strides", new long[] { 2, 2, 2 }), ("auto_pad", "SAME_UPPER") }).SetName($"{op}3D_SameUpper");
            yield return new TestCaseData(op, new (string, object)[] { ("kernel_shape", new long[] { 2, 3, 2 }), ("strides", new long[] { 2, 2, 3 }), ("ceil_mode", 1L) }).SetName($"{op}3D_CeilMode");
        }
        yield return new TestCaseData("AveragePool", new (string, object)[] { ("kernel_shape", new long[] { 3, 3, 2 }), ("pads", new long[] { 1, 1, 0, 1, 1, 1 }), ("count_include_pad", 1L) }).SetName("AveragePool3D_CountIncludePad");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesOnnxRuntime(string op, (string Name, object Value)[] attrs)
    {
        var path = new OnnxGraphBuilder().Input("x", DType.Float32, 2, 3, 5, 6, 7).Node(op, ["x"], ["y"], attrs).Output("y").Save();
        try
        {
            var x = Tensor.RandomNormal(new Shape(2, 3, 5, 6, 7), seed: 11);
            var want = OrtRunner.Run(path, x)[0];
            NodeConformanceTests.AssertClose(OnnxModel.Load(path).Run(x)[0], want, $"{op} eager");
            NodeConformanceTests.AssertClose(OnnxImporter.Import(path).Invoke(x), want, $"{op} traced");
        }
        finally { File.Delete(path); }
    }
}
