namespace Eager.NN;

/// <summary>
/// Randomly zeroes a fraction <c>rate</c> of the inputs while training and scales the rest by 1 / (1 - rate)
/// (inverted dropout); the identity at inference. A seed makes eager masks reproducible: the n-th training
/// call of a seeded layer uses the same mask in every run. Inside a traced function or a graph the layer is
/// applied once at trace time, and a fixed seed would repeat one mask at every step, so there the op is
/// unseeded and draws a fresh mask each time the graph runs.
/// </summary>
public sealed class Dropout : Layer
{
    private int calls;

    /// <summary>A dropout layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">rate is outside [0, 1).</exception>
    public Dropout(double rate, int? seed = null, string? name = null) : base(name)
    {
        if (rate is < 0 or >= 1 || double.IsNaN(rate)) throw new ArgumentOutOfRangeException(nameof(rate), $"Dropout: rate must be in [0, 1), got {rate}.");
        Rate = rate;
        Seed = seed;
    }

    /// <summary>The fraction of inputs dropped while training.</summary>
    public double Rate { get; }

    /// <summary>The seed, or null for fresh randomness.</summary>
    public int? Seed { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Rate == 0) return x;
        int? seed = Seed is { } s && Graph.Current is null ? unchecked(s * 7919 + Interlocked.Increment(ref calls)) : null;
        return Ops.Dropout(x, Rate, seed: seed);
    }
}

/// <summary>
/// Looks rows up in a (inputDim, outputDim) table: integer inputs of any shape give outputs of that shape plus
/// outputDim. Indices must be in [0, inputDim). Weights are float32 unless <c>dtype</c> says otherwise (uniform in
/// [-0.05, 0.05] by default).
/// </summary>
public sealed class Embedding : Layer
{
    private readonly Initializer init;

    /// <summary>An embedding table of <paramref name="inputDim"/> rows of size <paramref name="outputDim"/>.</summary>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null, DType dtype = DType.Float32, string? name = null) : base(name)
    {
        if (!dtype.IsFloating) throw new ArgumentException($"Embedding: the table's dtype must be floating, got {dtype.Name()}.", nameof(dtype));
        WeightDType = dtype;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputDim);
        (InputDim, OutputDim) = (inputDim, outputDim);
        init = embeddingsInitializer ?? new RandomUniform(-0.05, 0.05);
    }

    /// <summary>The table's dtype.</summary>
    public DType WeightDType { get; }

    /// <inheritdoc/>
    protected override DType? FixedDType => WeightDType;

    /// <summary>Vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary>Embedding size.</summary>
    public int OutputDim { get; }

    /// <summary>The (inputDim, outputDim) table; null until built.</summary>
    public Variable? Embeddings { get; private set; }

    /// <inheritdoc/>
    protected override bool ChecksInputShape => false;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => Embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), init);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"Embedding '{Name}': expects int32 or int64 indices, got {x.DType.Name()}{x.Shape}.");
        return Ops.Gather(Embeddings!, x);
    }
}
