namespace Eager;

public sealed partial class Variable
{
    [ThreadStatic] private static DType? autoCastTo;

    /// <summary>The dtype that float32 variables are read as on this thread (inside <see cref="AutoCast"/>), or null.</summary>
    public static DType? AutoCastDType => autoCastTo;

    /// <summary>
    /// Until the returned scope is disposed, reading a float32 variable on this thread (<see cref="Read"/>, the implicit
    /// conversion to <see cref="Tensor"/>, <see cref="Ops.ReadVariable"/>) gives its value cast to
    /// <paramref name="computeDType"/>, as Keras' AutoCastVariable does for mixed precision: the variable keeps its float32
    /// value, a layer computes in 16 bits, and gradients flow back through the cast to the variable in float32.
    /// Variables of other dtypes are read unchanged. Scopes nest; disposing restores the previous one.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="computeDType"/> is not a floating dtype.</exception>
    public static IDisposable AutoCast(DType computeDType)
    {
        if (!computeDType.IsFloating)
            throw new ArgumentException($"Variable.AutoCast: variables can only be read as a floating dtype, got {computeDType.Name()}.", nameof(computeDType));
        var previous = autoCastTo;
        autoCastTo = computeDType;
        return new Restore(previous);
    }

    /// <summary>The value read inside an <see cref="AutoCast"/> scope: cast when the variable is float32.</summary>
    internal static Tensor CastRead(Variable v, Tensor t) =>
        autoCastTo is { } to && v.DType == DType.Float32 && to != DType.Float32 ? Ops.Cast(t, to) : t;

    private sealed class Restore(DType? previous) : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            autoCastTo = previous;
        }
    }
}
