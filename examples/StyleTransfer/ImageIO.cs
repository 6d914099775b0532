using Eager;
using SkiaSharp;

namespace StyleTransfer;

/// <summary>Reads and writes images as [1, H, W, 3] float32 tensors with values in 0..255 (RGB).</summary>
internal static class ImageIO
{
    /// <summary>Loads a JPEG/PNG and resizes it so its longer side is about <paramref name="size"/> pixels; both sides
    /// are rounded to multiples of 32 so the feature networks' five stride-2 stages divide evenly.</summary>
    public static Tensor Load(string path, int size)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image '{path}' does not exist.", path);
        using var original = SKBitmap.Decode(path) ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can read (JPEG, PNG, WebP, GIF, BMP).");
        double scale = (double)size / Math.Max(original.Width, original.Height);
        static int Round32(double v) => Math.Max(32, (int)Math.Round(v / 32) * 32);
        int w = Round32(original.Width * scale), h = Round32(original.Height * scale);
        return Load(original, w, h);
    }

    /// <summary>Loads an image resized to exactly <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static Tensor Load(string path, int width, int height)
    {
        using var original = SKBitmap.Decode(path) ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can read.");
        return Load(original, width, height);
    }

    private static Tensor Load(SKBitmap original, int w, int h)
    {
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = original.Resize(info, new SKSamplingOptions(SKCubicResampler.Mitchell));
        var data = new float[h * w * 3];
        var px = resized.GetPixelSpan();
        for (int i = 0; i < h * w; i++)
        {
            data[i * 3] = px[i * 4];
            data[i * 3 + 1] = px[i * 4 + 1];
            data[i * 3 + 2] = px[i * 4 + 2];
        }
        return Tensor.From(data, new Shape(1, h, w, 3));
    }

    /// <summary>Writes a [1, H, W, 3] (or [H, W, 3]) tensor of 0..255 values as a PNG, clamping; atomic.</summary>
    public static void SavePng(Tensor image, string path)
    {
        var s = image.Shape;
        int h = s[^3], w = s[^2];
        if (s[^1] != 3) throw new ArgumentException($"SavePng: expected an RGB image [.., H, W, 3], got {s}.");
        var values = image.ToArray<float>();
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var px = bmp.GetPixelSpan();
        for (int i = 0; i < h * w; i++)
        {
            for (int c = 0; c < 3; c++) px[i * 4 + c] = (byte)Math.Clamp(MathF.Round(values[i * 3 + c]), 0, 255);
            px[i * 4 + 3] = 255;
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp");
        using (var fs = File.Create(tmp))
        using (var img = SKImage.FromBitmap(bmp))
        using (var png = img.Encode(SKEncodedImageFormat.Png, 100))
            png.SaveTo(fs);
        File.Move(tmp, path, overwrite: true);
    }
}
