using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;

namespace Eager.Tests.Interactive;

/// <summary>
/// Executes every notebook in examples/notebooks headlessly on a hosted .NET Interactive C# kernel and fails on
/// any cell error. The notebooks load Eager from the local package folder, so the packages are packed first
/// (scripts/pack.sh). Set EAGER_SAVE_NOTEBOOKS=1 to write the executed notebooks, outputs included, back to disk.
/// </summary>
[TestFixture]
[Category("Slow")]
[NonParallelizable]
public class NotebookTests
{
    private static readonly string[] Expected = ["getting-started.ipynb", "graph-and-session.ipynb", "style-transfer.ipynb"];

    private static string NotebookDir => Path.Combine(Requires.RepoRoot, "examples", "notebooks");

    private static IEnumerable<string> Notebooks() =>
        Directory.Exists(NotebookDir) ? Directory.GetFiles(NotebookDir, "*.ipynb").Select(Path.GetFileName).Order()! : [];

    [OneTimeSetUp]
    public void PackThePackages()
    {
#if DEBUG
        string[] args = [];
#else
        string[] args = ["--no-build"];     // a Release test run follows a Release build of every packed project
#endif
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(Requires.RepoRoot, "scripts", "pack.sh"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(5)), Is.True, "scripts/pack.sh finished in time");
        Assert.That(p.ExitCode, Is.Zero, () => "scripts/pack.sh failed:\n" + stdout.Result + stderr.Result);
    }

    [Test]
    public void EveryLibraryPacksWithItsMetadataSymbolsAndDocs()
    {
        var folder = Path.Combine(Requires.RepoRoot, "artifacts", "packages");
        string[] ids = ["Eager.Kernels", "Eager.Core", "Eager.NN", "Eager.Onnx", "Eager.Interactive", "Eager.Distributed"];
        Assert.That(Directory.GetFiles(folder, "*.nupkg").Select(Path.GetFileName).Where(f => f!.StartsWith("Eager.", StringComparison.Ordinal)),
            Is.EquivalentTo(ids.Select(id => $"{id}.0.1.0.nupkg")), "only the libraries pack: no tests, benchmarks or examples");
        foreach (var id in ids)
        {
            using var package = ZipFile.OpenRead(Path.Combine(folder, $"{id}.0.1.0.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToList();
            Assert.That(entries, Does.Contain($"lib/net10.0/{id}.dll").And.Contain($"lib/net10.0/{id}.xml").And.Contain("README.md"), id);
            using var nuspec = package.GetEntry($"{id}.nuspec")!.Open();
            var meta = XDocument.Load(nuspec).Root!.Elements().First();
            string Field(string name) => meta.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.That((Field("id"), Field("license"), Field("readme")), Is.EqualTo((id, "MIT", "README.md")), id);
            Assert.That(Field("description"), Has.Length.GreaterThan(40), id);
            using var symbols = ZipFile.OpenRead(Path.Combine(folder, $"{id}.0.1.0.snupkg"));
            Assert.That(symbols.Entries.Select(e => e.FullName), Does.Contain($"lib/net10.0/{id}.pdb"), id);
            if (id == "Eager.Interactive") Assert.That(entries, Does.Contain("interactive-extensions/dotnet/extension.dib"));
        }
    }

    [Test]
    public void TheExampleNotebooksArePresent() => Assert.That(Notebooks(), Is.SupersetOf(Expected));

    [TestCaseSource(nameof(Notebooks))]
    public async Task RunsWithoutErrors(string notebook)
    {
        var path = Path.Combine(NotebookDir, notebook);
        var (document, failures) = await NotebookRunner.RunAsync(path, TimeSpan.FromMinutes(4));
        Assert.That(failures, Is.Empty, () => $"{notebook}:\n" + string.Join("\n", failures));
        if (Environment.GetEnvironmentVariable("EAGER_SAVE_NOTEBOOKS") == "1") await NotebookRunner.SaveAsync(document, path);
    }

    [TestCaseSource(nameof(Notebooks))]
    public void IsSavedWithItsOutputsAndNoErrors(string notebook)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookDir, notebook)));
        var code = json.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        var outputs = code.SelectMany(c => c.GetProperty("outputs").EnumerateArray()).ToList();
        Assert.That(code.Count(c => c.GetProperty("outputs").GetArrayLength() > 0), Is.GreaterThanOrEqualTo(code.Count / 2),
            "most code cells show their results (run with EAGER_SAVE_NOTEBOOKS=1 to save them)");
        Assert.That(outputs.Where(o => o.GetProperty("output_type").GetString() == "error"), Is.Empty);
    }

    [TestCaseSource(nameof(Notebooks))]
    public void IsSavedWithoutPathsOfTheMachineThatRanIt(string notebook)
    {
        var text = File.ReadAllText(Path.Combine(NotebookDir, notebook));
        foreach (var prefix in new[] { Requires.RepoRoot, "/work/", "/home/", "/root/", "/tmp/", "C:\\Users" })
            Assert.That(text, Does.Not.Contain(prefix), $"{notebook} shows a folder of the machine that saved it");
    }
}
