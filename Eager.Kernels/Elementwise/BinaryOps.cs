using System.Numerics;

namespace Eager.Kernels.Elementwise;

// Binary operators beyond the four arithmetic ones in Binary.cs, for Binary.Apply.

/// <summary>max(a, b); NaN if either is NaN (Math.Max semantics, as TensorFlow).</summary>
public readonly struct MaximumOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Apply(T a, T b) => T.Max(a, b);

    /// <inheritdoc/>
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => Vector.Max(a, b);

    /// <summary>Integers only: the vector max does not promise NaN propagation for floats.</summary>
    public static bool Vectorizable => Vector<T>.IsSupported && (typeof(T) == typeof(int) || typeof(T) == typeof(long));
}

/// <summary>min(a, b); NaN if either is NaN.</summary>
public readonly struct MinimumOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Apply(T a, T b) => T.Min(a, b);

    /// <inheritdoc/>
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => Vector.Min(a, b);

    /// <summary>Integers only, as for <see cref="MaximumOp{T}"/>.</summary>
    public static bool Vectorizable => Vector<T>.IsSupported && (typeof(T) == typeof(int) || typeof(T) == typeof(long));
}

/// <summary>(a - b)^2.</summary>
public readonly struct SquaredDifferenceOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Apply(T a, T b) { var d = a - b; return d * d; }

    /// <inheritdoc/>
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) { var d = a - b; return d * d; }

    /// <inheritdoc/>
    public static bool Vectorizable => Vector<T>.IsSupported;
}

/// <summary>a^b. Floats use float64 Math.Pow (then round once); integers multiply by squaring with
/// wrap-around. Negative integer exponents must be rejected by the caller (TensorFlow does).</summary>
public readonly struct PowOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Apply(T a, T b)
    {
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
            return T.CreateTruncating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b)));
        T result = T.One, baseValue = a;
        long e = long.CreateTruncating(b);
        while (e > 0)
        {
            if ((e & 1) != 0) result *= baseValue;
            baseValue *= baseValue;
            e >>= 1;
        }
        return result;
    }

    /// <inheritdoc/>
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => throw new NotSupportedException();

    /// <inheritdoc/>
    public static bool Vectorizable => false;
}

/// <summary>a AND b on bools.</summary>
public readonly struct LogicalAndOp : IBinaryOp<bool>
{
    /// <inheritdoc/>
    public static bool Apply(bool a, bool b) => a & b;

    /// <inheritdoc/>
    public static Vector<bool> Apply(Vector<bool> a, Vector<bool> b) => throw new NotSupportedException();

    /// <inheritdoc/>
    public static bool Vectorizable => false;
}

/// <summary>a OR b on bools.</summary>
public readonly struct LogicalOrOp : IBinaryOp<bool>
{
    /// <inheritdoc/>
    public static bool Apply(bool a, bool b) => a | b;

    /// <inheritdoc/>
    public static Vector<bool> Apply(Vector<bool> a, Vector<bool> b) => throw new NotSupportedException();

    /// <inheritdoc/>
    public static bool Vectorizable => false;
}

/// <summary>a == b on bools (Equal for bool tensors).</summary>
public readonly struct BoolEqualOp : IBinaryOp<bool>
{
    /// <inheritdoc/>
    public static bool Apply(bool a, bool b) => a == b;

    /// <inheritdoc/>
    public static Vector<bool> Apply(Vector<bool> a, Vector<bool> b) => throw new NotSupportedException();

    /// <inheritdoc/>
    public static bool Vectorizable => false;
}

/// <summary>a != b on bools (NotEqual for bool tensors).</summary>
public readonly struct BoolNotEqualOp : IBinaryOp<bool>
{
    /// <inheritdoc/>
    public static bool Apply(bool a, bool b) => a != b;

    /// <inheritdoc/>
    public static Vector<bool> Apply(Vector<bool> a, Vector<bool> b) => throw new NotSupportedException();

    /// <inheritdoc/>
    public static bool Vectorizable => false;
}
