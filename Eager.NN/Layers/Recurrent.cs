namespace Eager.NN;

/// <summary>
/// The recurrent layers (<see cref="Lstm"/>, <see cref="Gru"/>) over batch-first sequences [batch, steps, features],
/// as Keras' LSTM and GRU with their default activations. Each call is one <see cref="Ops.Lstm"/> or
/// <see cref="Ops.Gru"/> (so the layer traces and exports as one ONNX LSTM or GRU node). The weights are in ONNX's
/// layout: <c>kernel</c> [gates * units, features] and <c>recurrent_kernel</c> [gates * units, units] with the gates
/// stacked by rows, and <c>bias</c> [2 * gates * units] (input biases, then recurrent biases, as PyTorch keeps them).
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private readonly Initializer kernelInit, recurrentInit, biasInit;

    private protected RecurrentLayer(int units, bool returnSequences, bool goBackwards, bool useBias,
        Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer, string? name) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
        ReturnSequences = returnSequences;
        GoBackwards = goBackwards;
        UseBias = useBias;
        kernelInit = kernelInitializer ?? new GlorotUniform();
        recurrentInit = recurrentInitializer ?? new GlorotUniform();
        biasInit = biasInitializer ?? new Zeros();
    }

    /// <summary>The size of the hidden state.</summary>
    public int Units { get; }

    /// <summary>True: the output is every step's hidden state [batch, steps, units]; false: the last one [batch, units].</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether the sequence is read from its last step to its first (the output keeps the input's step order).</summary>
    public bool GoBackwards { get; }

    /// <summary>Whether biases are added.</summary>
    public bool UseBias { get; }

    /// <summary>Input weights [gates * units, features]; null until built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>Recurrent weights [gates * units, units]; null until built.</summary>
    public Variable? RecurrentKernel { get; private set; }

    /// <summary>Input and recurrent biases [2 * gates * units]; null until built or without a bias.</summary>
    public Variable? Bias { get; private set; }

    private protected abstract int Gates { get; }

    /// <inheritdoc/>
    protected sealed override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank != 3 || inputShape[2] < 0)
            throw new ArgumentException($"{GetType().Name} '{Name}': expects inputs [batch, steps, features] with known features, got {inputShape}.");
        Kernel = AddWeight("kernel", new Shape(Gates * Units, inputShape[2]), kernelInit);
        RecurrentKernel = AddWeight("recurrent_kernel", new Shape(Gates * Units, Units), recurrentInit);
        if (UseBias) Bias = AddWeight("bias", new Shape(2 * Gates * Units), biasInit);
    }

    private protected abstract (Tensor Y, Tensor Yh) Run(Tensor x, Tensor w, Tensor r, Tensor? b, string direction);

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor x, bool training)
    {
        var b = Bias is null ? null : Ops.ExpandDims(Bias, 0);
        var (y, yh) = Run(x, Ops.ExpandDims(Kernel!, 0), Ops.ExpandDims(RecurrentKernel!, 0), b, GoBackwards ? "reverse" : "forward");
        return ReturnSequences ? Ops.Squeeze(y, 2) : Ops.Squeeze(yh, 1);
    }
}

/// <summary>A long short-term memory layer (Keras' LSTM with its default activations): gates i, o, f, c.</summary>
public sealed class Lstm(int units, bool returnSequences = false, bool goBackwards = false, bool useBias = true,
    Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null, string? name = null)
    : RecurrentLayer(units, returnSequences, goBackwards, useBias, kernelInitializer, recurrentInitializer, biasInitializer, name)
{
    private protected override int Gates => 4;

    private protected override (Tensor Y, Tensor Yh) Run(Tensor x, Tensor w, Tensor r, Tensor? b, string direction)
    {
        var (y, yh, _) = Ops.Lstm(x, w, r, b, direction: direction, layout: 1);
        return (y, yh);
    }
}

/// <summary>
/// A gated recurrent unit layer (Keras' GRU with its default activations): gates z, r, h. <paramref name="resetAfter"/>
/// (the default, as in Keras 2 and PyTorch) applies the reset gate after the recurrent product (ONNX's linear_before_reset).
/// </summary>
public sealed class Gru(int units, bool returnSequences = false, bool goBackwards = false, bool resetAfter = true, bool useBias = true,
    Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null, string? name = null)
    : RecurrentLayer(units, returnSequences, goBackwards, useBias, kernelInitializer, recurrentInitializer, biasInitializer, name)
{
    /// <summary>Whether the reset gate applies after the recurrent product.</summary>
    public bool ResetAfter { get; } = resetAfter;

    private protected override int Gates => 3;

    private protected override (Tensor Y, Tensor Yh) Run(Tensor x, Tensor w, Tensor r, Tensor? b, string direction) =>
        Ops.Gru(x, w, r, b, direction: direction, linearBeforeReset: ResetAfter, layout: 1);
}
