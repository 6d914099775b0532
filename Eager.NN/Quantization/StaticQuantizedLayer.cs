namespace Eager.NN;

/// <summary>
/// A <see cref="Dense"/> or <see cref="Conv2D"/> layer quantised with calibrated activation ranges
/// (<see cref="Quantization.QuantizeStatic"/>): the float input is quantised to uint8 with fixed parameters, one
/// QLinearMatMul or QLinearConv (int8 per-channel weights, int32 bias, ReLU fused by the output range) computes the
/// uint8 output, which is dequantised, or handed on as uint8 when the next quantised layer reads it
/// (<see cref="KeepsOutputQuantized"/>).
/// </summary>
public sealed class StaticQuantizedLayer : Layer
{
    private readonly Tensor weights, weightScale, weightZero, inputScale, inputZero, outputScale, outputZero;
    private readonly Tensor? bias;
    // The convolution's geometry, not the Conv2D itself: a layer field would make it (and its float weights) a sub-layer.
    private readonly (Size2 Strides, string Padding, Size2 Dilations)? conv;
    private readonly Func<Tensor, Tensor>? after;

    internal StaticQuantizedLayer(ContractionLayer source, (float Min, float Max) inputRange, (float Min, float Max) outputRange, bool reduceRange,
        bool keepsOutputQuantized = false)
        : base(source.Name + "_int8")
    {
        KeepsOutputQuantized = keepsOutputQuantized;
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

    /// <summary>
    /// Whether the layer returns its uint8 output as it is (scale and zero point <see cref="OutputQuantization"/>)
    /// rather than dequantised: <see cref="Quantization.QuantizeStatic"/> sets it when the next quantised layer reads
    /// this output through layers that work on 8-bit values as they are (max pooling, flattening, reshaping), so the
    /// activations stay 8-bit between them, as in ONNX Runtime's QLinearConv chains.
    /// </summary>
    public bool KeepsOutputQuantized { get; }

    /// <summary>The calibrated input range (the previous quantised layer's output range when its output arrives as uint8).</summary>
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
        // uint8 input is the previous quantised layer's output, already in this layer's input quantisation.
        Tensor xq;
        if (x.DType == DType.UInt8) xq = x;
        else
        {
            if (x.DType != DType.Float32) x = Ops.Cast(x, DType.Float32);
            xq = Ops.QuantizeLinear(x, inputScale, inputZero);
        }
        var yq = conv is null
            ? Ops.QLinearMatMul(xq, inputScale, inputZero, weights, weightScale, weightZero, outputScale, outputZero, bias)
            : Ops.QLinearConv(xq, inputScale, inputZero, weights, weightScale, weightZero, outputScale, outputZero, bias,
                conv.Value.Strides, conv.Value.Padding, conv.Value.Dilations);
        if (KeepsOutputQuantized && after is null) return yq;
        var y = Ops.DequantizeLinear(yq, outputScale, outputZero);
        return after is null ? y : after(y);
    }

    /// <summary>Whether the output can stay uint8 for a later layer: no activation runs after it in float32.</summary>
    internal static bool EndsQuantized(ContractionLayer l) => Fused(l.Activation);

    /// <summary>Layers that give the same result on uint8 values as on the dequantised floats: the maximum commutes with
    /// the monotone dequantisation, and reshaping moves values without changing them.</summary>
    internal static bool PassesQuantized(Layer l) => l is MaxPool2D or Flatten or Reshape;

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
