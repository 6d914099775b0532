using System.Numerics;

namespace Eager.Kernels.Elementwise;

/// <summary>max(0, min(1, alpha * x + beta)): a piecewise-linear sigmoid (ONNX HardSigmoid; Keras uses alpha 0.2, beta 0.5).</summary>
public readonly struct HardSigmoidOp<T>(T alpha, T beta) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Max(T.Zero, T.Min(T.One, alpha * x + beta));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>x * max(0, min(1, x / 6 + 1/2)) (MobileNetV3's hard swish).</summary>
public readonly struct HardSwishOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Sixth = T.One / T.CreateTruncating(6), Half = T.One / T.CreateTruncating(2);

    /// <inheritdoc/>
    public T Apply(T x) => x * T.Max(T.Zero, T.Min(T.One, x * Sixth + Half));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => Unary.Loop(x, dst, this);
}

/// <summary>Smallest integer not below x.</summary>
public readonly struct CeilOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Apply(T x) => T.Ceiling(x);

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> x, Span<T> dst) => System.Numerics.Tensors.TensorPrimitives.Ceiling(x, dst);
}
