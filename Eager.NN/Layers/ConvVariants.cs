namespace Eager.NN;

/// <summary>
/// A transposed convolution ("deconvolution"; the gradient of Conv2D with respect to its input), for upsampling.
/// The kernel is (height, width, filters, input channels), as in TensorFlow. The output spatial size is
/// input * stride for "same" and input * stride + max(kernel - stride, 0) for "valid".
/// </summary>
public sealed class Conv2DTranspose : ConvolutionLayer
{
    /// <summary>A transposed convolution with <paramref name="filters"/> output channels.</summary>
    public Conv2DTranspose(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                           bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null,
                           Size2? dilationRate = null)
        : base(kernelSize, strides, padding, activation, useBias, dilationRate, kernelInitializer, biasInitializer, name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        Filters = filters;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    private protected override (Shape Kernel, int Outputs) WeightShapes(int channels) =>
        (new Shape(KernelSize.Height, KernelSize.Width, Filters, channels), Filters);

    private protected override Tensor Contract(Tensor x, Tensor kernel) =>
        Ops.Conv2DTranspose(x, kernel, strides: Strides, padding: OpPadding, dilations: DilationRate);
}

/// <summary>
/// A depthwise convolution: each input channel is convolved with its own <c>depthMultiplier</c> filters
/// (MobileNet's building block). Kernel (height, width, channels, depthMultiplier); output channels
/// channels * depthMultiplier.
/// </summary>
public sealed class DepthwiseConv2D : ConvolutionLayer
{
    /// <summary>A depthwise convolution.</summary>
    public DepthwiseConv2D(Size2 kernelSize, int depthMultiplier = 1, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                           bool useBias = true, Size2? dilationRate = null, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null, string? name = null)
        : base(kernelSize, strides, padding, activation, useBias, dilationRate, depthwiseInitializer, biasInitializer, name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depthMultiplier);
        DepthMultiplier = depthMultiplier;
    }

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }

    private protected override string KernelName => "depthwise_kernel";

    private protected override (Shape Kernel, int Outputs) WeightShapes(int channels) =>
        (new Shape(KernelSize.Height, KernelSize.Width, channels, DepthMultiplier), channels * DepthMultiplier);

    private protected override Tensor Contract(Tensor x, Tensor kernel) =>
        Ops.DepthwiseConv2D(x, kernel, strides: Strides, padding: OpPadding, dilations: DilationRate);
}
