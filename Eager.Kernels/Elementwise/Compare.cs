using System.Numerics;

namespace Eager.Kernels.Elementwise;

/// <summary>A comparison of two values of the same type.</summary>
public interface ICompareOp<T> where T : unmanaged
{
    /// <summary>The predicate.</summary>
    static abstract bool Apply(T a, T b);
}

/// <summary>Comparisons with NumPy broadcasting into a bool destination.</summary>
public static class Compare
{
    /// <summary>dst[i] = op(a[ia], b[ib]) over the broadcast output <paramref name="shape"/>; strides as for
    /// <see cref="Binary.Apply{T, TOp}"/> (0 on broadcast dimensions, any value for views).</summary>
    public static void Apply<T, TOp>(ReadOnlySpan<T> a, int aOffset, ReadOnlySpan<int> aStrides,
                                     ReadOnlySpan<T> b, int bOffset, ReadOnlySpan<int> bStrides,
                                     ReadOnlySpan<int> shape, Span<bool> dst)
        where T : unmanaged where TOp : ICompareOp<T>
    {
        if (dst.Length == 0) return;
        Span<int> idx = stackalloc int[Math.Max(shape.Length, 1)];
        var w = new RowWalker(shape, idx, aOffset, aStrides, bOffset, bStrides);
        int inner = w.Inner, sa = w.Step0, sb = w.Step1, o = 0;
        do
        {
            for (int j = 0, pa = w.P0, pb = w.P1; j < inner; j++, pa += sa, pb += sb) dst[o + j] = TOp.Apply(a[pa], b[pb]);
            o += inner;
        }
        while (w.Next());
    }
}

/// <summary>a == b (false when either is NaN).</summary>
public readonly struct EqualOp<T> : ICompareOp<T> where T : unmanaged, IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a == b;
}

/// <summary>a != b (true when either is NaN).</summary>
public readonly struct NotEqualOp<T> : ICompareOp<T> where T : unmanaged, IEqualityOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a != b;
}

/// <summary>a &lt; b.</summary>
public readonly struct LessOp<T> : ICompareOp<T> where T : unmanaged, IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a < b;
}

/// <summary>a &lt;= b.</summary>
public readonly struct LessEqualOp<T> : ICompareOp<T> where T : unmanaged, IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a <= b;
}

/// <summary>a &gt; b.</summary>
public readonly struct GreaterOp<T> : ICompareOp<T> where T : unmanaged, IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a > b;
}

/// <summary>a &gt;= b.</summary>
public readonly struct GreaterEqualOp<T> : ICompareOp<T> where T : unmanaged, IComparisonOperators<T, T, bool>
{
    /// <inheritdoc/>
    public static bool Apply(T a, T b) => a >= b;
}

/// <summary>NOT x on bools.</summary>
public readonly struct LogicalNotOp : IUnaryOp<bool>
{
    /// <inheritdoc/>
    public bool Apply(bool x) => !x;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<bool> x, Span<bool> dst) => Unary.Loop(x, dst, this);
}
