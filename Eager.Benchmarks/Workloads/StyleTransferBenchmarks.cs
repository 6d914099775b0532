using BenchmarkDotNet.Attributes;

namespace Eager.Benchmarks.Workloads;

/// <summary>
/// One style-transfer iteration at 256x256 (Gatys et al., 2015): VGG19 features up to conv5_1 of the image
/// being optimised, a content loss at conv4_2 and Gram-matrix style losses at conv1_1 .. conv5_1, the gradient
/// with respect to the image from a tape, and a gradient step on the image. Random VGG weights: the arithmetic
/// and memory traffic are those of the real thing. Compared with the same iteration in PyTorch.
/// <see cref="IterationTraced"/> traces loss and gradient into one graph with <see cref="Function.Create(Func{Tensor, Tensor}, string?)"/>,
/// as the style-transfer example does by default, so the Session's memory plan frees each activation after its last use.
/// </summary>
public class StyleTransferBenchmarks : IWork, ISmokeRun
{
    private const int Size = 256;
    private static readonly int[] StyleLayers = [0, 3, 6, 11, 16];
    private const int ContentLayer = 12;

    private Vgg19 net = null!;
    private Tensor image = null!, contentTarget = null!;
    private Tensor[] styleTargets = null!;
    private Function lossAndGrad = null!;

    public (double Amount, string Unit) Work(string method) => (0, "");

    [GlobalSetup]
    public void Setup()
    {
        net = new Vgg19(seed: 30, upToLayer: 17);
        var content = Data.Uniform(31, 1, 1, Size, Size, 3);
        var style = Data.Uniform(32, 1, 1, Size, Size, 3);
        contentTarget = ContentTarget(content);
        styleTargets = StyleTargets(style);
        image = content;
        lossAndGrad = Function.Create(x => LossAndGrad(x[0]), "style_loss_and_grad");
    }

    // The two setup passes run in methods of their own, as PyTorch's script keeps only the wanted layers: a lambda over
    // the feature list in Setup would share a closure with the traced function's lambda and keep all of the style
    // image's activations (80 MiB) reachable for the whole run, and unoptimised (tier-0) code keeps a method's
    // temporaries alive until it returns.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Tensor ContentTarget(Tensor content) => net.Run(content)[ContentLayer];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Tensor[] StyleTargets(Tensor style)
    {
        var features = net.Run(style);
        var grams = new Tensor[StyleLayers.Length];
        for (int i = 0; i < grams.Length; i++) grams[i] = Gram(features[StyleLayers[i]]);
        return grams;
    }

    private (Tensor Loss, Tensor Grad) LossAndGradOf(Tensor x)
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var features = net.Run(x);
        var loss = Ops.ReduceMean(Ops.SquaredDifference(features[ContentLayer], contentTarget));
        for (int i = 0; i < StyleLayers.Length; i++)
            loss += 1e3 * Ops.ReduceMean(Ops.SquaredDifference(Gram(features[StyleLayers[i]]), styleTargets[i]));
        return (loss, tape.Gradient(loss, x)!);
    }

    private Tensor[] LossAndGrad(Tensor x)
    {
        var (loss, grad) = LossAndGradOf(x);
        return [loss, grad];
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
        var (loss, grad) = LossAndGradOf(image);
        image -= 0.01 * grad;
        return loss;
    }

    [Benchmark]
    public Tensor IterationTraced()
    {
        var r = lossAndGrad.InvokeAll(image);
        image -= 0.01 * r[1];
        return r[0];
    }

    public void SmokeRun()
    {
        Setup();
        float first = Iteration().Item<float>();
        float second = Iteration().Item<float>();
        if (!float.IsFinite(first) || !float.IsFinite(second)) throw new InvalidOperationException($"Style loss is not finite: {first}, {second}.");
        var start = image;
        var eager = LossAndGradOf(start);
        var traced = lossAndGrad.InvokeAll(start);
        double err = Data.RelativeError(traced[1].ToArray<float>(), eager.Grad.ToArray<float>());
        if (!(err < 1e-3)) throw new InvalidOperationException($"Traced style gradient differs from the eager one: relative error {err:G3}.");
    }
}
