namespace Eager.Kernels.Elementwise;

/// <summary>
/// Walks an n-d output shape one row (the innermost dimension) at a time and tracks where each of up to
/// three strided operands starts that row. Strides are in elements and may be 0 (broadcast) or anything
/// a view produces (transposes, slices). The caller supplies the index scratch (rank ints).
/// </summary>
internal ref struct RowWalker
{
    private readonly ReadOnlySpan<int> shape;
    private readonly ReadOnlySpan<int> s0, s1, s2;
    private readonly Span<int> idx;

    /// <summary>Start of the current row in operand 0, 1 and 2.</summary>
    public int P0, P1, P2;

    /// <summary>Creates a walker positioned on the first row. Unused operands pass empty strides.</summary>
    public RowWalker(ReadOnlySpan<int> shape, Span<int> idx,
                     int p0, ReadOnlySpan<int> s0,
                     int p1 = 0, ReadOnlySpan<int> s1 = default,
                     int p2 = 0, ReadOnlySpan<int> s2 = default)
    {
        this.shape = shape; this.idx = idx;
        this.s0 = s0; this.s1 = s1; this.s2 = s2;
        P0 = p0; P1 = p1; P2 = p2;
        idx.Clear();
    }

    /// <summary>Row length (1 for a scalar).</summary>
    public readonly int Inner => shape.Length == 0 ? 1 : shape[^1];

    /// <summary>Step between elements of a row in operand 0, 1 and 2.</summary>
    public readonly int Step0 => InnerStride(s0);

    /// <inheritdoc cref="Step0"/>
    public readonly int Step1 => InnerStride(s1);

    /// <inheritdoc cref="Step0"/>
    public readonly int Step2 => InnerStride(s2);

    private readonly int InnerStride(ReadOnlySpan<int> s) => shape.Length == 0 || s.IsEmpty ? 0 : s[^1];

    /// <summary>Moves to the next row; false when every row has been visited.</summary>
    public bool Next()
    {
        for (int ax = shape.Length - 2; ax >= 0; ax--)
        {
            idx[ax]++;
            P0 += s0[ax];
            if (!s1.IsEmpty) P1 += s1[ax];
            if (!s2.IsEmpty) P2 += s2[ax];
            if (idx[ax] < shape[ax]) return true;
            P0 -= s0[ax] * shape[ax];
            if (!s1.IsEmpty) P1 -= s1[ax] * shape[ax];
            if (!s2.IsEmpty) P2 -= s2[ax] * shape[ax];
            idx[ax] = 0;
        }
        return false;
    }

    /// <summary>True when the strides describe a dense row-major layout (size-1 dims may have any stride).</summary>
    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expect = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /// <summary>How an operand walks a shape as one flat run: 1 when dense row-major, 0 when every element is the same
    /// one (all strides 0), -1 otherwise (a view, or broadcast along some dimensions only).</summary>
    public static int FlatStep(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        bool allZero = true;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != 1 && strides[i] != 0) allZero = false;
        if (allZero) return 0;
        return IsContiguous(shape, strides) ? 1 : -1;
    }

    /// <summary>Number of elements of a shape.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }
}
