using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Eager.Tests.Examples;

/// <summary>
/// Runs examples/AotInference (trace, save as a graph file and ONNX, load both back, compare with eager) without
/// a JIT's dynamic code: published with Native AOT, and as a file-based app with default settings
/// (PublishAot=true, so RuntimeFeature.IsDynamicCodeSupported is false under the JIT).
/// </summary>
[TestFixture]
[Category("Slow")]
public partial class AotInferenceExampleTests
{
    private const string Agrees = "ok: traced, graph-file and ONNX results agree with eager";

    [Test]
    public void NativeAotExecutableRunsTracedAndLoadedModelsLikeEager()
    {
        Requires.That(OnPath("clang"), "clang (links Native AOT executables)", "scripts/setup.sh (apt-get install clang zlib1g-dev)");
        Requires.That(File.Exists("/usr/include/zlib.h"), "zlib1g-dev (links Native AOT executables)", "scripts/setup.sh (apt-get install clang zlib1g-dev)");
        var (code, output) = RunExample("aot");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("runtime: Native AOT"), output);
        AssertAgreesWithEager(output);
    }

    [Test]
    public void FileBasedAppRunsTracedLayerNormGeluWithoutDynamicCode()
    {
        var (code, output) = RunExample("file");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("dynamic code off"), "a file-based app with default settings runs without dynamic code: " + output);
        AssertAgreesWithEager(output);
    }

    private static void AssertAgreesWithEager(string output)
    {
        Assert.That(output, Does.Contain(Agrees), output);
        Assert.That(output, Does.Not.Contain("not ok"), output);
        var keys = RowLine().Matches(output).Select(m => m.Groups[1].Value).ToArray();
        Assert.That(keys, Is.EqualTo(new[] { "layernorm_gelu", "mlp_forward", "mlp_step" }), "one timing row per workload: " + output);
        foreach (Match m in RowLine().Matches(output))
        {
            Assert.That(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Is.Positive, m.Value);
            Assert.That(double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), Is.Positive, m.Value);
        }
    }

    [GeneratedRegex(@"^row\t(\w+)\t([0-9.]+)\t([0-9.]+)$", RegexOptions.Multiline)]
    private static partial Regex RowLine();

    private static (int Code, string Output) RunExample(string mode)
    {
        var script = Path.Combine(Requires.RepoRoot, "examples", "AotInference", "run.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add("--iterations");
        psi.ArgumentList.Add("1");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"run.sh {mode} did not finish in 20 minutes");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, tool)));
}
