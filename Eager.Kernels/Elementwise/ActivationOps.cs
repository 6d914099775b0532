using System.Runtime.InteropServices;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Elementwise;

// Activation functions. Formulas follow TensorFlow's kernels; the ones built on exp go through
// SpecialFunctions in float64 where a naive float formula would cancel or overflow.

/// <summary>Hyperbolic tangent (float32 through <see cref="FastTanh"/>, every path alike).</summary>
public readonly struct TanhOp<T> : IVectorUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => typeof(T) == typeof(float) ? (T)(object)FastTanh.Tanh((float)(object)x) : T.Tanh(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst)
    {
        if (typeof(T) == typeof(float)) FastTanh.Tanh(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dst));
        else TensorPrimitives.Tanh(x, dst);
    }

    /// <inheritdoc/>
    public bool HasVector => typeof(T) == typeof(float);

    /// <inheritdoc/>
    public Vector256<T> Apply(Vector256<T> x) => typeof(T) == typeof(float)
        ? FastTanh.Tanh(x.As<T, float>()).As<float, T>()
        : throw new NotSupportedException($"TanhOp: no vector form for {typeof(T).Name}.");
}

/// <summary>1 / (1 + e^-x).</summary>
public readonly struct SigmoidOp<T> : IVectorUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public bool HasVector => typeof(T) == typeof(float);

    /// <inheritdoc/>
    public Vector256<T> Apply(Vector256<T> x) => typeof(T) == typeof(float)
        ? (Vector256<float>.One / (Vector256<float>.One + FastExp.Exp(-x.As<T, float>()))).As<float, T>()
        : throw new NotSupportedException($"SigmoidOp: no vector form for {typeof(T).Name}.");

    /// <inheritdoc/>
    public T Apply(T x) => T.One / (T.One + T.Exp(-x));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst)
    {
        if (typeof(T) == typeof(float)) FastExp.Sigmoid(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dst));
        else TensorPrimitives.Sigmoid(x, dst);
    }
}

/// <summary>max(x, 0); NaN stays NaN.</summary>
public readonly struct ReluOp<T> : IUnaryOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Max(x, T.Zero);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Max(x, T.Zero, dst);
}

/// <summary>min(max(x, 0), 6).</summary>
public readonly struct Relu6Op<T> : IUnaryOp<T> where T : unmanaged, INumber<T>
{
    private static T Six => T.CreateTruncating(6);

    /// <inheritdoc/>
    public T Apply(T x) => T.Min(T.Max(x, T.Zero), Six);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst)
    {
        TensorPrimitives.Max(x, T.Zero, dst);
        TensorPrimitives.Min(dst, Six, dst);
    }
}

/// <summary>x for x &gt; 0, e^x - 1 otherwise.</summary>
public readonly struct EluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => x > T.Zero ? x : T.CreateTruncating(SpecialFunctions.Expm1(double.CreateTruncating(x)));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>Scaled ELU (Klambauer et al. 2017): scale * (x for x &gt; 0, alpha * (e^x - 1) otherwise).</summary>
public readonly struct SeluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The paper's alpha.</summary>
    public const double Alpha = 1.6732632423543772848170429916717;

    /// <summary>The paper's scale (lambda).</summary>
    public const double Scale = 1.0507009873554804934193349852946;

    /// <inheritdoc/>
    public T Apply(T x)
    {
        double v = double.CreateTruncating(x);
        return T.CreateTruncating(v > 0 ? Scale * v : Scale * Alpha * SpecialFunctions.Expm1(v));
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>x for x &gt; 0, alpha * x otherwise.</summary>
public readonly struct LeakyReluOp<T>(T alpha) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => x > T.Zero ? x : x * alpha;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>log(1 + e^x), stable for large |x| (max(x, 0) + log1p(e^-|x|)).</summary>
public readonly struct SoftplusOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.CreateTruncating(SpecialFunctions.Softplus(double.CreateTruncating(x)));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>
/// Gaussian error linear unit. Exact: x * Phi(x) = x/2 * erfc(-x/sqrt 2) (erfc keeps the far negative tail
/// accurate, where 1 + erf(x/sqrt 2) would cancel). Approximate: x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
/// </summary>
public readonly struct GeluOp<T>(bool approximate) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>sqrt(2/pi).</summary>
    public const double SqrtTwoOverPi = 0.79788456080286536;

    /// <summary>1/sqrt(2).</summary>
    public const double InvSqrt2 = 0.70710678118654752;

    /// <summary>The cubic coefficient of the tanh form.</summary>
    public const double Cubic = 0.044715;

    /// <inheritdoc/>
    public T Apply(T x)
    {
        double v = double.CreateTruncating(x);
        double r = approximate
            ? 0.5 * v * (1.0 + Math.Tanh(SqrtTwoOverPi * (v + Cubic * v * v * v)))
            : 0.5 * v * SpecialFunctions.Erfc(-v * InvSqrt2);
        return T.CreateTruncating(r);
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}
