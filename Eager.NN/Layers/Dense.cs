namespace Eager.NN;

/// <summary>
/// A fully connected layer: <c>activation(x @ kernel + bias)</c>. The input's last dimension is the
/// number of input features; leading dimensions are kept (a rank-3 input is multiplied per position).
/// Kernel shape (inputs, units), GlorotUniform by default; bias shape (units), zeros.
/// </summary>
public sealed class Dense : ContractionLayer
{
    /// <summary>A dense layer with <paramref name="units"/> outputs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">units is not positive.</exception>
    public Dense(int units, Func<Tensor, Tensor>? activation = null, bool useBias = true,
                 Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null)
        : base(activation, useBias, kernelInitializer, biasInitializer, name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    private protected override (Shape Kernel, int Outputs) WeightShapes(Shape inputShape)
    {
        if (inputShape.Rank < 2 || inputShape[-1] < 0)
            throw new ArgumentException($"Dense '{Name}': expects inputs of rank >= 2 with a known last dimension (features), got {inputShape}.");
        return (new Shape(inputShape[-1], Units), Units);
    }

    private protected override Tensor Contract(Tensor x, Tensor kernel) => Ops.MatMul(x, kernel);

    private protected override Tensor? ContractFused(Tensor x, Tensor kernel, Tensor? bias, string fused) =>
        Ops.FusedMatMul(x, kernel, bias, fused);

    // The plain Add Dense has always emitted (it broadcasts over any leading dimensions), so traced graphs and
    // exported files keep their ops.
    private protected override Tensor AddBias(Tensor y, Tensor bias) => Ops.Add(y, bias);
}
