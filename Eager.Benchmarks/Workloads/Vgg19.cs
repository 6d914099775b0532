namespace Eager.Benchmarks.Workloads;

/// <summary>
/// VGG19's convolutional feature extractor (Simonyan and Zisserman, 2014): sixteen 3x3 SAME convolutions
/// with bias and ReLU, and a 2x2 max pool after each of the five blocks. Random weights scaled (He init)
/// so activations stay in range; the benchmark measures speed, not a trained model.
/// </summary>
internal sealed class Vgg19
{
    /// <summary>Output channels per layer; 0 marks a max pool.</summary>
    public static readonly int[] Layers = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    public Vgg19(int seed, int upToLayer = int.MaxValue)
    {
        int cin = 3;
        for (int i = 0; i < Math.Min(Layers.Length, upToLayer); i++)
        {
            int cout = Layers[i];
            if (cout == 0) { Filters.Add(null); Biases.Add(null); continue; }
            Filters.Add(Data.Uniform(seed + i, Math.Sqrt(6.0 / (9 * cin)), 3, 3, cin, cout));
            Biases.Add(Data.Uniform(seed + 100 + i, 0.01, cout));
            cin = cout;
        }
    }

    /// <summary>HWIO filters, null at pooling layers.</summary>
    public List<Tensor?> Filters { get; } = [];

    /// <summary>Biases, null at pooling layers.</summary>
    public List<Tensor?> Biases { get; } = [];

    /// <summary>Runs the layers on an NHWC image and returns the activations after every layer. Each convolution is one
    /// fused call (bias and ReLU applied in the kernel's epilogue), as Eager.NN's Conv2D layer runs eagerly and as
    /// ONNX Runtime fuses the same Conv, Add and Relu nodes.</summary>
    public List<Tensor> Run(Tensor image)
    {
        var outs = new List<Tensor>(Filters.Count);
        var h = image;
        for (int i = 0; i < Filters.Count; i++)
        {
            h = Filters[i] is { } f
                ? Ops.FusedConv2D(h, f, Biases[i]!, "Relu", strides: 1, padding: "SAME")
                : Ops.MaxPool2D(h, poolSize: 2, strides: 2, padding: "VALID");
            outs.Add(h);
        }
        return outs;
    }
}
