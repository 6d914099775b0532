#:project ../../Eager.Onnx/Eager.Onnx.csproj
// Run an imported ONNX model: dotnet run onnx.cs [model.onnx]
// By default the pretrained ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (restoring the
// tests or examples/StyleTransfer downloads it), which maps an image to 512 features.
using Eager;
using Eager.Onnx;

var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
var path = args.Length > 0 ? args[0] : Path.Combine(packages, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
if (!File.Exists(path))
{
    Console.Error.WriteLine($"{path} is missing: run 'dotnet restore examples/StyleTransfer' once to download it, or pass a model.");
    return 1;
}
ConcreteFunction model = OnnxImporter.Import(path);
Console.WriteLine($"{Path.GetFileName(path)}: {model.Graph.Nodes.Count} nodes");
Console.WriteLine($"  inputs  {string.Join(", ", model.InputSpecs)}");
Console.WriteLine($"  outputs {string.Join(", ", model.OutputSpecs)}");

// A synthetic picture (a bright disc on a colour gradient), its mirror image, and noise: a network that learned
// about images finds the first two alike and the noise different.
var rng = new Random(1);
Tensor Picture(bool mirror, bool noise)
{
    var px = new float[3 * 224 * 224];
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 224; y++)
            for (int x = 0; x < 224; x++)
            {
                int xs = mirror ? 223 - x : x;
                bool disc = (xs - 80) * (xs - 80) + (y - 100) * (y - 100) < 50 * 50;
                px[(c * 224 + y) * 224 + x] = noise ? rng.Next(256) - 128f : disc ? 100 : (xs + c * y) % 224 - 112f;
            }
    return Tensor.From(px, new Shape(1, 3, 224, 224));
}
double Cosine(Tensor a, Tensor b) => Ops.ReduceSum(a * b).Item<float>() / Math.Sqrt(Ops.ReduceSum(a * a).Item<float>() * Ops.ReduceSum(b * b).Item<float>());
var clock = System.Diagnostics.Stopwatch.StartNew();
var (picture, mirrored, noise) = (model.Invoke(Picture(false, false)), model.Invoke(Picture(true, false)), model.Invoke(Picture(false, true)));
Console.WriteLine($"features {picture.Shape} for 3 images in {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"similarity: picture vs mirror {Cosine(picture, mirrored):F3}, picture vs noise {Cosine(picture, noise):F3}");
return 0;
