using System.Numerics;
using Eager.Kernels.Elementwise;

namespace Eager.Kernels.Reduce;

/// <summary>a == b ? 1 : 0 in the input type: marks which elements a max/min reduction selected, so its
/// gradient can be routed to them (and split among ties).</summary>
public readonly struct EqualIndicatorOp<T> : IBinaryOp<T> where T : unmanaged, INumberBase<T>
{
    /// <inheritdoc/>
    public static T Apply(T a, T b) => a == b ? T.One : T.Zero;
    /// <inheritdoc/>
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => Vector.ConditionalSelect(Vector.Equals(a, b), Vector<T>.One, Vector<T>.Zero);
    /// <inheritdoc/>
    public static bool Vectorizable => Vector<T>.IsSupported;
}
