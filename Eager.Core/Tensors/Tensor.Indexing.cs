using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>
/// One entry of a tensor index: an integer (selects and removes the axis; negative counts from the end),
/// a <see cref="System.Index"/> (<c>^1</c> is the last element), a <see cref="System.Range"/> (<c>1..3</c>,
/// <c>..</c>, <c>^2..</c>), a stepped <see cref="Slice"/>, <see cref="NewAxis"/> or <see cref="Ellipsis"/>.
/// </summary>
public readonly struct TensorIndex
{
    private enum Kind { Integer, Range, NewAxis, Ellipsis }

    private readonly Kind kind;
    private readonly int begin, end, step;
    private readonly bool beginMasked, endMasked;

    private TensorIndex(Kind kind, int begin = 0, int end = 0, int step = 1, bool beginMasked = false, bool endMasked = false)
    {
        this.kind = kind; this.begin = begin; this.end = end; this.step = step;
        this.beginMasked = beginMasked; this.endMasked = endMasked;
    }

    /// <summary>Inserts a size-1 axis (NumPy's None / np.newaxis).</summary>
    public static TensorIndex NewAxis => new(Kind.NewAxis);

    /// <summary>Stands for as many full axes as needed (NumPy's <c>...</c>).</summary>
    public static TensorIndex Ellipsis => new(Kind.Ellipsis);

    /// <summary>Python's start:stop:step; null start/stop mean from the beginning / to the end (in the direction
    /// of step), negative values count from the end.</summary>
    /// <exception cref="ArgumentException">step is 0.</exception>
    public static TensorIndex Slice(int? start = null, int? stop = null, int step = 1)
    {
        if (step == 0) throw new ArgumentException("TensorIndex.Slice: step must not be 0.", nameof(step));
        return new(Kind.Range, start ?? 0, stop ?? 0, step, start is null, stop is null);
    }

    /// <summary>A single integer index; negative counts from the end.</summary>
    public static implicit operator TensorIndex(int index) => new(Kind.Integer, index, index + 1);

    /// <summary>A single index; <c>^k</c> is the k-th element from the end.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><c>^0</c>, which is past the end.</exception>
    public static implicit operator TensorIndex(Index index)
    {
        if (!index.IsFromEnd) return index.Value;
        if (index.Value == 0) throw new ArgumentOutOfRangeException(nameof(index), "Tensor index ^0 is past the end of the axis; the last element is ^1.");
        return -index.Value;
    }

    /// <summary>A range with step 1: <c>a..b</c>, <c>..</c>, <c>^3..</c>, <c>..^1</c>.</summary>
    public static implicit operator TensorIndex(Range range)
    {
        var (s, e) = (range.Start, range.End);
        // ^0 as a start is the end of the axis: an empty slice; int.MaxValue clamps there.
        int b = s.IsFromEnd ? (s.Value == 0 ? int.MaxValue : -s.Value) : s.Value;
        bool endMasked = e.IsFromEnd && e.Value == 0;
        int en = e.IsFromEnd ? -e.Value : e.Value;
        return new(Kind.Range, b, en, 1, false, endMasked);
    }

    /// <summary>The strided-slice call for a list of indices.</summary>
    internal static Tensor Apply(Tensor x, TensorIndex[] indices)
    {
        int n = indices.Length;
        var begin = new int[n]; var end = new int[n]; var strides = new int[n];
        int beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkMask = 0;
        for (int i = 0; i < n; i++)
        {
            var ix = indices[i];
            strides[i] = 1;
            switch (ix.kind)
            {
                case Kind.Integer: begin[i] = ix.begin; end[i] = ix.end; shrinkMask |= 1 << i; break;
                case Kind.Range:
                    begin[i] = ix.begin; end[i] = ix.end; strides[i] = ix.step;
                    if (ix.beginMasked) beginMask |= 1 << i;
                    if (ix.endMasked) endMask |= 1 << i;
                    break;
                case Kind.NewAxis: newAxisMask |= 1 << i; break;
                case Kind.Ellipsis:
                    if (ellipsisMask != 0) throw new ArgumentException($"Tensor indexer: only one Ellipsis is allowed (tensor shape {x.Shape}).");
                    ellipsisMask |= 1 << i;
                    break;
            }
        }
        return Ops.StridedSlice(x, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask);
    }
}

public sealed partial class Tensor
{
    /// <summary>Element or sub-tensor <paramref name="index"/> along axis 0 (the axis is removed); negative counts
    /// from the end. A view sharing storage.</summary>
    /// <exception cref="ArgumentException">The index is out of range.</exception>
    [IndexerName("At")] // the default name "Item" is taken by Item<T>()
    public Tensor this[int index] => TensorIndex.Apply(this, [index]);

    /// <summary>Sub-tensor at <paramref name="index"/> along axis 0 (<c>t[^1]</c> is the last).</summary>
    [IndexerName("At")]
    public Tensor this[Index index] => TensorIndex.Apply(this, [index]);

    /// <summary>A range along axis 0 (<c>t[1..3]</c>); the axis is kept.</summary>
    [IndexerName("At")]
    public Tensor this[Range range] => TensorIndex.Apply(this, [range]);

    /// <summary>NumPy-style indexing, one entry per leading axis: <c>t[1, ..]</c>, <c>t[.., 2]</c>,
    /// <c>t[1..3, ^1]</c>, <c>t[TensorIndex.Ellipsis, 0]</c>, <c>t[TensorIndex.Slice(step: -1)]</c>.
    /// Built on <see cref="Ops.StridedSlice"/>, so it records gradients and works on graph tensors.</summary>
    /// <exception cref="ArgumentException">Too many indices or an integer index out of range.</exception>
    [IndexerName("At")]
    public Tensor this[params TensorIndex[] indices] => TensorIndex.Apply(this, indices);
}
