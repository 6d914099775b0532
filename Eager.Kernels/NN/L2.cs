using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.NN;

/// <summary>Squared-norm reductions used by losses and weight decay.</summary>
public static class L2
{
    /// <summary>sum(x^2) / 2 (TensorFlow's l2_loss).</summary>
    public static T HalfSumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.SumOfSquares(x) / (T.One + T.One);
}
