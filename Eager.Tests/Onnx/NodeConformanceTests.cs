using Eager.Onnx;
using Eager.Onnx.Import;

namespace Eager.Tests.Onnx;

/// <summary>
/// ONNX's own backend node tests (Debian's libonnx-testdata, ONNX 1.12). Every test of an operator the importer
/// claims (any operator it accepts at all) is imported, run eagerly and compared with the expected outputs; a
/// case the importer refuses with NotSupportedException is an unsupported variant, reported as ignored here and
/// counted as a failure of its operator in the report. The tests of function expansions ("_expanded") whose
/// operators are all claimed run too; they test other operators' bodies, so the report lists them apart.
/// <see cref="NodeReport"/> writes the per-operator table (scripts/onnx-conformance.sh: docs/onnx-conformance.md).
/// </summary>
[TestFixture]
[Category("OnnxNode")]
public class NodeConformanceTests
{
    public const string NodeDir = "/usr/share/libonnx-testdata/data/node";

    public static IEnumerable<TestCaseData> Cases()
    {
        if (!Directory.Exists(NodeDir))
        {
            yield return new TestCaseData("(libonnx-testdata not installed)").SetName("NodeTests_NeedTestData");
            yield break;
        }
        foreach (var c in NodeCatalog.Load(NodeDir).Where(c => c.Counted || c.Expanded))
            yield return new TestCaseData(c.Name).SetName("Node_" + c.Name);
    }

    [TestCaseSource(nameof(Cases))]
    public void RunsLikeOnnxReference(string caseName)
    {
        Requires.That(Directory.Exists(NodeDir), $"ONNX's node tests ({NodeDir}, Debian package libonnx-testdata)", "scripts/setup.sh (apt-get install libonnx-testdata)");
        var outcome = Run(caseName);
        NodeReport.Record(caseName, outcome);
        if (outcome.Status == NodeStatus.Unsupported) Assert.Ignore("unsupported variant: " + outcome.Message);
        if (outcome.Status == NodeStatus.Failed) Assert.Fail(outcome.Message);
    }

    /// <summary>Imports and runs one case; any exception other than NotSupportedException, or a wrong number, fails it.</summary>
    internal static NodeOutcome Run(string caseName)
    {
        var dir = Path.Combine(NodeDir, caseName);
        try
        {
            var model = OnnxFiles.ReadModel(Path.Combine(dir, "model.onnx"));
            var importer = new GraphImporter(model);
            var dataDir = Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal).First();
            var inputs = Directory.GetFiles(dataDir, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadFile).ToList();
            var expected = Directory.GetFiles(dataDir, "output_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadFile).ToList();
            var outputs = importer.Run(inputs.Take(importer.Inputs.Count).ToList());
            if (outputs.Length != expected.Count) return new(NodeStatus.Failed, $"{outputs.Length} outputs, expected {expected.Count}");
            for (int i = 0; i < expected.Count; i++)
                if (Mismatch(outputs[i], expected[i], $"output {i}") is { } why) return new(NodeStatus.Failed, why);
            return new(NodeStatus.Passed, "");
        }
        catch (NotSupportedException e) { return new(NodeStatus.Unsupported, e.Message); }
        catch (Exception e) { return new(NodeStatus.Failed, $"{e.GetType().Name}: {e.Message}"); }
    }

    internal static void AssertClose(Tensor got, Tensor want, string what)
    {
        if (Mismatch(got, want, what) is { } why) Assert.Fail(why);
    }

    private static string? Mismatch(Tensor got, Tensor want, string what)
    {
        if (got.Shape != want.Shape) return $"{what}: shape {got.Shape}, expected {want.Shape}";
        if (got.DType != want.DType) return $"{what}: dtype {got.DType.Name()}, expected {want.DType.Name()}";
        var g = got.ToDoubleArray(); var w = want.ToDoubleArray();
        for (int i = 0; i < g.Length; i++)
        {
            if (double.IsNaN(w[i])) { if (!double.IsNaN(g[i])) return $"{what}[{i}]: expected NaN, got {g[i]}"; continue; }
            if (double.IsInfinity(w[i])) { if (g[i] != w[i]) return $"{what}[{i}]: got {g[i]}, expected {w[i]}"; continue; }
            if (!(Math.Abs(g[i] - w[i]) <= 1e-5 + 1e-3 * Math.Abs(w[i]))) return $"{what}[{i}]: got {g[i]}, expected {w[i]}";
        }
        return null;
    }

    [OneTimeTearDown]
    public void Report() => NodeReport.Write();
}

/// <summary>Which node tests belong to which claimed operator.</summary>
internal static class NodeCatalog
{
    /// <summary>One test directory: its operator (the last node's type; for an expansion, the expanded operator's),
    /// whether it counts toward that claimed operator, and whether it is a function expansion whose operators are all claimed.</summary>
    public sealed record Case(string Name, string Op, bool Counted, bool Expanded);

    private static List<Case>? cached;

    public static List<Case> Load(string nodeDir)
    {
        if (cached is not null) return cached;
        var opsOf = new Dictionary<string, List<string>?>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(nodeDir).Order(StringComparer.Ordinal))
        {
            List<string>? ops;
            try
            {
                ops = OnnxFiles.ReadModel(Path.Combine(dir, "model.onnx")).Graph.Node
                    .Select(n => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx" ? n.OpType : n.Domain + "." + n.OpType).ToList();
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException) { ops = null; }
            opsOf[Path.GetFileName(dir)] = ops;
        }
        var claimed = OnnxOps.Handlers.Keys.ToHashSet(StringComparer.Ordinal);
        var result = new List<Case>();
        foreach (var (name, ops) in opsOf)
        {
            if (ops is null || ops.Count == 0) continue;
            if (name.EndsWith("_expanded", StringComparison.Ordinal))
            {
                var baseOps = opsOf.GetValueOrDefault(name[..^"_expanded".Length]);
                var op = baseOps is { Count: > 0 } ? baseOps[^1] : name;
                if (ops.All(claimed.Contains)) result.Add(new Case(name, op, false, true));
                continue;
            }
            if (claimed.Contains(ops[^1])) result.Add(new Case(name, ops[^1], true, false));
        }
        return cached = result;
    }
}

internal enum NodeStatus { Passed, Failed, Unsupported }

internal sealed record NodeOutcome(NodeStatus Status, string Message);
