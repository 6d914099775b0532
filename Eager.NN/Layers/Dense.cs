namespace Eager.NN;

/// <summary>
/// A fully connected layer: <c>activation(x @ kernel + bias)</c>. The input's last dimension is the
/// number of input features; leading dimensions are kept (a rank-3 input is multiplied per position).
/// Kernel shape (inputs, units), GlorotUniform by default; bias shape (units), zeros.
/// </summary>
public sealed class Dense : Layer
{
    private readonly Initializer kernelInit, biasInit;

    /// <summary>A dense layer with <paramref name="units"/> outputs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">units is not positive.</exception>
    public Dense(int units, Func<Tensor, Tensor>? activation = null, bool useBias = true,
                 Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
        Activation = activation;
        UseBias = useBias;
        kernelInit = kernelInitializer ?? new GlorotUniform();
        biasInit = biasInitializer ?? new Zeros();
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>The activation applied last, or null for none (linear).</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The (inputs, units) weight matrix; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The (units) bias; null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 2 || inputShape[-1] < 0)
            throw new ArgumentException($"Dense '{Name}': expects inputs of rank >= 2 with a known last dimension (features), got {inputShape}.");
        Kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), kernelInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(Units), biasInit);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (FusedActivation.Applies(x, Activation, out var act))
            return Ops.FusedMatMul(x, Kernel!, Bias is null ? null : (Tensor)Bias, act);
        var y = Ops.MatMul(x, Kernel!);
        if (Bias is not null) y = Ops.Add(y, Bias);
        return Activation is null ? y : Activation(y);
    }
}
