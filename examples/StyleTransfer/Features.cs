using Eager;
using Eager.NN.Models;
using Eager.Onnx;

namespace StyleTransfer;

/// <summary>A pretrained network that gives named feature maps ([1, h, w, c]) of an RGB 0..255 image.</summary>
internal interface IFeatureNet
{
    string Description { get; }
    string ContentLayer { get; }
    IReadOnlyList<string> StyleLayers { get; }
    IReadOnlyDictionary<string, Tensor> Extract(Tensor rgb, IEnumerable<string> layers);
}

/// <summary>VGG19 with pretrained weights from a safetensors or ONNX file.</summary>
internal sealed class Vgg19Net : IFeatureNet
{
    private readonly Vgg19 model;

    /// <summary>VGG19 from a safetensors file, or the ONNX model zoo's VGG-19 from an .onnx file; with
    /// <paramref name="weights"/> bfloat16 or float16 the safetensors weights are kept in that dtype (half the memory),
    /// the network computes in it (accumulating in float32) and its features are widened to float32 for the losses.</summary>
    /// <remarks>"random" gives VGG19 with seeded random weights: the same computation, for timing only.</remarks>
    public static IFeatureNet Load(string path, DType weights = DType.Float32)
    {
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return weights == DType.Float32 ? new OnnxVgg19Net(path) : throw new ArgumentException("--precision bf16 needs VGG19 weights from a safetensors file or 'random', not ONNX.");
        Vgg19 model;
        string what;
        if (path == "random")
        {
            model = new Vgg19(seed: 1);
            model.Build(new Shape(-1, 224, 224, 3), weights);
            what = "VGG19 with random weights (for timing; the result is not a stylisation)";
        }
        else
        {
            model = Vgg19.FromSafeTensors(path, dtype: weights);
            what = $"VGG19 with weights from {Path.GetFileName(path)}";
        }
        long bytes = model.Variables.Sum(v => v.Shape.Size * (long)v.DType.Size());
        return new Vgg19Net(model, $"{what}, {weights.Name()} weights ({bytes / (1 << 20)} MiB)");
    }

    private Vgg19Net(Vgg19 model, string description)
    {
        this.model = model;
        Description = description;
    }

    public string Description { get; }
    public string ContentLayer => "block4_conv2";
    public IReadOnlyList<string> StyleLayers => Vgg19.StyleLayers;

    public IReadOnlyDictionary<string, Tensor> Extract(Tensor rgb, IEnumerable<string> layers)
    {
        var features = model.Features(Ops.Cast(model.Preprocess(rgb), model.DType), layers);
        return features.ToDictionary(kv => kv.Key, kv => Ops.Cast(kv.Value, DType.Float32));
    }
}

/// <summary>
/// The pretrained ResNet-18 shipped (as ONNX) inside the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18,
/// run through Eager's ONNX importer. Style layers: the last ReLU of each resolution stage; content: stage 3.
/// </summary>
internal sealed class ResNet18Net : IFeatureNet
{
    private readonly OnnxModel model;
    private readonly Tensor mean;
    private readonly List<string> stages;

    public ResNet18Net(string modelPath, string preprocessPath)
    {
        model = OnnxModel.Load(modelPath);
        // The package's preprocessing model subtracts a 224x224 BGR mean image; its per-channel mean serves any size.
        var meanImage = OnnxModel.Load(preprocessPath).Initializer("MeanImage");
        mean = Ops.Reshape(Ops.ReduceMean(Ops.Reshape(meanImage, 3, -1), axis: 1), 1, 3, 1, 1);
        var reluNames = model.NodeOutputs("Relu");
        var probe = model.RunTo([ToModelInput(Tensor.Zeros(new Shape(1, 64, 64, 3)))], reluNames);
        // Last ReLU at each spatial size = the output of each ResNet stage.
        stages = reluNames.GroupBy(n => probe[n].Shape[2]).Select(g => g.Last()).ToList();
        Description = "ResNet-18 (pretrained, ImageNet; from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, imported from ONNX)";
    }

    public string Description { get; }
    public string ContentLayer => stages[Math.Min(3, stages.Count - 1)];
    public IReadOnlyList<string> StyleLayers => stages.Take(4).ToList();

    private Tensor ToModelInput(Tensor rgb)
    {
        var bgr = Ops.Gather(rgb, Tensor.From(new[] { 2, 1, 0 }), axis: 3);
        return Ops.Transpose(bgr, [0, 3, 1, 2]) - mean;
    }

    public IReadOnlyDictionary<string, Tensor> Extract(Tensor rgb, IEnumerable<string> layers)
    {
        var nchw = model.RunTo([ToModelInput(rgb)], layers.ToList());
        return nchw.ToDictionary(kv => kv.Key, kv => Ops.Transpose(kv.Value, [0, 2, 3, 1]));
    }
}

/// <summary>
/// VGG-19 from an ONNX file (e.g. the ONNX model zoo's vgg19, NCHW, RGB normalised with ImageNet mean/std):
/// its first 16 ReLU outputs are named block1_conv1 ... block5_conv4 in VGG19's layout.
/// </summary>
internal sealed class OnnxVgg19Net : IFeatureNet
{
    private static readonly int[] ConvsPerBlock = [2, 2, 4, 4, 4];
    private readonly OnnxModel model;
    private readonly Dictionary<string, string> byName = [];
    private readonly Tensor mean = Tensor.From(new[] { 0.485f * 255, 0.456f * 255, 0.406f * 255 }, new Shape(1, 3, 1, 1));
    private readonly Tensor std = Tensor.From(new[] { 0.229f * 255, 0.224f * 255, 0.225f * 255 }, new Shape(1, 3, 1, 1));

    public OnnxVgg19Net(string path)
    {
        model = OnnxModel.Load(path);
        var relus = model.NodeOutputs("Relu");
        if (relus.Count < 16) throw new InvalidDataException($"'{path}' has {relus.Count} ReLU nodes; a VGG-19 has 16 convolutional ReLUs.");
        int k = 0;
        for (int b = 0; b < ConvsPerBlock.Length; b++)
            for (int c = 0; c < ConvsPerBlock[b]; c++) byName[$"block{b + 1}_conv{c + 1}"] = relus[k++];
        Description = $"VGG19 from ONNX file {Path.GetFileName(path)}";
    }

    public string Description { get; }
    public string ContentLayer => "block4_conv2";
    public IReadOnlyList<string> StyleLayers => Vgg19.StyleLayers;

    public IReadOnlyDictionary<string, Tensor> Extract(Tensor rgb, IEnumerable<string> layers)
    {
        var names = layers.ToList();
        var x = (Ops.Transpose(rgb, [0, 3, 1, 2]) - mean) / std;
        var outs = model.RunTo([x], names.Select(n => byName[n]).ToList());
        return names.ToDictionary(n => n, n => Ops.Transpose(outs[byName[n]], [0, 2, 3, 1]));
    }
}
