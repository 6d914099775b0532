using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Reduce;

/// <summary>An associative reduction with a whole-row path and an element-wise accumulate path (both vectorised
/// by TensorPrimitives). <see cref="Identity"/> is the result for an empty row.</summary>
public interface IReduceOp<T> where T : unmanaged
{
    /// <summary>The value of an empty reduction (0 for sum, 1 for product, -inf for max ...).</summary>
    static abstract T Identity { get; }

    /// <summary>Reduces a non-empty row to one value.</summary>
    static abstract T Row(ReadOnlySpan<T> row);

    /// <summary>acc[i] = op(acc[i], row[i]).</summary>
    static abstract void Accumulate(ReadOnlySpan<T> row, Span<T> acc);
}

/// <summary>Sum.</summary>
public readonly struct SumOp<T> : IReduceOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Identity => T.Zero;
    /// <inheritdoc/>
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Sum(row);
    /// <inheritdoc/>
    public static void Accumulate(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Add(acc, row, acc);
}

/// <summary>Product.</summary>
public readonly struct ProdOp<T> : IReduceOp<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static T Identity => T.One;
    /// <inheritdoc/>
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Product(row);
    /// <inheritdoc/>
    public static void Accumulate(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Multiply(acc, row, acc);
}

/// <summary>Maximum (NaN propagates, as IEEE 754 maximum); -inf or MinValue for an empty row.</summary>
public readonly struct MaxOp<T> : IReduceOp<T> where T : unmanaged, INumber<T>, IMinMaxValue<T>
{
    /// <inheritdoc/>
    public static T Identity => Limits<T>.Lowest;
    /// <inheritdoc/>
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Max(row);
    /// <inheritdoc/>
    public static void Accumulate(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Max(acc, row, acc);
}

/// <summary>Minimum (NaN propagates); +inf or MaxValue for an empty row.</summary>
public readonly struct MinOp<T> : IReduceOp<T> where T : unmanaged, INumber<T>, IMinMaxValue<T>
{
    /// <inheritdoc/>
    public static T Identity => Limits<T>.Highest;
    /// <inheritdoc/>
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Min(row);
    /// <inheritdoc/>
    public static void Accumulate(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Min(acc, row, acc);
}

/// <summary>The extreme values of a numeric type: infinities for floating point, Min/MaxValue for integers.</summary>
public static class Limits<T> where T : unmanaged, INumber<T>, IMinMaxValue<T>
{
    /// <summary>-inf for floating point, MinValue otherwise.</summary>
    public static T Lowest =>
        typeof(T) == typeof(float) ? (T)(object)float.NegativeInfinity :
        typeof(T) == typeof(double) ? (T)(object)double.NegativeInfinity : T.MinValue;

    /// <summary>+inf for floating point, MaxValue otherwise.</summary>
    public static T Highest =>
        typeof(T) == typeof(float) ? (T)(object)float.PositiveInfinity :
        typeof(T) == typeof(double) ? (T)(object)double.PositiveInfinity : T.MaxValue;
}
