namespace Eager.NN;

/// <summary>
/// A layer that computes <c>activation(contraction(x, kernel) + bias)</c>: <see cref="Dense"/> and the
/// convolutions. It owns the kernel and bias weights (GlorotUniform and zeros by default) and, running eagerly,
/// lets a layer with a fusable activation make one fused call instead of three ops.
/// </summary>
public abstract class ContractionLayer : Layer
{
    private readonly Initializer kernelInit, biasInit;

    private protected ContractionLayer(Func<Tensor, Tensor>? activation, bool useBias, Initializer? kernelInitializer,
                                       Initializer? biasInitializer, string? name) : base(name)
    {
        Activation = activation;
        UseBias = useBias;
        kernelInit = kernelInitializer ?? new GlorotUniform();
        biasInit = biasInitializer ?? new Zeros();
    }

    /// <summary>The activation applied last, or null for none (linear).</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias (one per output channel); null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    /// <summary>The kernel's shape and the number of outputs (the bias length) for inputs of <paramref name="inputShape"/>;
    /// throws a clear error for inputs the layer cannot take.</summary>
    private protected abstract (Shape Kernel, int Outputs) WeightShapes(Shape inputShape);

    /// <summary>The weight's name in checkpoints (Keras' names).</summary>
    private protected virtual string KernelName => "kernel";

    /// <summary>The contraction alone, without bias and activation.</summary>
    private protected abstract Tensor Contract(Tensor x, Tensor kernel);

    /// <summary>The whole layer as one fused op for the activation <paramref name="fused"/> (a fused kernel's
    /// name), or null where the contraction has no fused kernel.</summary>
    private protected virtual Tensor? ContractFused(Tensor x, Tensor kernel, Tensor? bias, string fused) => null;

    /// <summary>Adds the bias (<see cref="Ops.BiasAdd"/>, along the last axis).</summary>
    private protected virtual Tensor AddBias(Tensor y, Tensor bias) => Ops.BiasAdd(y, bias);

    /// <inheritdoc/>
    protected sealed override void OnBuild(Shape inputShape)
    {
        var (kernel, outputs) = WeightShapes(inputShape);
        Kernel = AddWeight(KernelName, kernel, kernelInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(outputs), biasInit);
    }

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor x, bool training)
    {
        Tensor? bias = Bias is null ? null : (Tensor)Bias;
        if (FusedActivation.Applies(x, Activation, out var act) && ContractFused(x, Kernel!, bias, act) is { } fused)
            return fused;
        var y = Contract(x, Kernel!);
        if (bias is not null) y = AddBias(y, bias);
        return Activation is null ? y : Activation(y);
    }
}

/// <summary>
/// A 2-D convolution layer over NHWC inputs: kernel size, strides and padding ("valid", no padding, or "same",
/// TensorFlow's SAME: output size ceil(input / stride)).
/// </summary>
public abstract class ConvolutionLayer : ContractionLayer
{
    private protected ConvolutionLayer(Size2 kernelSize, Size2? strides, string padding, Func<Tensor, Tensor>? activation, bool useBias,
                                       Size2? dilationRate, Initializer? kernelInitializer, Initializer? biasInitializer, string? name)
        : base(activation, useBias, kernelInitializer, biasInitializer, name)
    {
        KernelSize = ConvArgs.Positive(kernelSize, "kernelSize", GetType().Name);
        Strides = ConvArgs.Positive(strides ?? 1, "strides", GetType().Name);
        DilationRate = ConvArgs.Positive(dilationRate ?? 1, "dilationRate", GetType().Name);
        Padding = ConvArgs.Padding(padding, GetType().Name);
    }

    /// <summary>Kernel height and width.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Strides.</summary>
    public Size2 Strides { get; }

    /// <summary>Dilation rate (1: an ordinary convolution).</summary>
    public Size2 DilationRate { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The padding as the ops spell it ("VALID" or "SAME").</summary>
    private protected string OpPadding => Padding.ToUpperInvariant();

    private protected sealed override (Shape Kernel, int Outputs) WeightShapes(Shape inputShape) =>
        WeightShapes(ConvArgs.Channels(inputShape, this));

    /// <summary>The kernel's shape and the number of output channels for <paramref name="channels"/> input channels.</summary>
    private protected abstract (Shape Kernel, int Outputs) WeightShapes(int channels);
}

/// <summary>Argument checks shared by the convolution and pooling layers.</summary>
internal static class ConvArgs
{
    public static Size2 Positive(Size2 s, string what, string layer)
    {
        if (s.Height <= 0 || s.Width <= 0) throw new ArgumentException($"{layer}: {what} must be positive, got {s}.");
        return s;
    }

    public static string Padding(string padding, string layer)
    {
        ArgumentNullException.ThrowIfNull(padding);
        var p = padding.ToLowerInvariant();
        if (p is not ("valid" or "same")) throw new ArgumentException($"{layer}: padding must be \"valid\" or \"same\", got \"{padding}\".");
        return p;
    }

    /// <summary>The channel count of an NHWC input shape, which must be known.</summary>
    public static int Channels(Shape inputShape, Layer layer)
    {
        if (inputShape.Rank != 4 || inputShape[3] < 0)
            throw new ArgumentException($"{layer.GetType().Name} '{layer.Name}': expects NHWC inputs (batch, height, width, channels) with known channels, got {inputShape}.");
        return inputShape[3];
    }
}
