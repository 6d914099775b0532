namespace Eager;

/// <summary>
/// A resolved TensorFlow strided slice: the begin/end/strides arrays and the five masks expanded against an
/// input shape into, per input axis, (begin, step, size, shrink), plus the order of output axes (input axes and
/// inserted new axes). Follows tensorflow/core/util/strided_slice_op.cc (BuildDenseSpec, ValidateStridedSliceOp).
/// Unknown input dims (-1, graphs only) give unknown output sizes and skip the bounds checks until run time.
/// </summary>
internal sealed class StridedSliceSpec
{
    private const int NewAxis = -1;

    private StridedSliceSpec(int rank)
    {
        Begin = new int[rank]; Step = new int[rank]; Size = new int[rank]; Shrink = new bool[rank];
    }

    /// <summary>First index read on each input axis.</summary>
    public int[] Begin { get; }

    /// <summary>Step on each input axis (never 0).</summary>
    public int[] Step { get; }

    /// <summary>Elements taken on each input axis (-1 unknown).</summary>
    public int[] Size { get; }

    /// <summary>Input axes indexed by a single integer: removed from the output.</summary>
    public bool[] Shrink { get; }

    /// <summary>Output axes in order: an input axis, or -1 for an inserted size-1 axis.</summary>
    public List<int> OutputAxes { get; } = [];

    /// <summary>The output shape.</summary>
    public Shape OutputShape => Shape.Wrap(OutputAxes.Select(a => a == NewAxis ? 1 : Size[a]).ToArray());

    /// <summary>True when every step is positive (the result can be a view of the input).</summary>
    public bool ForwardOnly => Step.All(s => s > 0);

    /// <summary>The attrs of a strided slice, read and resolved against <paramref name="input"/>.</summary>
    public static StridedSliceSpec FromAttrs(string op, Shape input, Attrs a) => Resolve(op, input,
        a.Ints("begin"), a.Ints("end"), a.Ints("strides"), a.Int("beginMask"), a.Int("endMask"),
        a.Int("ellipsisMask"), a.Int("newAxisMask"), a.Int("shrinkAxisMask"));

    public static StridedSliceSpec Resolve(string op, Shape input, int[] begin, int[] end, int[] strides,
        int beginMask, int endMask, int ellipsisMask, int newAxisMask, int shrinkAxisMask)
    {
        string Ctx() => $"input shape {input}, begin {ArrayText.Of(begin)}, end {ArrayText.Of(end)}, strides {ArrayText.Of(strides)}";
        int n = begin.Length;
        if (end.Length != n || strides.Length != n)
            throw new ArgumentException($"{op}: begin, end and strides must have the same length ({Ctx()}).");
        if (n > 31) throw new ArgumentException($"{op}: at most 31 slice entries are supported ({Ctx()}).");
        if ((ellipsisMask & (ellipsisMask - 1)) != 0)
            throw new ArgumentException($"{op}: ellipsisMask {ellipsisMask} has more than one bit set; only one ellipsis is allowed ({Ctx()}).");

        // Sparse spec: without an explicit ellipsis, one is implied after the last entry.
        int sparseDims = n;
        if (ellipsisMask == 0) { ellipsisMask = 1 << n; sparseDims = n + 1; }
        int newAxesAfterEllipsis = 0;
        bool seen = false;
        for (int i = 0; i < sparseDims; i++)
        {
            if (seen && (newAxisMask & (1 << i)) != 0 && (ellipsisMask & (1 << i)) == 0) newAxesAfterEllipsis++;
            if ((ellipsisMask & (1 << i)) != 0) seen = true;
        }

        int rank = input.Rank;
        var spec = new StridedSliceSpec(rank);
        var denseBeginMask = new bool[rank]; var denseEndMask = new bool[rank];
        var denseBegin = new int[rank]; var denseEnd = new int[rank];
        int full = 0;
        for (int i = 0; i < sparseDims; i++)
        {
            int bit = 1 << i;
            if ((ellipsisMask & bit) != 0)
            {
                int next = Math.Min(rank - (sparseDims - i) + 1 + newAxesAfterEllipsis, rank);
                for (; full < next; full++)
                {
                    denseBeginMask[full] = denseEndMask[full] = true;
                    spec.Step[full] = 1;
                    spec.OutputAxes.Add(full);
                }
            }
            else if ((newAxisMask & bit) != 0) spec.OutputAxes.Add(NewAxis);
            else
            {
                if (full >= rank)
                    throw new ArgumentException($"{op}: the slice indexes more axes than the input has (rank {rank}; {Ctx()}).");
                denseBegin[full] = begin[i]; denseEnd[full] = end[i]; spec.Step[full] = strides[i];
                denseBeginMask[full] = (beginMask & bit) != 0; denseEndMask[full] = (endMask & bit) != 0;
                spec.Shrink[full] = (shrinkAxisMask & bit) != 0;
                if (!spec.Shrink[full]) spec.OutputAxes.Add(full);
                full++;
            }
        }

        for (int i = 0; i < rank; i++)
        {
            int step = spec.Step[i], dim = input[i];
            if (step == 0) throw new ArgumentException($"{op}: the stride for axis {i} is 0; strides must be non-zero ({Ctx()}).");
            if (spec.Shrink[i])
            {
                if (step < 0) throw new ArgumentException($"{op}: axis {i} is indexed by a single integer, which needs a positive stride ({Ctx()}).");
                int b = denseBegin[i];
                if (dim >= 0)
                {
                    int fwd = b < 0 ? b + dim : b;
                    if (fwd < 0 || fwd >= dim)
                        throw new ArgumentException($"{op}: index {b} is out of range for axis {i} of size {dim} ({Ctx()}).");
                    spec.Begin[i] = fwd;
                }
                spec.Size[i] = 1;
                continue;
            }
            if (dim < 0) { spec.Size[i] = -1; continue; }
            int lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
            int Canonical(int x, bool masked, bool isBegin)
            {
                if (masked) return (step > 0) == isBegin ? lo : hi;
                long fwd = x < 0 ? (long)x + dim : x;
                return (int)Math.Clamp(fwd, lo, hi);
            }
            int bi = Canonical(denseBegin[i], denseBeginMask[i], true);
            int ei = Canonical(denseEnd[i], denseEndMask[i], false);
            long len = (long)ei - bi;
            int size = len == 0 || (len < 0) != (step < 0) ? 0 : (int)(len / step + (len % step != 0 ? 1 : 0));
            spec.Begin[i] = bi;
            spec.Size[i] = size;
        }
        return spec;
    }

    /// <summary>The strided view this slice selects from a tensor of the input shape laid out with
    /// <paramref name="strides"/> at <paramref name="offset"/>: (output shape, strides, offset).
    /// Only valid when the output is non-empty.</summary>
    public (Shape Shape, int[] Strides, int Offset) ViewOf(ReadOnlySpan<int> strides, int offset)
    {
        for (int i = 0; i < Begin.Length; i++) offset += Begin[i] * strides[i];
        var st = new int[OutputAxes.Count];
        for (int j = 0; j < st.Length; j++)
        {
            int a = OutputAxes[j];
            st[j] = a == NewAxis ? 0 : strides[a] * Step[a];
        }
        return (OutputShape, st, offset);
    }
}
