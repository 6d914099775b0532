using static Eager.Ops;
using static Eager.ReductionOps;

namespace Eager;

/// <summary>Reductions composed from primitive ops (their gradients follow from the primitives').</summary>
public static partial class Ops
{
    /// <summary>
    /// log(sum(exp(x))) over <paramref name="axes"/> (all when null), computed stably by subtracting the maximum
    /// (held constant for the gradient, which is then softmax-weighted as it should be).
    /// </summary>
    /// <exception cref="ArgumentException">A non-float dtype or an axis out of range.</exception>
    public static Tensor ReduceLogSumExp(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        if (!x.DType.IsFloating) throw new ArgumentException($"ReduceLogSumExp: expects float32 or float64, got {x.DType.Name()}{x.Shape}.");
        axes = NormalizeAxes("ReduceLogSumExp", x.Shape, axes); // errors name this op, not ReduceMax
        var max = StopGradient(ReduceMax(x, axes, keepDims: true));
        // An all -inf slice would give -inf - -inf = NaN; use 0 there so the result is -inf, as TensorFlow does.
        var safeMax = Where(IsFinite(max), max, ZerosLike(max));
        var lse = Log(ReduceSum(Exp(x - safeMax), axes, keepDims: true)) + safeMax;
        return keepDims ? lse : Squeeze(lse, NormalizeAxes("ReduceLogSumExp", x.Shape, axes));
    }

    /// <summary>log(sum(exp(x))) over one axis.</summary>
    public static Tensor ReduceLogSumExp(Tensor x, int axis, bool keepDims = false) => ReduceLogSumExp(x, [axis], keepDims);

    /// <summary>Mean and (population) variance over <paramref name="axes"/> (all when null), as tf.nn.moments.</summary>
    /// <exception cref="ArgumentException">A non-float dtype or an axis out of range.</exception>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.DType.IsFloating) throw new ArgumentException($"Moments: expects float32 or float64, got {x.DType.Name()}{x.Shape}.");
        axes = NormalizeAxes("Moments", x.Shape, axes);
        var mean = ReduceMean(x, axes, keepDims: true);
        var variance = ReduceMean(SquaredDifference(x, StopGradient(mean)), axes, keepDims: true);
        if (keepDims) return (mean, variance);
        var norm = NormalizeAxes("Moments", x.Shape, axes);
        return (Squeeze(mean, norm), Squeeze(variance, norm));
    }

    /// <summary>Mean and variance over one axis.</summary>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x, int axis, bool keepDims = false) => Moments(x, [axis], keepDims);
}

internal static partial class ReductionOps
{
    internal static Tensor IsFinite(Tensor x) => LogicalAnd(Less(Abs(x), MathOps.ScalarLike(x, double.PositiveInfinity)), Equal(x, x));
}
