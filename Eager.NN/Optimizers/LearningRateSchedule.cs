namespace Eager.NN;

/// <summary>
/// A learning rate as a function of the step count (Keras' LearningRateSchedule). <see cref="Value"/> computes
/// it on the host (eager steps); <see cref="Compute"/> builds the same formula from ops for traced functions
/// and graphs, where the step is only known at run time. The two agree (tests check it).
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="step"/> (0 for the first step).</summary>
    public abstract double Value(long step);

    /// <summary>The learning rate at a run-time <paramref name="step"/>, a floating scalar; the result has its dtype.</summary>
    public abstract Tensor Compute(Tensor step);

    /// <summary>A constant scalar like <paramref name="t"/>.</summary>
    protected static Tensor C(double value, Tensor t) => Tensor.Scalar(value, t.DType);
}

/// <summary>initial * rate^(step / decaySteps); with <c>staircase</c> the exponent is floored (tf.keras ExponentialDecay).</summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">decaySteps is not positive or a rate is negative.</exception>
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decaySteps);
        ArgumentOutOfRangeException.ThrowIfNegative(decayRate);
        ArgumentOutOfRangeException.ThrowIfNegative(initialLearningRate);
        (InitialLearningRate, DecaySteps, DecayRate, Staircase) = (initialLearningRate, decaySteps, decayRate, staircase);
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps per factor of <see cref="DecayRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The factor per <see cref="DecaySteps"/>.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the decay happens in discrete jumps.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override double Value(long step)
    {
        double p = step / (double)DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return InitialLearningRate * Math.Pow(DecayRate, p);
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor step)
    {
        var p = Ops.Divide(step, C(DecaySteps, step));
        if (Staircase) p = Ops.Floor(p);
        return Ops.Multiply(C(InitialLearningRate, step), Ops.Pow(C(DecayRate, step), p));
    }
}

/// <summary>values[i] while step &lt;= boundaries[i] (and the last value after the last boundary), as tf.keras PiecewiseConstantDecay.</summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] boundaries;
    private readonly double[] values;

    /// <summary>Creates the schedule; <paramref name="values"/> has one more element than <paramref name="boundaries"/>.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit or the boundaries are not increasing.</exception>
    public PiecewiseConstantDecay(long[] boundaries, double[] values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != boundaries.Length + 1)
            throw new ArgumentException($"PiecewiseConstantDecay: {boundaries.Length} boundaries need {boundaries.Length + 1} values, got {values.Length}.");
        for (int i = 1; i < boundaries.Length; i++)
            if (boundaries[i] <= boundaries[i - 1]) throw new ArgumentException("PiecewiseConstantDecay: boundaries must be strictly increasing.");
        this.boundaries = (long[])boundaries.Clone();
        this.values = (double[])values.Clone();
    }

    /// <inheritdoc/>
    public override double Value(long step)
    {
        for (int i = 0; i < boundaries.Length; i++)
            if (step <= boundaries[i]) return values[i];
        return values[^1];
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor step)
    {
        // Built from the last piece backwards: where(step <= b_i, v_i, rest).
        var result = C(values[^1], step);
        for (int i = boundaries.Length - 1; i >= 0; i--)
            result = Ops.Where(Ops.LessEqual(step, C(boundaries[i], step)), C(values[i], step), result);
        return result;
    }
}

/// <summary>
/// Cosine decay (Loshchilov and Hutter's SGDR without restarts), as tf.keras CosineDecay: an optional linear
/// warm-up from <c>initial</c> to <c>warmupTarget</c> over <c>warmupSteps</c>, then a half cosine from the peak down
/// to <c>alpha * peak</c> over <c>decaySteps</c>.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">decaySteps is not positive or warmupSteps is negative.</exception>
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0, double? warmupTarget = null, long warmupSteps = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decaySteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        (Initial, DecaySteps, Alpha, WarmupTarget, WarmupSteps) = (initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps);
    }

    /// <summary>The rate at step 0.</summary>
    public double Initial { get; }

    /// <summary>Length of the cosine part.</summary>
    public long DecaySteps { get; }

    /// <summary>The final rate as a fraction of the peak.</summary>
    public double Alpha { get; }

    /// <summary>The rate reached at the end of the warm-up, or null for no warm-up.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Length of the warm-up.</summary>
    public long WarmupSteps { get; }

    private double Peak => WarmupTarget ?? Initial;

    /// <inheritdoc/>
    public override double Value(long step)
    {
        if (WarmupTarget is { } target && step < WarmupSteps)
            return Initial + (target - Initial) * step / WarmupSteps;
        double p = Math.Min(step - (WarmupTarget is null ? 0 : WarmupSteps), DecaySteps) / (double)DecaySteps;
        return Peak * ((1 - Alpha) * 0.5 * (1 + Math.Cos(Math.PI * p)) + Alpha);
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor step)
    {
        long offset = WarmupTarget is null ? 0 : WarmupSteps;
        var p = Ops.Divide(Ops.Minimum(Ops.Subtract(step, C(offset, step)), C(DecaySteps, step)), C(DecaySteps, step));
        var cos = Ops.Add(C(1, step), Ops.Cos(Ops.Multiply(p, C(Math.PI, step))));
        var decayed = Ops.Multiply(C(Peak, step), Ops.Add(Ops.Multiply(cos, C((1 - Alpha) * 0.5, step)), C(Alpha, step)));
        if (WarmupTarget is not { } target) return decayed;
        var warm = Ops.Add(C(Initial, step), Ops.Multiply(step, C((target - Initial) / Math.Max(1, WarmupSteps), step)));
        return Ops.Where(Ops.Less(step, C(WarmupSteps, step)), warm, decayed);
    }
}

/// <summary>initial / (1 + rate * step / decaySteps) (floored exponent with <c>staircase</c>), as tf.keras InverseTimeDecay.</summary>
public sealed class InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override double Value(long step)
    {
        double p = step / (double)decaySteps;
        if (staircase) p = Math.Floor(p);
        return initialLearningRate / (1 + decayRate * p);
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor step)
    {
        var p = Ops.Divide(step, C(decaySteps, step));
        if (staircase) p = Ops.Floor(p);
        return Ops.Divide(C(initialLearningRate, step), Ops.Add(C(1, step), Ops.Multiply(p, C(decayRate, step))));
    }
}
