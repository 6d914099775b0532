using System.Globalization;

namespace Eager.Interactive;

/// <summary>
/// An image made from a tensor, shown in a notebook as a PNG picture. Build one with
/// <see cref="TensorImageExtensions.AsImage"/>: shapes (H, W), (H, W, C) and (1, H, W, C) with C = 1 (grey),
/// 3 (RGB) or 4 (RGBA). Values map linearly from [<see cref="Low"/>, <see cref="High"/>] to 0..255 and are clamped.
/// </summary>
public sealed class TensorImage
{
    private readonly byte[] pixels;

    internal TensorImage(byte[] pixels, int height, int width, int channels, double low, double high, int scale)
    {
        this.pixels = pixels;
        Height = height;
        Width = width;
        Channels = channels;
        Low = low;
        High = high;
        Scale = scale;
    }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>1 (grey), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }

    /// <summary>The value shown as black (0).</summary>
    public double Low { get; }

    /// <summary>The value shown as full intensity (255).</summary>
    public double High { get; }

    /// <summary>How many screen pixels wide each image pixel is drawn (small images are enlarged, pixelated).</summary>
    public int Scale { get; }

    /// <summary>The 8-bit pixels, row-major, <see cref="Channels"/> bytes each.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>The image as a PNG file.</summary>
    public byte[] ToPng() => Png.Encode(pixels, Width, Height, Channels);

    /// <summary>Writes the PNG file to <paramref name="path"/>: to a temporary file first, then renamed into place.</summary>
    public void SavePng(string path)
    {
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp");
        File.WriteAllBytes(tmp, ToPng());
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>An &lt;img&gt; element with the PNG inline (a data URI).</summary>
    public string ToHtml() =>
        string.Create(CultureInfo.InvariantCulture,
            $"<img src=\"data:image/png;base64,{Convert.ToBase64String(ToPng())}\" width=\"{Width * Scale}\" height=\"{Height * Scale}\" ") +
        (Scale > 1 ? "style=\"image-rendering:pixelated\" " : "") +
        string.Create(CultureInfo.InvariantCulture, $"alt=\"image {Height}x{Width}x{Channels}\"/>");

    /// <summary>"TensorImage 64x64x3 [0, 255]".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"TensorImage {Height}x{Width}x{Channels} [{Low:G6}, {High:G6}]");
}

/// <summary>Turns tensors into <see cref="TensorImage"/>s for display.</summary>
public static class TensorImageExtensions
{
    /// <summary>Small images are drawn at least this many screen pixels wide.</summary>
    public const int MinDisplayWidth = 128;

    /// <summary>
    /// The tensor as a picture. Without <paramref name="low"/> and <paramref name="high"/>: integer and bool
    /// tensors use [0, 255] and [0, 1]; float tensors use [0, 1] when every value lies there, [0, 255] when every
    /// value lies there, and their own minimum and maximum otherwise. NaN shows as black; infinities clamp.
    /// </summary>
    /// <param name="tensor">Shape (H, W), (H, W, C) or (1, H, W, C) with C = 1, 3 or 4; concrete.</param>
    /// <param name="low">The value shown as black.</param>
    /// <param name="high">The value shown as full intensity; must exceed <paramref name="low"/>.</param>
    /// <param name="scale">Screen pixels per image pixel; by default small images are enlarged to at least <see cref="MinDisplayWidth"/> wide.</param>
    /// <exception cref="ArgumentException">The shape is not an image's, the tensor is symbolic or empty, or high &lt;= low.</exception>
    public static TensorImage AsImage(this Tensor tensor, double? low = null, double? high = null, int? scale = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var s = tensor.Shape;
        if (tensor.IsSymbolic)
            throw new ArgumentException($"AsImage: the tensor \"{tensor.Name}\" is symbolic; run it in a Session (or call the function eagerly) first.", nameof(tensor));
        bool ok = s.Rank == 2 || (s.Rank == 3 && IsChannels(s[2])) || (s.Rank == 4 && s[0] == 1 && IsChannels(s[3]));
        if (!ok)
            throw new ArgumentException($"AsImage: expected shape (H, W), (H, W, C) or (1, H, W, C) with C = 1, 3 or 4, got {s} {tensor.DType.Name()}." +
                (s.Rank == 4 && IsChannels(s[3]) ? " For a batch, show one image at a time, e.g. images[i].AsImage()." : ""), nameof(tensor));
        if (s.Size == 0) throw new ArgumentException($"AsImage: the tensor {s} has no pixels.", nameof(tensor));
        if (scale is <= 0) throw new ArgumentException($"AsImage: scale must be positive, got {scale}.", nameof(scale));
        int h = s[^(s.Rank == 2 ? 2 : 3)], w = s[^(s.Rank == 2 ? 1 : 2)], c = s.Rank == 2 ? 1 : s[^1];
        var values = tensor.ToDoubleArray();
        var (lo, hi) = Range(values, tensor.DType, low, high);
        if (!(hi > lo)) throw new ArgumentException($"AsImage: high ({hi}) must exceed low ({lo}).", nameof(high));
        var pixels = new byte[values.Length];
        double k = 255 / (hi - lo);
        for (int i = 0; i < values.Length; i++)
            pixels[i] = double.IsNaN(values[i]) ? (byte)0 : (byte)Math.Round(Math.Clamp((values[i] - lo) * k, 0, 255));
        return new TensorImage(pixels, h, w, c, lo, hi, scale ?? Math.Max(1, (MinDisplayWidth + w - 1) / w));
    }

    private static bool IsChannels(int c) => c is 1 or 3 or 4;

    private static (double Low, double High) Range(double[] v, DType dtype, double? low, double? high)
    {
        if (low is { } l && high is { } h) return (l, h);
        double autoLow, autoHigh;
        if (dtype == DType.Bool) (autoLow, autoHigh) = (0, 1);
        else if (dtype.IsInteger) (autoLow, autoHigh) = (0, 255);
        else
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var x in v)
            {
                if (!double.IsFinite(x)) continue;     // NaN shows black, infinities clamp: neither sets the range
                min = Math.Min(min, x);
                max = Math.Max(max, x);
            }
            if (min > max) (autoLow, autoHigh) = (0, 1);        // no finite value at all
            else if (min >= 0 && max <= 1) (autoLow, autoHigh) = (0, 1);
            else if (min >= 0 && max <= 255) (autoLow, autoHigh) = (0, 255);
            else if (max > min) (autoLow, autoHigh) = (min, max);
            else (autoLow, autoHigh) = (min - 0.5, min + 0.5);    // constant (or all-NaN) image: mid grey
        }
        return (low ?? autoLow, high ?? autoHigh);
    }
}
