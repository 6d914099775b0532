using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Eager.Tests.Examples;

/// <summary>Runs the built style-transfer example (the README's main command) for a few steps at a tiny size.</summary>
[TestFixture]
[Category("Slow")]
public partial class StyleTransferExampleTests
{
    private static string ExampleDll()
    {
        var dll = Path.Combine(Requires.RepoRoot, "examples", "StyleTransfer", "bin", "Release", "net10.0", "StyleTransfer.dll");
        Requires.That(File.Exists(dll), $"the built example {dll}", "./test.sh (dotnet build Eager.sln -c Release builds every example)");
        return dll;
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ExampleDll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(4)), Is.True, "the example finished in time");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"loss ([0-9.eE+-]+) -> ([0-9.eE+-]+)")]
    private static partial Regex LossLine();

    [TestCase("adam")]
    [TestCase("lbfgs")]
    public void LossFallsAndAValidPngOfTheRightSizeIsWritten(string optimizer)
    {
        var outPath = Path.Combine(Path.GetTempPath(), $"eager-style-{Guid.NewGuid():N}.png");
        try
        {
            var (code, output) = Run("--size", "64", "--steps", "5", "--optimizer", optimizer, "--out", outPath);
            Assert.That(code, Is.EqualTo(0), output);
            var m = LossLine().Match(output.Replace("\n", " "));
            Assert.That(m.Success, Is.True, "the example reports its loss: " + output);
            double first = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), last = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.That(last, Is.LessThan(first), "total loss falls");
            var png = File.ReadAllBytes(outPath);
            Assert.That(png[..8], Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "PNG signature");
            int width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
            int height = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23];
            Assert.That(Math.Max(width, height), Is.EqualTo(64), "the longer side is --size");
            Assert.That(File.Exists(Path.ChangeExtension(outPath, null) + "-losses.png"), Is.True, "loss plot written");
        }
        finally
        {
            File.Delete(outPath);
            File.Delete(Path.ChangeExtension(outPath, null) + "-losses.png");
        }
    }

    [Test]
    public void BFloat16VggWeightsHalveTheWeightMemoryAndTheLossStillFalls()
    {
        var outPath = Path.Combine(Path.GetTempPath(), $"eager-style-bf16-{Guid.NewGuid():N}.png");
        try
        {
            var (code, output) = Run("--weights", "random", "--precision", "bf16", "--size", "48", "--steps", "3", "--out", outPath);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("bfloat16 weights (38 MiB)"), "VGG19's 20,024,384 weights at 2 bytes");
            var m = LossLine().Match(output.Replace("\n", " "));
            Assert.That(m.Success, Is.True, output);
            Assert.That(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Is.LessThan(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
            var (bad, said) = Run("--precision", "bf16");
            Assert.That(bad, Is.EqualTo(2));
            Assert.That(said, Does.Contain("--weights"), "bf16 needs VGG19");
        }
        finally
        {
            File.Delete(outPath);
            File.Delete(Path.ChangeExtension(outPath, null) + "-losses.png");
        }
    }

    [Test]
    public void BadOptionsExplainThemselves()
    {
        var (code, output) = Run("--optimizer", "sgd");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(output, Does.Contain("adam or lbfgs"));
        var (helpCode, help) = Run("--help");
        Assert.That(helpCode, Is.EqualTo(0));
        Assert.That(help, Does.Contain("--content").And.Contain("--weights").And.Contain("--save-every"));
    }
}
