using System.Collections.Concurrent;
using Eager.Onnx;
using Eager.Onnx.Import;

namespace Eager.Tests.Onnx;

/// <summary>
/// ONNX's own backend node tests (Debian's libonnx-testdata, ONNX 1.12): every case whose operators the
/// importer claims is imported, run eagerly and compared with the expected outputs. Cases that use an
/// attribute combination the importer rejects with NotSupportedException are reported as ignored, with
/// the reason; any other exception or a wrong number fails. Per-operator counts go to the test output
/// and to TestResults/onnx-node-report.md.
/// </summary>
[TestFixture]
[Category("OnnxNode")]
public class NodeConformanceTests
{
    public const string NodeDir = "/usr/share/libonnx-testdata/data/node";
    private static readonly ConcurrentDictionary<string, (int Pass, int Fail, int Unsupported)> Counts = new();

    public static IEnumerable<TestCaseData> Cases()
    {
        if (!Directory.Exists(NodeDir))
        {
            yield return new TestCaseData("(libonnx-testdata not installed)").SetName("NodeTests_NeedTestData");
            yield break;
        }
        foreach (var dir in Directory.GetDirectories(NodeDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            List<string> ops;
            try { ops = OnnxFiles.ReadModel(Path.Combine(dir, "model.onnx")).Graph.Node.Select(n => n.OpType).Distinct().ToList(); }
            catch (Exception) { continue; }
            if (ops.Count == 0 || !ops.All(OnnxOps.Handlers.ContainsKey)) continue;
            yield return new TestCaseData(name).SetName("Node_" + name);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void RunsLikeOnnxReference(string caseName)
    {
        Requires.That(Directory.Exists(NodeDir), $"ONNX's node tests ({NodeDir}, Debian package libonnx-testdata)", "scripts/setup.sh (apt-get install libonnx-testdata)");
        var dir = Path.Combine(NodeDir, caseName);
        var model = OnnxFiles.ReadModel(Path.Combine(dir, "model.onnx"));
        var op = model.Graph.Node.Last().OpType;
        GraphImporter importer;
        Tensor[] outputs;
        List<Tensor> expected;
        try
        {
            importer = new GraphImporter(model);
            var dataDir = Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal).First();
            var inputs = Directory.GetFiles(dataDir, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadFile).ToList();
            expected = Directory.GetFiles(dataDir, "output_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadFile).ToList();
            outputs = importer.Run(inputs.Take(importer.Inputs.Count).ToList());
        }
        catch (NotSupportedException e)
        {
            Count(op, unsupported: true);
            Assert.Ignore("unsupported variant: " + e.Message);
            return;
        }
        try
        {
            Assert.That(outputs, Has.Length.EqualTo(expected.Count), "number of outputs");
            for (int i = 0; i < expected.Count; i++) AssertClose(outputs[i], expected[i], $"{caseName} output {i}");
        }
        catch
        {
            Count(op, failed: true);
            throw;
        }
        Count(op);
    }

    private static void Count(string op, bool failed = false, bool unsupported = false) =>
        Counts.AddOrUpdate(op, _ => (failed || unsupported ? 0 : 1, failed ? 1 : 0, unsupported ? 1 : 0),
            (_, c) => (c.Pass + (failed || unsupported ? 0 : 1), c.Fail + (failed ? 1 : 0), c.Unsupported + (unsupported ? 1 : 0)));

    internal static void AssertClose(Tensor got, Tensor want, string what)
    {
        Assert.That(got.Shape, Is.EqualTo(want.Shape), $"{what}: shape");
        Assert.That(got.DType, Is.EqualTo(want.DType), $"{what}: dtype");
        var g = got.ToDoubleArray(); var w = want.ToDoubleArray();
        for (int i = 0; i < g.Length; i++)
        {
            if (double.IsNaN(w[i])) { Assert.That(double.IsNaN(g[i]), $"{what}[{i}]: expected NaN, got {g[i]}"); continue; }
            if (double.IsInfinity(w[i])) { Assert.That(g[i], Is.EqualTo(w[i]), $"{what}[{i}]"); continue; }
            Assert.That(Math.Abs(g[i] - w[i]), Is.LessThanOrEqualTo(1e-5 + 1e-3 * Math.Abs(w[i])), $"{what}[{i}]: got {g[i]}, expected {w[i]}");
        }
    }

    [OneTimeTearDown]
    public void Report()
    {
        if (Counts.IsEmpty) return;
        static string Rate(int pass, int total) => total == 0 ? "-" : $"{100.0 * pass / total:F0}%";
        var lines = Counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"| {kv.Key} | {kv.Value.Pass} | {kv.Value.Fail} | {kv.Value.Unsupported} | {Rate(kv.Value.Pass, kv.Value.Pass + kv.Value.Fail + kv.Value.Unsupported)} |").ToList();
        int p = Counts.Values.Sum(c => c.Pass), f = Counts.Values.Sum(c => c.Fail), u = Counts.Values.Sum(c => c.Unsupported);
        var text = "| ONNX operator | passed | failed | unsupported variant | passed of all |\n|---|---|---|---|---|\n" + string.Join("\n", lines) +
                   $"\n| **total** | {p} | {f} | {u} | {Rate(p, p + f + u)} |\n";
        TestContext.Progress.WriteLine("ONNX node tests per operator (an unsupported variant counts against its operator):\n" + text);
        try
        {
            var dir = Path.Combine(Requires.RepoRoot, "TestResults");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "onnx-node-report.md"), text);
        }
        catch (IOException) { }
    }
}
