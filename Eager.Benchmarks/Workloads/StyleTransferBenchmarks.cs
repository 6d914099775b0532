using BenchmarkDotNet.Attributes;

namespace Eager.Benchmarks.Workloads;

/// <summary>
/// One style-transfer iteration at 256x256 (Gatys et al., 2015): VGG19 features up to conv5_1 of the image
/// being optimised, a content loss at conv4_2 and Gram-matrix style losses at conv1_1 .. conv5_1, the gradient
/// with respect to the image from a tape, and a gradient step on the image. Random VGG weights: the arithmetic
/// and memory traffic are those of the real thing. Compared with the same iteration in PyTorch.
/// </summary>
public class StyleTransferBenchmarks : IWork, ISmokeRun
{
    private const int Size = 256;
    private static readonly int[] StyleLayers = [0, 3, 6, 11, 16];
    private const int ContentLayer = 12;

    private Vgg19 net = null!;
    private Tensor image = null!, contentTarget = null!;
    private Tensor[] styleTargets = null!;

    public (double Amount, string Unit) Work(string method) => (0, "");

    [GlobalSetup]
    public void Setup()
    {
        net = new Vgg19(seed: 30, upToLayer: 17);
        var content = Data.Uniform(31, 1, 1, Size, Size, 3);
        var style = Data.Uniform(32, 1, 1, Size, Size, 3);
        contentTarget = net.Run(content)[ContentLayer];
        var styleFeatures = net.Run(style);
        styleTargets = StyleLayers.Select(l => Gram(styleFeatures[l])).ToArray();
        image = content;
    }

    /// <summary>F^T F / (H W) of an NHWC feature map (batch 1): [C, C].</summary>
    private static Tensor Gram(Tensor f)
    {
        int hw = f.Shape[1] * f.Shape[2], c = f.Shape[3];
        var flat = Ops.Reshape(f, hw, c);
        return Ops.MatMul(flat, flat, transposeA: true) / hw;
    }

    [Benchmark]
    public Tensor Iteration()
    {
        Tensor loss;
        Tensor? grad;
        using (var tape = new GradientTape())
        {
            tape.Watch(image);
            var features = net.Run(image);
            loss = Ops.ReduceMean(Ops.SquaredDifference(features[ContentLayer], contentTarget));
            for (int i = 0; i < StyleLayers.Length; i++)
                loss += 1e3 * Ops.ReduceMean(Ops.SquaredDifference(Gram(features[StyleLayers[i]]), styleTargets[i]));
            grad = tape.Gradient(loss, image);
        }
        image -= 0.01 * grad!;
        return loss;
    }

    public void SmokeRun()
    {
        Setup();
        float first = Iteration().Item<float>();
        float second = Iteration().Item<float>();
        if (!float.IsFinite(first) || !float.IsFinite(second)) throw new InvalidOperationException($"Style loss is not finite: {first}, {second}.");
    }
}
