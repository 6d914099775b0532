namespace Eager.NN;

/// <summary>How per-example losses are combined (Keras' reductions).</summary>
public enum Reduction
{
    /// <summary>The mean over all per-example losses (Keras' "sum_over_batch_size"): sum / number of elements.</summary>
    SumOverBatchSize,

    /// <summary>The sum.</summary>
    Sum,

    /// <summary>No reduction: the per-example losses.</summary>
    None,
}

/// <summary>
/// A loss: <see cref="Call"/> computes per-example losses with <see cref="PerExample"/>, multiplies by optional
/// sample weights, and reduces them. Built from ops, so it is differentiable and traceable. Float16 and bfloat16
/// predictions are widened first: losses compute in float32, as Keras' do under a mixed precision policy.
/// </summary>
public abstract class Loss
{
    /// <summary>Creates a loss with a reduction.</summary>
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the per-example losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of predictions <paramref name="yPred"/> against targets <paramref name="yTrue"/>, weighted by
    /// <paramref name="sampleWeight"/> (broadcast against the per-example losses) when given.</summary>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit this loss.</exception>
    public Tensor Call(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (!yPred.DType.IsFloating)
            throw new ArgumentException($"{GetType().Name}: predictions must be floating, got {yPred.DType.Name()}{yPred.Shape}.");
        // A model computing in 16 bits (a mixed policy) still gets its loss, and so the start of its gradients, in float32.
        if (yPred.DType.IsHalfPrecision) yPred = Ops.Cast(yPred, DType.Float32);
        var losses = PerExample(yTrue, yPred);
        if (sampleWeight is not null)
        {
            if (sampleWeight.DType != losses.DType) sampleWeight = Ops.Cast(sampleWeight, losses.DType);
            losses = Ops.Multiply(losses, sampleWeight);
        }
        return Reduction switch
        {
            Reduction.None => losses,
            Reduction.Sum => Ops.ReduceSum(losses),
            _ => Ops.ReduceMean(losses),
        };
    }

    /// <summary>The per-example losses (normally one per row: the last axis is reduced).</summary>
    protected abstract Tensor PerExample(Tensor yTrue, Tensor yPred);

    /// <summary>yTrue cast to yPred's dtype, with the shapes checked to be equal.</summary>
    protected Tensor SameShapeTargets(Tensor yTrue, Tensor yPred)
    {
        if (!yTrue.Shape.IsCompatibleWith(yPred.Shape))
            throw new ArgumentException($"{GetType().Name}: targets {yTrue.DType.Name()}{yTrue.Shape} and predictions {yPred.DType.Name()}{yPred.Shape} must have the same shape.");
        return yTrue.DType == yPred.DType ? yTrue : Ops.Cast(yTrue, yPred.DType);
    }

    /// <summary>A scalar like <paramref name="t"/>.</summary>
    protected static Tensor C(double v, Tensor t) => Tensor.Scalar(v, t.DType);

    /// <summary>Label smoothing: the targets moved by <paramref name="amount"/> toward <paramref name="toward"/>.</summary>
    private protected static Tensor Smooth(Tensor y, double amount, double toward) =>
        amount > 0 ? Ops.Add(Ops.Multiply(y, C(1 - amount, y)), C(amount * toward, y)) : y;

    /// <summary>A label smoothing amount, checked to be in [0, 1].</summary>
    private protected double CheckSmoothing(double labelSmoothing) =>
        labelSmoothing is < 0 or > 1 || double.IsNaN(labelSmoothing)
            ? throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{GetType().Name}: labelSmoothing must be in [0, 1], got {labelSmoothing}.")
            : labelSmoothing;
}

/// <summary>Mean squared error over the last axis: mean((yTrue - yPred)^2).</summary>
public sealed class MeanSquaredError(Reduction reduction = Reduction.SumOverBatchSize) : Loss(reduction)
{
    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred) =>
        Ops.ReduceMean(Ops.Square(Ops.Subtract(SameShapeTargets(yTrue, yPred), yPred)), [-1]);
}

/// <summary>Mean absolute error over the last axis: mean(|yTrue - yPred|).</summary>
public sealed class MeanAbsoluteError(Reduction reduction = Reduction.SumOverBatchSize) : Loss(reduction)
{
    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred) =>
        Ops.ReduceMean(Ops.Abs(Ops.Subtract(SameShapeTargets(yTrue, yPred), yPred)), [-1]);
}

/// <summary>Huber loss over the last axis: 0.5 e^2 where |e| &lt;= delta, delta (|e| - 0.5 delta) elsewhere.</summary>
public sealed class Huber : Loss
{
    /// <summary>A Huber loss with threshold <paramref name="delta"/>.</summary>
    public Huber(double delta = 1.0, Reduction reduction = Reduction.SumOverBatchSize) : base(reduction)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"Huber: delta must be positive, got {delta}.");
        Delta = delta;
    }

    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred)
    {
        // With q = min(|e|, delta): 0.5 q^2 + delta (|e| - q) is both branches in one smooth expression.
        var abs = Ops.Abs(Ops.Subtract(SameShapeTargets(yTrue, yPred), yPred));
        var q = Ops.Minimum(abs, C(Delta, abs));
        var l = Ops.Add(Ops.Multiply(Ops.Square(q), C(0.5, q)), Ops.Multiply(Ops.Subtract(abs, q), C(Delta, q)));
        return Ops.ReduceMean(l, [-1]);
    }
}
