namespace Eager.NN;

/// <summary>
/// A <see cref="Dense"/> or <see cref="Conv2D"/> layer quantised with calibrated activation ranges
/// (<see cref="Quantization.QuantizeStatic"/>): the float input is quantised to uint8 with fixed parameters, one
/// QLinearMatMul or QLinearConv (int8 per-channel weights, int32 bias, ReLU fused by the output range) computes the
/// uint8 output, which is dequantised for the next layer. Between two such layers the round trip is exact, so the
/// model computes the same numbers as a chain of uint8 ops.
/// </summary>
public sealed class StaticQuantizedLayer : Layer
{
    private readonly Tensor weights, weightScale, weightZero, inputScale, inputZero, outputScale, outputZero;
    private readonly Tensor? bias;
    // The convolution's geometry, not the Conv2D itself: a layer field would make it (and its float weights) a sub-layer.
    private readonly (Size2 Strides, string Padding, Size2 Dilations)? conv;
    private readonly Func<Tensor, Tensor>? after;

    internal StaticQuantizedLayer(ContractionLayer source, (float Min, float Max) inputRange, (float Min, float Max) outputRange, bool reduceRange)
        : base(source.Name + "_int8")
    {
        if (source is Conv2D c) conv = (c.Strides, c.Padding.ToUpperInvariant(), c.DilationRate);
        (weights, weightScale, weightZero) = Quantization.QuantizeWeights(source.Kernel!, reduceRange);
        (inputScale, inputZero) = Parameters(inputRange);
        (outputScale, outputZero) = Parameters(outputRange);
        after = Fused(source.Activation) ? null : source.Activation;
        if (source.Bias is { } b)
        {
            // bias_q = round(b / (x_scale * w_scale[j])): the accumulator's scale, so it adds before requantising.
            var accScale = inputScale * weightScale;
            bias = Tensor.From(RoundedBias(Ops.Cast(b, DType.Float32).ToArray<float>(), accScale.ToArray<float>()));
        }
        InputRange = inputRange;
        OutputRange = outputRange;
    }

    /// <summary>The calibrated input range.</summary>
    public (float Min, float Max) InputRange { get; }

    /// <summary>The calibrated output range (after a fused ReLU).</summary>
    public (float Min, float Max) OutputRange { get; }

    /// <summary>The int8 weights (HWIO for a convolution, [inputs, units] for a dense layer).</summary>
    public Tensor Weights => weights;

    /// <summary>One weight scale per output channel (the zero points are 0).</summary>
    public Tensor WeightScale => weightScale;

    /// <summary>The int32 bias (scale: input scale * weight scale), or null.</summary>
    public Tensor? Bias => bias;

    /// <summary>The input's uint8 scale and zero point.</summary>
    public (Tensor Scale, Tensor ZeroPoint) InputQuantization => (inputScale, inputZero);

    /// <summary>The output's uint8 scale and zero point.</summary>
    public (Tensor Scale, Tensor ZeroPoint) OutputQuantization => (outputScale, outputZero);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.DType != DType.Float32) x = Ops.Cast(x, DType.Float32);
        var xq = Ops.QuantizeLinear(x, inputScale, inputZero);
        var yq = conv is null
            ? Ops.QLinearMatMul(xq, inputScale, inputZero, weights, weightScale, weightZero, outputScale, outputZero, bias)
            : Ops.QLinearConv(xq, inputScale, inputZero, weights, weightScale, weightZero, outputScale, outputZero, bias,
                conv.Value.Strides, conv.Value.Padding, conv.Value.Dilations);
        var y = Ops.DequantizeLinear(yq, outputScale, outputZero);
        return after is null ? y : after(y);
    }

    internal static bool CanQuantize(Layer l) => l is (Dense or Conv2D) and ContractionLayer { Kernel: not null };

    /// <summary>The layer's output to calibrate (after a fusable activation, before any other) and its real output.</summary>
    internal static (Tensor Observed, Tensor Output) Calibrate(ContractionLayer l, Tensor x)
    {
        if (Fused(l.Activation)) { var y = l.Call(x); return (y, y); }
        Tensor z = l is Conv2D c
            ? Ops.Conv2D(x, c.Kernel!, c.Strides, c.Padding.ToUpperInvariant(), c.DilationRate)
            : Ops.MatMul(x, l.Kernel!);
        if (l.Bias is not null) z = Ops.Add(z, l.Bias);
        return (z, l.Activation!(z));
    }

    /// <summary>None and ReLU are fused: ReLU by an output range that starts at 0.</summary>
    private static bool Fused(Func<Tensor, Tensor>? activation) => FusedActivation.Of(activation) is "None" or "Relu";

    /// <summary>uint8 parameters of a range widened to contain 0 (so 0 is exact, as padding and ReLU need).</summary>
    internal static (Tensor Scale, Tensor Zero) Parameters((float Min, float Max) range)
    {
        float lo = Math.Min(0, range.Min), hi = Math.Max(0, range.Max);
        float scale = hi > lo ? (hi - lo) / 255f : 1f;
        int zero = (int)Math.Clamp(MathF.Round(-lo / scale), 0, 255);
        return (Tensor.Scalar(scale), Tensor.Scalar((byte)zero));
    }

    private static int[] RoundedBias(float[] b, float[] accScale)
    {
        var q = new int[b.Length];
        for (int j = 0; j < b.Length; j++)
            q[j] = (int)Math.Clamp(Math.Round((double)b[j] / accScale[accScale.Length == 1 ? 0 : j], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        return q;
    }
}
