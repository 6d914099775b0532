namespace Eager.NN;

/// <summary>
/// A 2-D convolution over NHWC inputs: <c>activation(conv2d(x, kernel) + bias)</c>. The kernel is HWIO
/// (kernel height, kernel width, input channels, filters), GlorotUniform by default; padding "valid" (no
/// padding) or "same" (TensorFlow's SAME: output size ceil(input / stride)).
/// </summary>
public sealed class Conv2D : ConvolutionLayer
{
    /// <summary>A convolution with <paramref name="filters"/> output channels.</summary>
    /// <exception cref="ArgumentException">A size is not positive or the padding is not "valid"/"same".</exception>
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                  bool useBias = true, Size2? dilationRate = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null)
        : base(kernelSize, strides, padding, activation, useBias, dilationRate, kernelInitializer, biasInitializer, name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        Filters = filters;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    private protected override (Shape Kernel, int Outputs) WeightShapes(int channels) =>
        (new Shape(KernelSize.Height, KernelSize.Width, channels, Filters), Filters);

    private protected override Tensor Contract(Tensor x, Tensor kernel) =>
        Ops.Conv2D(x, kernel, strides: Strides, padding: OpPadding, dilations: DilationRate);

    private protected override Tensor? ContractFused(Tensor x, Tensor kernel, Tensor? bias, string fused) =>
        Ops.FusedConv2D(x, kernel, bias, fused, Strides, OpPadding, DilationRate);
}
