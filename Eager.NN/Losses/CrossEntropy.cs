namespace Eager.NN;

/// <summary>
/// Cross-entropy between one-hot (or soft) targets and predictions over the last axis. With
/// <c>fromLogits</c> the predictions are unnormalised scores (the stable tf.nn op is used); otherwise they are
/// probabilities, normalised to sum to one and clipped to [1e-7, 1 - 1e-7] as Keras does. Label smoothing
/// mixes the targets with the uniform distribution.
/// </summary>
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0, Reduction reduction = Reduction.SumOverBatchSize) : base(reduction)
    {
        (FromLogits, LabelSmoothing) = (fromLogits, CheckSmoothing(labelSmoothing));
    }

    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; }

    /// <summary>The label smoothing amount.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred)
    {
        var y = SameShapeTargets(yTrue, yPred);
        if (LabelSmoothing > 0)
        {
            int k = yPred.Shape[-1];
            if (k < 0) throw new ArgumentException("CategoricalCrossentropy: label smoothing needs a known number of classes.");
            y = Smooth(y, LabelSmoothing, 1.0 / k);
        }
        if (FromLogits) return Ops.SoftmaxCrossEntropyWithLogits(labels: y, logits: yPred);
        var p = Ops.Divide(yPred, Ops.ReduceSum(yPred, [-1], keepDims: true));
        p = Ops.Clip(p, 1e-7, 1 - 1e-7);
        return Ops.Negate(Ops.ReduceSum(Ops.Multiply(y, Ops.Log(p)), [-1]));
    }
}

/// <summary>
/// Cross-entropy with integer class labels: labels (batch) in [0, classes), predictions (batch, classes) as
/// logits (with <c>fromLogits</c>, through the stable tf.nn op) or probabilities (clipped to [1e-7, 1 - 1e-7]).
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, Reduction reduction = Reduction.SumOverBatchSize) : Loss(reduction)
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits => fromLogits;

    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"SparseCategoricalCrossentropy: labels must be int32 or int64 class indices, got {yTrue.DType.Name()}{yTrue.Shape}.");
        if (yTrue.Rank == yPred.Rank && yTrue.Shape[-1] == 1) yTrue = Ops.Squeeze(yTrue, [-1]);
        if (yTrue.Rank != yPred.Rank - 1)
            throw new ArgumentException($"SparseCategoricalCrossentropy: labels {yTrue.Shape} must have one dimension fewer than predictions {yPred.Shape}.");
        if (fromLogits) return Ops.SparseSoftmaxCrossEntropyWithLogits(labels: yTrue, logits: yPred);
        // As Keras does: the log of the clipped probabilities are logits whose softmax is the (normalised) input.
        return Ops.SparseSoftmaxCrossEntropyWithLogits(labels: yTrue, logits: Ops.Log(Ops.Clip(yPred, 1e-7, 1 - 1e-7)));
    }
}

/// <summary>
/// Binary cross-entropy averaged over the last axis; targets in [0, 1]. With <c>fromLogits</c> the stable
/// tf.nn.sigmoid_cross_entropy_with_logits is used; otherwise probabilities are clipped to [1e-7, 1 - 1e-7].
/// </summary>
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0, Reduction reduction = Reduction.SumOverBatchSize) : base(reduction)
    {
        (FromLogits, LabelSmoothing) = (fromLogits, CheckSmoothing(labelSmoothing));
    }

    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; }

    /// <summary>The label smoothing amount (targets move toward 0.5).</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    protected override Tensor PerExample(Tensor yTrue, Tensor yPred)
    {
        var y = SameShapeTargets(yTrue, yPred);
        y = Smooth(y, LabelSmoothing, 0.5);
        Tensor l;
        if (FromLogits) l = Ops.SigmoidCrossEntropyWithLogits(labels: y, logits: yPred);
        else
        {
            var p = Ops.Clip(yPred, 1e-7, 1 - 1e-7);
            var one = C(1, p);
            l = Ops.Negate(Ops.Add(Ops.Multiply(y, Ops.Log(p)), Ops.Multiply(Ops.Subtract(one, y), Ops.Log(Ops.Subtract(one, p)))));
        }
        return Ops.ReduceMean(l, [-1]);
    }
}
