using Eager.Onnx;
using Eager.Tests.Conformance;

namespace Eager.Tests.Onnx;

/// <summary>
/// Every op sample whose op has an ONNX mapping is traced (float32), exported, run by ONNX Runtime and by our
/// own importer, and compared with eager execution.
/// </summary>
[TestFixture]
public class ExportConformanceTests
{
    public static IEnumerable<TestCaseData> Cases() => OpSamples.All
        .Where(s => OpRegistry.TryGet(s.Op, out var op) && op!.Onnx is not null && s.Shapes.Length > 0)
        .Select(s => new TestCaseData(s).SetName($"Export_{s}"));

    [TestCaseSource(nameof(Cases))]
    public void ExportedModelAgreesWithEager(OpSample sample)
    {
        var inputs = sample.MakeInputs().Select(t => Ops.Cast(t, DType.Float32)).ToArray();
        Tensor want;
        try { want = sample.Call(inputs); }
        catch (ArgumentException) { Assert.Ignore("the sample needs float64 inputs"); return; }
        var specs = inputs.Select((t, i) => new TensorSpec(t.Shape, t.DType, $"x{i}")).ToArray();
        var fn = Function.Create(xs => [sample.Call(xs)]);
        ConcreteFunction cf;
        // A sample that makes a variable from its input cannot be a function (its value would be symbolic).
        try { cf = fn.GetConcreteFunction(specs); }
        catch (InvalidOperationException e) { Assert.Ignore("cannot be traced into a function: " + e.Message); return; }
        var path = Path.Combine(Path.GetTempPath(), $"eager-export-{Guid.NewGuid():N}.onnx");
        try
        {
            try { OnnxExporter.Export(cf, path); }
            catch (NotSupportedException e) { Assert.Ignore("no ONNX equivalent: " + e.Message); }
            var ort = OrtRunner.Run(path, inputs);
            Assert.That(ort, Has.Length.EqualTo(1));
            if (ExportRoundTrip.DrawsRandom(sample.Op))
            {
                // A random op: ONNX Runtime draws its own numbers.
                Assert.That((ort[0].Shape, ort[0].DType), Is.EqualTo((want.Shape, want.DType)), $"{sample} in ONNX Runtime");
                return;
            }
            NodeConformanceTests.AssertClose(ort[0], want, $"{sample} in ONNX Runtime");
            var back = OnnxImporter.Import(path).Invoke(inputs);
            NodeConformanceTests.AssertClose(back, want, $"{sample} imported back");
        }
        finally { File.Delete(path); }
    }
}
