namespace Eager.NN;

/// <summary>
/// A transposed convolution ("deconvolution"; the gradient of Conv2D with respect to its input), for upsampling.
/// The kernel is (height, width, filters, input channels), as in TensorFlow. The output spatial size is
/// input * stride for "same" and input * stride + max(kernel - stride, 0) for "valid".
/// </summary>
public sealed class Conv2DTranspose : Layer
{
    private readonly Initializer kernelInit, biasInit;

    /// <summary>A transposed convolution with <paramref name="filters"/> output channels.</summary>
    public Conv2DTranspose(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                           bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        Filters = filters;
        KernelSize = ConvArgs.Positive(kernelSize, "kernelSize", GetType().Name);
        Strides = ConvArgs.Positive(strides ?? 1, "strides", GetType().Name);
        Padding = ConvArgs.Padding(padding, GetType().Name);
        Activation = activation;
        UseBias = useBias;
        kernelInit = kernelInitializer ?? new GlorotUniform();
        biasInit = biasInitializer ?? new Zeros();
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel height and width.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Strides (the upsampling factor).</summary>
    public Size2 Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The activation applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The (h, w, filters, in) kernel; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias; null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        int channels = ConvArgs.Channels(inputShape, this);
        Kernel = AddWeight("kernel", new Shape(KernelSize.Height, KernelSize.Width, Filters, channels), kernelInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), biasInit);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var y = Ops.Conv2DTranspose(x, Kernel!, strides: Strides, padding: Padding.ToUpperInvariant());
        if (Bias is not null) y = Ops.BiasAdd(y, Bias);
        return Activation is null ? y : Activation(y);
    }
}

/// <summary>
/// A depthwise convolution: each input channel is convolved with its own <c>depthMultiplier</c> filters
/// (MobileNet's building block). Kernel (height, width, channels, depthMultiplier); output channels
/// channels * depthMultiplier.
/// </summary>
public sealed class DepthwiseConv2D : Layer
{
    private readonly Initializer kernelInit, biasInit;

    /// <summary>A depthwise convolution.</summary>
    public DepthwiseConv2D(Size2 kernelSize, int depthMultiplier = 1, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                           bool useBias = true, Size2? dilationRate = null, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depthMultiplier);
        DepthMultiplier = depthMultiplier;
        KernelSize = ConvArgs.Positive(kernelSize, "kernelSize", GetType().Name);
        Strides = ConvArgs.Positive(strides ?? 1, "strides", GetType().Name);
        DilationRate = ConvArgs.Positive(dilationRate ?? 1, "dilationRate", GetType().Name);
        Padding = ConvArgs.Padding(padding, GetType().Name);
        Activation = activation;
        UseBias = useBias;
        kernelInit = depthwiseInitializer ?? new GlorotUniform();
        biasInit = biasInitializer ?? new Zeros();
    }

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>Kernel height and width.</summary>
    public Size2 KernelSize { get; }

    /// <summary>Strides.</summary>
    public Size2 Strides { get; }

    /// <summary>Dilation rate.</summary>
    public Size2 DilationRate { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The activation applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The (h, w, channels, multiplier) kernel; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias (channels * multiplier); null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        int channels = ConvArgs.Channels(inputShape, this);
        Kernel = AddWeight("depthwise_kernel", new Shape(KernelSize.Height, KernelSize.Width, channels, DepthMultiplier), kernelInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(channels * DepthMultiplier), biasInit);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var y = Ops.DepthwiseConv2D(x, Kernel!, strides: Strides, padding: Padding.ToUpperInvariant(), dilations: DilationRate);
        if (Bias is not null) y = Ops.BiasAdd(y, Bias);
        return Activation is null ? y : Activation(y);
    }
}
