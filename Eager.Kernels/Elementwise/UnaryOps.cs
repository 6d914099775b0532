using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Elementwise;

// Element-wise math operators. Float-only operators are generic over IFloatingPointIeee754 (float,
// double); those that TensorFlow also defines for integers are generic over INumber. Span paths call
// TensorPrimitives where it has the function; functions .NET computes inaccurately go through
// SpecialFunctions in float64.

/// <summary>|x| (integers wrap at MinValue, as in TensorFlow, instead of throwing).</summary>
public readonly struct AbsOp<T> : IUnaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => IsFloat ? T.Abs(x) : x < T.Zero ? -x : x;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst)
    {
        if (IsFloat) TensorPrimitives.Abs(x, dst);
        else Unary.Loop(x, dst, this);
    }

    private static bool IsFloat => typeof(T) == typeof(float) || typeof(T) == typeof(double);
}

/// <summary>-1, 0 or 1 by the sign of x; NaN stays NaN and zeros keep their sign.</summary>
public readonly struct SignOp<T> : IUnaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>x * x.</summary>
public readonly struct SquareOp<T> : IUnaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => x * x;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Multiply(x, x, dst);
}

/// <summary>x unchanged (Round on integers).</summary>
public readonly struct CopyOp<T> : IUnaryOp<T> where T : unmanaged
{
    /// <inheritdoc/>
    public T Apply(T x) => x;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => x.CopyTo(dst);
}

/// <summary>e^x.</summary>
public readonly struct ExpOp<T> : IVectorUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public bool HasVector => typeof(T) == typeof(float);

    /// <inheritdoc/>
    public Vector256<T> Apply(Vector256<T> x) => typeof(T) == typeof(float)
        ? FastExp.Exp(x.As<T, float>()).As<float, T>()
        : throw new NotSupportedException($"ExpOp: no vector form for {typeof(T).Name}.");

    /// <inheritdoc/>
    public T Apply(T x) => T.Exp(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst)
    {
        // float32 takes the polynomial exp (about 1 ulp, several times faster than TensorPrimitives').
        if (typeof(T) == typeof(float)) FastExp.Exp(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dst));
        else TensorPrimitives.Exp(x, dst);
    }
}

/// <summary>Natural logarithm.</summary>
public readonly struct LogOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Log(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Log(x, dst);
}

/// <summary>log(1 + x), accurate for tiny x (TensorPrimitives.LogP1 is not).</summary>
public readonly struct Log1pOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.CreateTruncating(SpecialFunctions.Log1p(double.CreateTruncating(x)));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>Square root.</summary>
public readonly struct SqrtOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Sqrt(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Sqrt(x, dst);
}

/// <summary>1 / sqrt(x).</summary>
public readonly struct RsqrtOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.One / T.Sqrt(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.ReciprocalSqrt(x, dst);
}

/// <summary>Sine (radians).</summary>
public readonly struct SinOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Sin(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Sin(x, dst);
}

/// <summary>Cosine (radians).</summary>
public readonly struct CosOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Cos(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Cos(x, dst);
}

/// <summary>Largest integer not above x.</summary>
public readonly struct FloorOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Floor(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Floor(x, dst);
}

/// <summary>Nearest integer, halves to even (banker's rounding, as TensorFlow's Round).</summary>
public readonly struct RoundOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Round(x, MidpointRounding.ToEven);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Round(x, MidpointRounding.ToEven, dst);
}

/// <summary>The error function.</summary>
public readonly struct ErfOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}
