using System.Diagnostics;
using System.Text.Json;

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

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Eager.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"no Eager.sln above {AppContext.BaseDirectory}");
    }

    private static string NotebookDir => Path.Combine(Root(), "examples", "notebooks");

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
        psi.ArgumentList.Add(Path.Combine(Root(), "scripts", "pack.sh"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(5)), Is.True, "scripts/pack.sh finished in time");
        Assert.That(p.ExitCode, Is.Zero, () => "scripts/pack.sh failed:\n" + stdout.Result + stderr.Result);
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
}
