using System.Runtime.Intrinsics;

namespace Eager.Kernels.Elementwise;

/// <summary>A unary operator that also works on a whole <see cref="Vector256{T}"/>, computing exactly what its span
/// path computes, so compiled fused loops can call it per vector instead of going through a span per vector.</summary>
public interface IVectorUnaryOp<T> : IUnaryOp<T> where T : unmanaged
{
    /// <summary>False when this element type has no vector form (then only the span and scalar paths exist).</summary>
    bool HasVector { get; }

    /// <summary>The operator on every lane.</summary>
    Vector256<T> Apply(Vector256<T> x);
}
