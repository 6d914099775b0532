using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Eager.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Eager.Tests.Interactive;

/// <summary>Image tensors as PNG pictures: the encoder (decoded back here) and the value mapping.</summary>
[TestFixture]
public class TensorImageTests
{
    [OneTimeSetUp]
    public void RegisterFormatters() => EagerFormatters.Register();

    /// <summary>A PNG reader for what <see cref="Png"/> writes: checks the signature, every chunk's CRC and the filter bytes.</summary>
    private static (int Width, int Height, int ColorType, byte[] Pixels) Decode(byte[] png)
    {
        Assert.That(png[..8], Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }));
        int pos = 8, width = 0, height = 0, colorType = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.That(crc, Is.EqualTo(Png.Crc(0xFFFFFFFFu, png.AsSpan(pos + 4, 4 + length)) ^ 0xFFFFFFFFu), $"{type} CRC");
            types.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.That(data[8], Is.EqualTo(8), "bit depth");
                colorType = data[9];
            }
            if (type == "IDAT") idat.Write(data);
            pos += 12 + length;
        }
        Assert.That(types, Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        int channels = colorType switch { 0 => 1, 2 => 3, 6 => 4, _ => -1 };
        int stride = width * channels;
        var bytes = raw.ToArray();
        Assert.That(bytes, Has.Length.EqualTo(height * (stride + 1)));
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            Assert.That(bytes[y * (stride + 1)], Is.EqualTo(0), "filter type");
            Array.Copy(bytes, y * (stride + 1) + 1, pixels, y * stride, stride);
        }
        return (width, height, colorType, pixels);
    }

    [Test]
    public void CrcMatchesTheStandardCheckValue() =>
        Assert.That(Png.Crc(0xFFFFFFFFu, "123456789"u8) ^ 0xFFFFFFFFu, Is.EqualTo(0xCBF43926u));

    [TestCase(1, 0)]
    [TestCase(3, 2)]
    [TestCase(4, 6)]
    public void PngRoundTripsEveryChannelCount(int channels, int colorType)
    {
        int w = 7, h = 3;
        var pixels = Enumerable.Range(0, w * h * channels).Select(i => (byte)(i * 37)).ToArray();
        var decoded = Decode(Png.Encode(pixels, w, h, channels));
        Assert.That((decoded.Width, decoded.Height, decoded.ColorType), Is.EqualTo((w, h, colorType)));
        Assert.That(decoded.Pixels, Is.EqualTo(pixels));
    }

    [Test]
    public void PngRejectsBadSizes()
    {
        Assert.That(() => Png.Encode(new byte[6], 2, 1, 2), Throws.ArgumentException.With.Message.Contains("channels must be 1"));
        Assert.That(() => Png.Encode(new byte[5], 2, 1, 3), Throws.ArgumentException.With.Message.Contains("expected 2 x 1 x 3 = 6 bytes, got 5"));
        Assert.That(() => Png.Encode([], 0, 1, 3), Throws.ArgumentException.With.Message.Contains("must be positive"));
    }

    [Test]
    public void AnRgbImageInZeroToOneMapsToBytes()
    {
        var t = Tensor.From(new[] { 0f, 0.5f, 1f, 1f, 0f, 0.25f }, new Shape(1, 2, 1, 3));
        var image = t.AsImage();
        Assert.That((image.Height, image.Width, image.Channels, image.Low, image.High), Is.EqualTo((2, 1, 3, 0.0, 1.0)));
        Assert.That(image.Pixels.ToArray(), Is.EqualTo(new byte[] { 0, 128, 255, 255, 0, 64 }));
        Assert.That(Decode(image.ToPng()).Pixels, Is.EqualTo(image.Pixels.ToArray()));
    }

    [Test]
    public void TheAutomaticRangeFollowsTheValues()
    {
        Assert.That(Tensor.From(new[] { 0f, 200f }, new Shape(1, 2)).AsImage().High, Is.EqualTo(255));
        var signed = Tensor.From(new[] { -2f, 2f, float.NaN, float.PositiveInfinity }, new Shape(2, 2)).AsImage();
        Assert.That((signed.Low, signed.High), Is.EqualTo((-2.0, 2.0)), "min and max of the finite values");
        Assert.That(signed.Pixels.ToArray(), Is.EqualTo(new byte[] { 0, 255, 0, 255 }), "NaN black, infinity clamped");
        Assert.That(Tensor.From(new[] { 3, 255 }, new Shape(1, 2)).AsImage().Pixels.ToArray(), Is.EqualTo(new byte[] { 3, 255 }));
        Assert.That(Tensor.From(new[] { true, false }, new Shape(1, 2)).AsImage().Pixels.ToArray(), Is.EqualTo(new byte[] { 255, 0 }));
        Assert.That(Tensor.Full(new Shape(2, 2), -7).AsImage().Pixels.ToArray(), Is.All.EqualTo(128), "constant: mid grey");
        Assert.That(Tensor.Full(new Shape(1, 1), double.NaN).AsImage().Pixels.ToArray(), Is.EqualTo(new byte[] { 0 }));
    }

    [Test]
    public void AnExplicitRangeClamps()
    {
        var image = Tensor.From(new[] { -10f, 127.5f, 300f }, new Shape(1, 3, 1)).AsImage(0, 255);
        Assert.That(image.Pixels.ToArray(), Is.EqualTo(new byte[] { 0, 128, 255 }));
    }

    [Test]
    public void ATransposedViewIsReadInItsOwnOrder()
    {
        var t = Ops.Transpose(Tensor.From(new[] { 0, 10, 20, 30, 40, 50 }, new Shape(2, 3)), [1, 0]);
        Assert.That(t.AsImage().Pixels.ToArray(), Is.EqualTo(new byte[] { 0, 30, 10, 40, 20, 50 }));
    }

    [Test]
    public void SmallImagesAreEnlargedPixelated()
    {
        var small = Tensor.Zeros(new Shape(28, 28, 1)).AsImage();
        Assert.That(small.Scale, Is.EqualTo(5));
        var html = Formatter.ToDisplayString(small, HtmlFormatter.MimeType);
        Assert.That(html, Does.StartWith("<img src=\"data:image/png;base64,").And.Contain("width=\"140\"").And.Contain("pixelated"));
        var base64 = html.Split('"')[1]["data:image/png;base64,".Length..];
        Assert.That(Decode(Convert.FromBase64String(base64)).Width, Is.EqualTo(28));
        var large = Tensor.Zeros(new Shape(200, 300, 3)).AsImage();
        Assert.That((large.Scale, large.ToHtml().Contains("pixelated")), Is.EqualTo((1, false)));
        Assert.That(Tensor.Zeros(new Shape(4, 4)).AsImage(scale: 2).ToHtml(), Does.Contain("width=\"8\""));
    }

    [Test]
    public void NonImageShapesAndSymbolicTensorsAreRejectedWithTheShape()
    {
        Assert.That(() => Tensor.Zeros(new Shape(4, 4, 2)).AsImage(), Throws.ArgumentException.With.Message.Contains("got (4, 4, 2) float32"));
        Assert.That(() => Tensor.Zeros(new Shape(2, 4, 4, 3)).AsImage(), Throws.ArgumentException.With.Message.Contains("one image at a time"));
        Assert.That(() => Tensor.Zeros(new Shape(5)).AsImage(), Throws.ArgumentException);
        Assert.That(() => Tensor.Zeros(new Shape(0, 4)).AsImage(), Throws.ArgumentException.With.Message.Contains("no pixels"));
        Assert.That(() => Tensor.Zeros(new Shape(2, 2)).AsImage(1, 1), Throws.ArgumentException.With.Message.Contains("must exceed"));
        Assert.That(() => Tensor.Zeros(new Shape(2, 2)).AsImage(scale: 0), Throws.ArgumentException.With.Message.Contains("scale"));
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(8, 8, 3), name: "img");
            Assert.That(() => x.AsImage(), Throws.ArgumentException.With.Message.Contains("symbolic"));
        }
    }

    [Test]
    public void SavePngWritesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-image-{Guid.NewGuid():N}.png");
        try
        {
            Tensor.Ones(new Shape(3, 5, 3)).AsImage().SavePng(path);
            Assert.That(Decode(File.ReadAllBytes(path)).Width, Is.EqualTo(5));
        }
        finally { File.Delete(path); }
    }
}
