using System.Diagnostics;
using System.IO.Compression;

namespace Eager.Tests.Examples;

/// <summary>The style transfer written TensorFlow 1 style (placeholders, Session, initializer, feed_dict) gives the image the
/// TF2 one (tape, traced function) gives for the same seed.</summary>
[TestFixture]
[Category("Slow")]
public class StyleTransferTf1Tests
{
    private static string ExampleDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Eager.sln"))) dir = dir.Parent;
        Assert.That(dir, Is.Not.Null, "repository root not found");
        var dll = Path.Combine(dir!.FullName, "examples", "StyleTransfer", "bin", "Release", "net10.0", "StyleTransfer.dll");
        if (!File.Exists(dll))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"the example is not built ({dll}): run ./test.sh, which builds the whole solution");
            Assert.Ignore($"the example is not built ({dll}); ./test.sh builds the whole solution");
        }
        return dll;
    }

    private static byte[] Stylise(string outPath, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ExampleDll());
        foreach (var a in (string[])["--weights", "random", "--size", "32", "--steps", "3", "--noise", "20", "--out", outPath, .. extra]) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(4)), Is.True, "the example finished in time");
        Assert.That(p.ExitCode, Is.EqualTo(0), stdout.Result + stderr.Result);
        return Pixels(File.ReadAllBytes(outPath));
    }

    [Test]
    public void Tf1AndTf2StylesGiveTheSameImageForTheSameSeed()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"eager-tf1-style-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var tf2 = Stylise(Path.Combine(dir, "tf2.png"), "--seed", "5");
            var tf1 = Stylise(Path.Combine(dir, "tf1.png"), "--seed", "5", "--tf1");
            var other = Stylise(Path.Combine(dir, "other.png"), "--seed", "6", "--tf1");
            Assert.That(tf1, Has.Length.EqualTo(tf2.Length));
            int maxDiff = tf1.Zip(tf2).Max(p => Math.Abs(p.First - p.Second));
            Assert.That(maxDiff, Is.LessThanOrEqualTo(1), "the same image, up to rounding of a pixel value");
            Assert.That(other.Zip(tf1).Count(p => p.First != p.Second), Is.GreaterThan(tf1.Length / 10), "another seed, another image");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The raw pixel bytes of an 8-bit, non-interlaced RGB or RGBA PNG (what the example writes).</summary>
    private static byte[] Pixels(byte[] png)
    {
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int len = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            if (type == "IHDR")
            {
                width = (png[at + 8] << 24) | (png[at + 9] << 16) | (png[at + 10] << 8) | png[at + 11];
                height = (png[at + 12] << 24) | (png[at + 13] << 16) | (png[at + 14] << 8) | png[at + 15];
                Assert.That(png[at + 16], Is.EqualTo(8), "8-bit");
                channels = png[at + 17] switch { 2 => 3, 6 => 4, var c => throw new AssertionException($"PNG color type {c}") };
            }
            if (type == "IDAT") idat.Write(png, at + 8, len);
            at += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var data = raw.ToArray();
        int stride = width * channels;
        var result = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            int filter = data[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? result[y * stride + x - channels] : 0;
                int b = y > 0 ? result[(y - 1) * stride + x] : 0;
                int c = x >= channels && y > 0 ? result[(y - 1) * stride + x - channels] : 0;
                int pred = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new AssertionException($"PNG filter {filter}"),
                };
                result[y * stride + x] = (byte)(data[y * (stride + 1) + 1 + x] + pred);
            }
        }
        return result;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
