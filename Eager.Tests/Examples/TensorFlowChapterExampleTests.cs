using System.Diagnostics;

namespace Eager.Tests.Examples;

/// <summary>Runs the built TensorFlow-chapter example: every section checks its own results and prints "ok".</summary>
[TestFixture]
[Category("Slow")]
public class TensorFlowChapterExampleTests
{
    private static readonly string[] Sections =
        ["1. Graph and session basics", "2. Variables and initializers", "3. Placeholders and feed_dict", "4. A queue with reader threads",
         "5. The tf.nn functions", "6. Four ways of loading data", "7. Training and prediction"];

    private static string ExampleDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Eager.sln"))) dir = dir.Parent;
        Assert.That(dir, Is.Not.Null, "repository root not found");
        var dll = Path.Combine(dir!.FullName, "examples", "TensorFlowChapter", "bin", "Release", "net10.0", "TensorFlowChapter.dll");
        if (!File.Exists(dll))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"the example is not built ({dll}): run ./test.sh, which builds the whole solution");
            Assert.Ignore($"the example is not built ({dll}); ./test.sh builds the whole solution");
        }
        return dll;
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ExampleDll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(4)), Is.True, "the example finished in time");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Test]
    public void EverySectionRunsAndChecksItsResults()
    {
        var (code, output) = Run();
        Assert.That(code, Is.EqualTo(0), output);
        foreach (var s in Sections) Assert.That(output, Does.Contain("== " + s), output);
        Assert.That(output.Split('\n').Count(l => l.Trim() == "ok"), Is.EqualTo(Sections.Length), output);
    }

    [Test]
    public void OneSectionRunsAloneAndAnUnknownOneIsRefused()
    {
        var (code, output) = Run("feeding");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("3 + 4.5 = 7.5").And.Not.Contain("== 1."));
        var (bad, message) = Run("nope");
        Assert.That(bad, Is.EqualTo(2));
        Assert.That(message, Does.Contain("basics"));
    }
}
