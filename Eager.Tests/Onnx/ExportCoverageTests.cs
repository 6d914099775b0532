using Eager.Onnx;
using Eager.Tests.Conformance;

namespace Eager.Tests.Onnx;

/// <summary>
/// Export covers every registered op that has an ONNX equivalent: each op either carries an ONNX mapping, and one of
/// its samples exports, runs in ONNX Runtime and matches eager execution, or says in its definition why it has none.
/// </summary>
[TestFixture]
public class ExportCoverageTests
{
    [Test]
    public void EveryOpExportsOrSaysWhyNot()
    {
        var neither = OpRegistry.All.Where(o => o.Onnx is null && string.IsNullOrWhiteSpace(o.NoOnnx)).Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
        var both = OpRegistry.All.Where(o => o.Onnx is not null && o.NoOnnx is not null).Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(neither, Is.Empty, "ops with neither an ONNX mapping nor a NoOnnx reason: " + string.Join(", ", neither));
            Assert.That(both, Is.Empty, "ops with an ONNX mapping and a NoOnnx reason: " + string.Join(", ", both));
        });
    }

    public static IEnumerable<TestCaseData> MappedOps() => OpRegistry.All.Where(o => o.Onnx is not null)
        .Select(o => o.Name).Order(StringComparer.Ordinal).Select(n => new TestCaseData(n).SetName("ExportCovers_" + n));

    /// <summary>At least one sample of the op exports and agrees with eager in ONNX Runtime (float32 inputs, or the
    /// sample's own float64 where the op needs them). A stateful op other than control flow draws random numbers here (ONNX Runtime draws its
    /// own): only its shape and dtype are compared.</summary>
    [TestCaseSource(nameof(MappedOps))]
    public void MappedOpRoundTripsThroughOnnxRuntime(string op)
    {
        var why = new List<string>();
        bool random = ExportRoundTrip.DrawsRandom(op);
        foreach (var sample in OpSamples.All.Where(s => s.Op == op && s.Traceable))
        {
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            {
                var inputs = sample.MakeInputs().Select(t => Ops.Cast(t, dtype)).ToArray();
                var outcome = ExportRoundTrip.Try(sample.Call, inputs, valuesMatch: !random);
                if (outcome is null) return;
                why.Add($"{sample} ({dtype.Name()}): {outcome}");
            }
        }
        Assert.Fail($"no sample of {op} round-trips through ONNX Runtime:\n" + string.Join("\n", why));
    }
}

/// <summary>Traces a call, exports it, runs it in ONNX Runtime and compares with eager execution.</summary>
internal static class ExportRoundTrip
{
    /// <summary>Whether ONNX Runtime computes the op's values differently by design: a stateful op draws random numbers.
    /// If and While are stateful only to keep their subgraphs' stateful nodes in program order; they compute values.</summary>
    public static bool DrawsRandom(string op) => OpRegistry.Get(op).IsStateful && op is not (ControlFlowOps.IfName or ControlFlowOps.WhileName);

    /// <summary>Null when the exported model agrees with eager; otherwise why not.</summary>
    public static string? Try(Func<Tensor[], Tensor> call, Tensor[] inputs, bool valuesMatch = true)
    {
        Tensor want;
        try { want = call(inputs); }
        catch (ArgumentException e) { return "eager: " + e.Message; }
        var specs = inputs.Select((t, i) => new TensorSpec(t.Shape, t.DType, $"x{i}")).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"eager-cover-{Guid.NewGuid():N}.onnx");
        try
        {
            var cf = Function.Create(xs => [call(xs)]).GetConcreteFunction(specs);
            OnnxExporter.Export(cf, path);
            var ort = OrtRunner.Run(path, inputs);
            if (ort.Length != 1) return $"ONNX Runtime gave {ort.Length} outputs";
            if (!valuesMatch)
                return ort[0].Shape == want.Shape && ort[0].DType == want.DType ? null : $"ONNX Runtime gave {ort[0].DType.Name()}{ort[0].Shape}, eager {want.DType.Name()}{want.Shape}";
            try { NodeConformanceTests.AssertClose(ort[0], want, "ONNX Runtime against eager"); }
            catch (AssertionException e) { return e.Message; }
            return null;
        }
        catch (Exception e) when (e is not AssertionException) { return $"{e.GetType().Name}: {e.Message.Split('\n')[0]}"; }
        finally { File.Delete(path); }
    }
}
