using System.Runtime.Intrinsics;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// Vector forms of element-wise functions that have no Vector256 operator (tanh, erf, sigmoid ...): the lanes go
/// through the kernel operator's own span path (TensorPrimitives where it has the function), so a fused loop
/// computes exactly what the unfused op's kernel computes. Called from compiled fused kernels.
/// </summary>
internal static class FusedLanes
{
    /// <summary>op applied to every lane of <paramref name="v"/>.</summary>
    public static Vector256<T> Unary<T, TOp>(Vector256<T> v, TOp op) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        v.CopyTo(lanes);
        op.Apply(lanes, lanes);
        return Vector256.Create<T>(lanes);
    }
}
