using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Eager.Tests.Examples;

/// <summary>
/// Runs every file-based script in examples/scripts with <c>dotnet run script.cs</c>, exactly as a user would (the
/// default file-based settings: Debug, PublishAot on, so no dynamic code paths), and checks what each prints.
/// A new script needs an entry in <see cref="Expectations"/>.
/// </summary>
[TestFixture]
[Category("Slow")]
[NonParallelizable]
public partial class ScriptTests
{
    private static string Root() => Requires.RepoRoot;

    private static string ScriptDir => Path.Combine(Root(), "examples", "scripts");

    /// <summary>Arguments (kept small so the run is short) and a check of the output, per script.</summary>
    private static readonly Dictionary<string, (string[] Args, Action<string, string> Check)> Expectations = new()
    {
        ["hello.cs"] = ([], (output, _) =>
        {
            Assert.That(output, Does.Contain("d(x^3)/dx at 3 = 27"));
            Assert.That(output, Does.Match(@"least squares w = \(-?0\.000, 0\.500\)"));
            Assert.That(output, Does.Contain("traced f([0, 1, 2]) = tf.Tensor([0. 1. 3.]").And.Contain("traces: 1"));
        }),
        ["fit.cs"] = (["2"], (output, _) =>
        {
            Assert.That(output, Does.Contain("Epoch 2/2"), "Fit prints a line per epoch when the output is redirected");
            Assert.That(Percent(output, "test accuracy"), Is.GreaterThan(85));
        }),
        ["onnx.cs"] = ([], (output, _) =>
        {
            Assert.That(output, Does.Contain("ResNet18.onnx").And.Contain("outputs TensorSpec(shape=(1, 512, 1, 1), dtype=float32)"));
            var m = Similarity().Match(output);
            Assert.That(m.Success, Is.True, output);
            Assert.That(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThan(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 0.2),
                "a picture is nearer its mirror image than noise");
        }),
        ["style.cs"] = ([Path.Combine("..", "StyleTransfer", "images", "chelsea.png"), Path.Combine("..", "StyleTransfer", "images", "starry_night.jpg"), "6", "64"], (output, dir) =>
        {
            var losses = LossValue().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            Assert.That(losses, Has.Count.GreaterThanOrEqualTo(2), output);
            Assert.That(losses[^1], Is.LessThan(losses[0]), "the loss falls");
            var png = File.ReadAllBytes(Path.Combine(dir, "style-transfer.png"));
            Assert.That(png[..4], Is.EqualTo(new byte[] { 137, 80, 78, 71 }));
        }),
    };

    [GeneratedRegex(@"picture vs mirror ([0-9.]+), picture vs noise (-?[0-9.]+)")]
    private static partial Regex Similarity();

    [GeneratedRegex(@"step \d+: loss ([0-9.eE+-]+)")]
    private static partial Regex LossValue();

    private static double Percent(string output, string label)
    {
        var m = Regex.Match(output, Regex.Escape(label) + @" ([0-9.]+) ?%");
        Assert.That(m.Success, Is.True, $"'{label} NN %' in:\n{output}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> Scripts() =>
        Directory.Exists(ScriptDir) ? Directory.GetFiles(ScriptDir, "*.cs").Select(Path.GetFileName).Order()! : [];

    [Test]
    public void EveryScriptHasAnExpectation() =>
        Assert.That(Scripts(), Is.EquivalentTo(Expectations.Keys), "add an entry to ScriptTests.Expectations for each script");

    [TestCaseSource(nameof(Scripts))]
    public void RunsWithDotnetRun(string script)
    {
        if (script is "fit.cs")
            Requires.That(File.Exists(Path.Combine(Root(), "data", "mnist", "src", "digits", "9.json")), "the MNIST digits in data/mnist", "scripts/setup.sh");
        var (args, check) = Expectations[script];
        // Run from the scripts folder (relative image paths), writing outputs into a scratch copy of nothing else.
        var (code, output) = DotnetRun(ScriptDir, Path.Combine(ScriptDir, script), args);
        try
        {
            Assert.That(code, Is.Zero, output);
            check(output, ScriptDir);
        }
        finally { File.Delete(Path.Combine(ScriptDir, "style-transfer.png")); }
    }

    /// <summary>The user's route to the packed packages: scripts/pack.sh, then a script with #:package and a nuget.config.</summary>
    [Test]
    public void ThePackagedScriptRunsAgainstThePackedPackages()
    {
#if DEBUG
        string[] pack = [];
#else
        string[] pack = ["--no-build"];     // a Release test run follows a Release build of every packed project
#endif
        var (packCode, packOutput) = Run("bash", Root(), [Path.Combine(Root(), "scripts", "pack.sh"), .. pack]);
        Assert.That(packCode, Is.Zero, packOutput);
        var dir = Path.Combine(ScriptDir, "packaged");
        var (code, output) = DotnetRun(dir, Path.Combine(dir, "hello.cs"), []);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Match(@"xor after 300 epochs: loss 0\.0\d+, accuracy 100 ?%"));
    }

    private static (int Code, string Output) DotnetRun(string workDir, string script, string[] args) =>
        Run("dotnet", workDir, ["run", script, .. args]);

    private static (int Code, string Output) Run(string exe, string workDir, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"'{exe} {string.Join(' ', args)}' did not finish in 10 minutes:\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
