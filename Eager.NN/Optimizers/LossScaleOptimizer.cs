namespace Eager.NN;

/// <summary>
/// Dynamic loss scaling for float16 training (Keras' <c>LossScaleOptimizer</c>): gradients that would underflow
/// float16's range (below about 6e-8) are kept by multiplying the loss by a large scale before differentiating
/// (<see cref="ScaleLoss"/>) and dividing the gradients by it before the update. When a step's gradients hold an
/// infinity or NaN (the scale was too large) the step is skipped and the scale halved; after
/// <see cref="GrowthSteps"/> good steps in a row it doubles. Model.Fit and Minimize call <see cref="ScaleLoss"/>
/// themselves; a hand-written loop differentiates <c>opt.ScaleLoss(loss)</c> and passes the gradients to
/// <see cref="ApplyGradients"/> unchanged. Bfloat16 has float32's range and needs none of this.
/// </summary>
public sealed class LossScaleOptimizer : Optimizer
{
    private readonly Variable scale, goodSteps;

    /// <summary>Wraps <paramref name="inner"/>, which makes the actual updates.</summary>
    /// <param name="inner">The optimizer to wrap.</param>
    /// <param name="initialScale">The first loss scale (Keras: 2^15).</param>
    /// <param name="growthSteps">Good steps in a row before the scale doubles (Keras: 2000).</param>
    /// <exception cref="ArgumentOutOfRangeException">A scale below 1 or not finite, or a non-positive growth interval.</exception>
    public LossScaleOptimizer(Optimizer inner, double initialScale = 32768, int growthSteps = 2000)
        : base(0, null, "LossScaleOptimizer")
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (inner is LossScaleOptimizer) throw new ArgumentException("LossScaleOptimizer: the inner optimizer already scales the loss.", nameof(inner));
        if (!double.IsFinite(initialScale) || initialScale < 1)
            throw new ArgumentOutOfRangeException(nameof(initialScale), $"LossScaleOptimizer: the initial scale must be finite and at least 1, got {initialScale}.");
        if (growthSteps <= 0) throw new ArgumentOutOfRangeException(nameof(growthSteps), $"LossScaleOptimizer: growthSteps must be positive, got {growthSteps}.");
        Inner = inner;
        GrowthSteps = growthSteps;
        using (Graph.EagerScope())
        {
            scale = new Variable(Tensor.Scalar((float)initialScale), name: "LossScaleOptimizer/loss_scale", trainable: false);
            goodSteps = new Variable(Tensor.Scalar(0L), name: "LossScaleOptimizer/good_steps", trainable: false);
        }
    }

    /// <summary>The optimizer making the updates.</summary>
    public Optimizer Inner { get; }

    /// <summary>Good steps in a row before the scale doubles.</summary>
    public int GrowthSteps { get; }

    /// <summary>The current loss scale (a float32 scalar variable, saved with the optimizer's state).</summary>
    public Variable LossScale => scale;

    /// <summary>The loss times the current scale (in the loss's dtype).</summary>
    public override Tensor ScaleLoss(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Ops.Multiply(loss, Ops.Cast(scale.Read(), loss.DType));
    }

    /// <summary>Divides the (scaled) gradients by the loss scale and, when every one is finite, applies them with
    /// <see cref="Inner"/>; otherwise skips the step. Then adjusts the scale. Eagerly the choice is made at once; in a
    /// graph or a traced function it is an <see cref="Ops.Cond(Tensor, Func{Tensor}, Func{Tensor}, string?)"/>.</summary>
    public override Operation? ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        using (GradientTape.NoGradient())
        {
            var s = scale.Read();
            var unscaled = gradients.Select(g => g is null ? null : Ops.Divide(g, Ops.Cast(s, g.DType))).ToArray();
            // Summing magnitudes gives infinity or NaN exactly when some gradient holds one (or the sum overflows,
            // which is as bad); an expression that simplifiers cannot fold away, unlike g * 0.
            var present = unscaled.Where(g => g is not null).Select(g => Ops.Cast(Ops.ReduceSum(Ops.Abs(g!)), DType.Float32)).ToArray();
            var total = present.Length == 0 ? Tensor.Scalar(0f) : present.Aggregate(Ops.Add);
            var finite = Ops.Less(total, Tensor.Scalar(float.PositiveInfinity));
            if (Graph.Current is null && !finite.IsSymbolic)
            {
                if (finite.Item<bool>()) { Inner.ApplyGradients(unscaled, variables); Grow(); }
                else Shrink();
                return null;
            }
            var done = Ops.Cond(finite,
                () => { Inner.ApplyGradients(unscaled, variables); return Grow(); },
                Shrink);
            return done.Op;
        }
    }

    private Tensor Grow()
    {
        var next = Ops.Add(goodSteps.Read(), Tensor.Scalar(1L));
        var grow = Ops.GreaterEqual(next, Tensor.Scalar((long)GrowthSteps));
        scale.Assign(Ops.Where(grow, Ops.Multiply(scale.Read(), Tensor.Scalar(2f)), scale.Read()));
        return goodSteps.Assign(Ops.Where(grow, Tensor.Scalar(0L), next));
    }

    private Tensor Shrink()
    {
        scale.Assign(Ops.Maximum(Ops.Multiply(scale.Read(), Tensor.Scalar(0.5f)), Tensor.Scalar(1f)));
        return goodSteps.Assign(Tensor.Scalar(0L));
    }

    /// <summary>Never called: <see cref="ApplyGradients"/> hands the updates to <see cref="Inner"/>.</summary>
    protected override Tensor Update(Tensor grad, Variable variable, Tensor lr) =>
        throw new InvalidOperationException("LossScaleOptimizer: updates are made by the inner optimizer.");
}
