namespace Eager.NN;

/// <summary>
/// A <see cref="Dense"/> layer with int8 per-channel weights whose input is quantised on every call
/// (<see cref="Quantization.QuantizeDynamic"/>): y = activation((x_q - x_zero) (W_q) * x_scale * w_scale + bias).
/// </summary>
public sealed class DynamicQuantizedDense : Layer
{
    private readonly Tensor weights, weightScale, weightZero;
    private readonly Tensor? bias;

    internal DynamicQuantizedDense(Dense source, bool reduceRange) : base(source.Name + "_int8")
    {
        (weights, weightScale, weightZero) = Quantization.QuantizeWeights(source.Kernel!, reduceRange);
        bias = source.Bias is null ? null : Ops.Cast(source.Bias, DType.Float32);
        Activation = source.Activation;
    }

    /// <summary>The int8 weights [inputs, units].</summary>
    public Tensor Weights => weights;

    /// <summary>One scale per output unit.</summary>
    public Tensor WeightScale => weightScale;

    /// <summary>The activation applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.DType != DType.Float32) x = Ops.Cast(x, DType.Float32);
        var (q, scale, zero) = Ops.DynamicQuantizeLinear(x);
        var acc = Ops.MatMulInteger(q, weights, zero, weightZero);
        var y = Ops.Cast(acc, DType.Float32) * (scale * weightScale);
        if (bias is not null) y = y + bias;
        return Activation is null ? y : Activation(y);
    }
}
