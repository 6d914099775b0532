namespace Eager.NN;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy) over the last axis (channels). Training: normalises with the batch's
/// mean and variance and moves the moving statistics toward them
/// (<c>moving = moving * momentum + batch * (1 - momentum)</c>); inference: uses the moving statistics.
/// Weights gamma (ones), beta (zeros); moving_mean (zeros) and moving_variance (ones) are not trainable.
/// </summary>
public sealed class BatchNormalization : Layer
{
    /// <summary>A batch normalisation layer (Keras defaults: momentum 0.99, epsilon 1e-3).</summary>
    public BatchNormalization(double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true, string? name = null) : base(name)
    {
        if (momentum is < 0 or > 1 || double.IsNaN(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), $"BatchNormalization: momentum must be in [0, 1], got {momentum}.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"BatchNormalization: epsilon must be positive, got {epsilon}.");
        (Momentum, Epsilon, Center, Scale) = (momentum, epsilon, center, scale);
    }

    /// <summary>Decay of the moving statistics.</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether beta is added.</summary>
    public bool Center { get; }

    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; }

    /// <summary>Scale (channels); null without scale or until built.</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>Offset (channels); null without center or until built.</summary>
    public Variable? Beta { get; private set; }

    /// <summary>Moving mean (channels), not trainable.</summary>
    public Variable? MovingMean { get; private set; }

    /// <summary>Moving variance (channels), not trainable.</summary>
    public Variable? MovingVariance { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1 || inputShape[-1] < 0)
            throw new ArgumentException($"BatchNormalization '{Name}': the last (channel) dimension must be known, got {inputShape}.");
        var s = new Shape(inputShape[-1]);
        if (Scale) Gamma = AddWeight("gamma", s, new Ones());
        if (Center) Beta = AddWeight("beta", s, new Zeros());
        MovingMean = AddWeight("moving_mean", s, new Zeros(), trainable: false);
        MovingVariance = AddWeight("moving_variance", s, new Ones(), trainable: false);
    }

    /// <summary>Mean and (biased) variance over <paramref name="axes"/>, as tf.nn.moments, composed from reductions.</summary>
    internal static (Tensor Mean, Tensor Variance) Moments(Tensor x, int[] axes, bool keepDims)
    {
        var mean = Ops.ReduceMean(x, axes, keepDims: true);
        var variance = Ops.ReduceMean(Ops.Square(Ops.Subtract(x, mean)), axes, keepDims: keepDims);
        return (keepDims ? mean : Ops.ReshapeLike(mean, variance), variance);
    }

    /// <inheritdoc/>
    protected override bool ComputesInFloat32 => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        Tensor mean, variance;
        Tensor[] updates = [];
        if (training)
        {
            var axes = Enumerable.Range(0, x.Rank - 1).ToArray();
            (mean, variance) = Moments(x, axes, keepDims: false);
            var m = Tensor.Scalar(Momentum, DType);
            var oneMinus = Tensor.Scalar(1 - Momentum, DType);
            using (GradientTape.NoGradient())
            {
                updates =
                [
                    MovingMean!.Assign(Ops.Add(Ops.Multiply(MovingMean.Read(), m), Ops.Multiply(Ops.StopGradient(mean), oneMinus))),
                    MovingVariance!.Assign(Ops.Add(Ops.Multiply(MovingVariance.Read(), m), Ops.Multiply(Ops.StopGradient(variance), oneMinus))),
                ];
            }
        }
        else
        {
            mean = MovingMean!;
            variance = MovingVariance!;
        }
        var inv = Ops.Rsqrt(Ops.Add(variance, Tensor.Scalar(Epsilon, DType)));
        if (Gamma is not null) inv = Ops.Multiply(inv, Gamma);
        var y = Ops.Multiply(Ops.Subtract(x, mean), inv);
        if (Beta is not null) y = Ops.Add(y, Beta);
        // In a TF1 graph nothing else would run the moving-average updates: make the output depend on them.
        if (updates.Length > 0 && Graph.Current is { LiftVariables: false } g)
            using (g.ControlDependencies([.. updates.Cast<object>()])) y = Ops.Identity(y);
        return y;
    }
}

/// <summary>
/// Layer normalisation (Ba et al.): each example is normalised over its last axis, then scaled by gamma (ones)
/// and shifted by beta (zeros), both of the last axis' size. Same in training and inference.
/// </summary>
public sealed class LayerNormalization : Layer
{
    /// <summary>A layer normalisation layer (Keras default epsilon 1e-3).</summary>
    public LayerNormalization(double epsilon = 1e-3, bool center = true, bool scale = true, string? name = null) : base(name)
    {
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"LayerNormalization: epsilon must be positive, got {epsilon}.");
        (Epsilon, Center, Scale) = (epsilon, center, scale);
    }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether beta is added.</summary>
    public bool Center { get; }

    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; }

    /// <summary>Scale; null without scale or until built.</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>Offset; null without center or until built.</summary>
    public Variable? Beta { get; private set; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1 || inputShape[-1] < 0)
            throw new ArgumentException($"LayerNormalization '{Name}': the last dimension must be known, got {inputShape}.");
        var s = new Shape(inputShape[-1]);
        if (Scale) Gamma = AddWeight("gamma", s, new Ones());
        if (Center) Beta = AddWeight("beta", s, new Zeros());
    }

    /// <inheritdoc/>
    protected override bool ComputesInFloat32 => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var (mean, variance) = BatchNormalization.Moments(x, [-1], keepDims: true);
        var y = Ops.Multiply(Ops.Subtract(x, mean), Ops.Rsqrt(Ops.Add(variance, Tensor.Scalar(Epsilon, DType))));
        if (Gamma is not null) y = Ops.Multiply(y, Gamma);
        if (Beta is not null) y = Ops.Add(y, Beta);
        return y;
    }
}
