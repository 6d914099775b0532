#:project ../../Eager.NN/Eager.NN.csproj
#:project ../../Eager.Onnx/Eager.Onnx.csproj
#:package SkiaSharp
#:package SkiaSharp.NativeAssets.Linux.NoDependencies
// Style transfer in about 40 lines: dotnet run style.cs [content] [style] [steps] [size]
// Features come from the pretrained ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (see onnx.cs).
using Eager;
using Eager.NN;
using Eager.Onnx;
using SkiaSharp;

var here = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Directory.GetCurrentDirectory();
string Arg(int i, string fallback) => args.Length > i ? args[i] : fallback;
var (contentPath, stylePath) = (Arg(0, Path.Combine(here, "..", "StyleTransfer", "images", "chelsea.png")), Arg(1, Path.Combine(here, "..", "StyleTransfer", "images", "starry_night.jpg")));
int steps = int.Parse(Arg(2, "30")), size = int.Parse(Arg(3, "96"));
var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
var net = OnnxModel.Load(Path.Combine(packages, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));

var mean = Tensor.From(new[] { 103.9f, 116.8f, 123.7f }, new Shape(1, 3, 1, 1));              // ImageNet means, BGR
IReadOnlyDictionary<string, Tensor> Features(Tensor rgb, IReadOnlyCollection<string> layers) =>   // rgb: (1, h, w, 3), 0..255
    net.RunTo([Ops.Transpose(Ops.Gather(rgb, Tensor.From(new[] { 2, 1, 0 }), axis: 3), [0, 3, 1, 2]) - mean], layers);
var relus = net.NodeOutputs("Relu");
var probe = Features(Tensor.Zeros(new Shape(1, size, size, 3)), relus);
var stages = relus.GroupBy(n => probe[n].Shape[2]).Select(g => g.Last()).Take(4).ToList();    // each stage's last ReLU
Tensor Gram(Tensor f) { var m = Ops.Reshape(f, f.Shape[1], -1); return Ops.MatMul(m, m, transposeB: true) / (double)m.Shape.Size; }
Tensor Mse(Tensor a, Tensor b) => Ops.ReduceMean(Ops.Square(a - b));

Tensor Load(string path)
{
    using var bmp = SKBitmap.Decode(path).Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
    var rgba = bmp.GetPixelSpan().ToArray();
    return Tensor.From(Enumerable.Range(0, size * size * 3).Select(i => (float)rgba[i / 3 * 4 + i % 3]).ToArray(), new Shape(1, size, size, 3));
}
var content = Load(contentPath);
var contentTarget = Features(content, [stages[^1]])[stages[^1]];
var styleFeatures = Features(Load(stylePath), stages);
var styleTargets = stages.ToDictionary(l => l, l => Gram(styleFeatures[l]));

var image = new Variable(content, name: "image");
var opt = new Adam(learningRate: 8);
for (int step = 1; step <= steps; step++)
{
    using var tape = new GradientTape();
    var f = Features(image, stages);
    var loss = Mse(f[stages[^1]], contentTarget) + stages.Select(l => Mse(Gram(f[l]), styleTargets[l])).Aggregate((a, b) => a + b) * 1e4;
    opt.ApplyGradients([tape.Gradient(loss, image)], [image]);
    image.Assign(Ops.ClipByValue(image, 0, 255));
    if (step == 1 || step % 10 == 0 || step == steps) Console.WriteLine($"step {step}: loss {loss.Item<float>():G4}");
}
var pixels = image.Value.ToArray<float>();
using var result = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgb888x, SKAlphaType.Opaque));
for (int i = 0; i < size * size; i++) result.SetPixel(i % size, i / size, new SKColor((byte)pixels[3 * i], (byte)pixels[3 * i + 1], (byte)pixels[3 * i + 2]));
using (var png = File.Create(Path.Combine(Directory.GetCurrentDirectory(), "style-transfer.png"))) result.Encode(png, SKEncodedImageFormat.Png, 100);
Console.WriteLine($"wrote style-transfer.png ({size}x{size})");
