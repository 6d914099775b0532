namespace Eager.NN;

/// <summary>
/// A 2-D convolution over NHWC inputs: <c>activation(conv2d(x, kernel) + bias)</c>. The kernel is HWIO
/// (kernel height, kernel width, input channels, filters), GlorotUniform by default; padding "valid" (no
/// padding) or "same" (TensorFlow's SAME: output size ceil(input / stride)).
/// </summary>
public sealed class Conv2D : Layer
{
    private readonly Initializer kernelInit, biasInit;

    /// <summary>A convolution with <paramref name="filters"/> output channels.</summary>
    /// <exception cref="ArgumentException">A size is not positive or the padding is not "valid"/"same".</exception>
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Func<Tensor, Tensor>? activation = null,
                  bool useBias = true, Size2? dilationRate = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        Filters = filters;
        KernelSize = ConvArgs.Positive(kernelSize, "kernelSize", GetType().Name);
        Strides = ConvArgs.Positive(strides ?? 1, "strides", GetType().Name);
        DilationRate = ConvArgs.Positive(dilationRate ?? 1, "dilationRate", GetType().Name);
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

    /// <summary>The HWIO kernel; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias (filters); null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        int channels = ConvArgs.Channels(inputShape, this);
        Kernel = AddWeight("kernel", new Shape(KernelSize.Height, KernelSize.Width, channels, Filters), kernelInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), biasInit);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (FusedActivation.Applies(x, Activation, out var act))
            return Ops.FusedConv2D(x, Kernel!, Bias is null ? null : (Tensor)Bias, act, Strides, Padding.ToUpperInvariant(), DilationRate);
        var y = Ops.Conv2D(x, Kernel!, strides: Strides, padding: Padding.ToUpperInvariant(), dilations: DilationRate);
        if (Bias is not null) y = Ops.BiasAdd(y, Bias);
        return Activation is null ? y : Activation(y);
    }
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
