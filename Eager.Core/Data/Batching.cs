namespace Eager;

/// <summary>
/// Stacking, slicing and padding of queue and dataset elements. These move whole elements around and never
/// take part in gradients, so they copy storage directly instead of going through the dispatcher.
/// </summary>
internal static class Batching
{
    /// <summary>Row <paramref name="index"/> of x along axis 0, as a view sharing x's storage.</summary>
    public static Tensor Slice(Tensor x, int index) => Slice(x, index, RowShape(x), x.StridesArray[1..]);

    /// <summary>Row <paramref name="index"/> of x, reusing a row shape and strides computed once per tensor
    /// (views never change their strides array, so rows may share it).</summary>
    public static Tensor Slice(Tensor x, int index, Shape rowShape, int[] rowStrides) =>
        x.View(rowShape, rowStrides, x.Offset + index * x.StridesArray[0]);

    /// <summary>The shape of one row of x (its shape without axis 0).</summary>
    public static Shape RowShape(Tensor x) => Shape.Wrap(x.Shape.ToArray()[1..]);

    /// <summary>Stacks equally shaped tensors of one dtype along a new axis 0.</summary>
    /// <param name="items">The tensors; at least one.</param>
    /// <param name="what">Names the caller in error messages ("FIFOQueue 'q'.DequeueMany component 0").</param>
    /// <param name="hint">Appended to a shape-mismatch error: what the user can do instead.</param>
    public static Tensor Stack(IReadOnlyList<Tensor> items, string what, string hint)
    {
        var first = items[0];
        for (int i = 1; i < items.Count; i++)
        {
            if (items[i].Shape != first.Shape)
                throw new ArgumentException($"{what}: element {i} has shape {items[i].Shape}, element 0 has {first.Shape}; " +
                    "elements stacked into one batch must have equal shapes. " + hint);
        }
        return Pad(items, first.Shape, 0, what);
    }

    /// <summary>
    /// Stacks tensors along a new axis 0, each padded at the end of every dimension up to
    /// <paramref name="target"/> with <paramref name="padValue"/>.
    /// </summary>
    public static Tensor Pad(IReadOnlyList<Tensor> items, Shape target, double padValue, string what)
    {
        var dtype = items[0].DType;
        var dims = new int[target.Rank + 1];
        dims[0] = items.Count;
        for (int d = 0; d < target.Rank; d++) dims[d + 1] = target[d];
        var outShape = Shape.Wrap(dims);
        bool needsFill = false;
        foreach (var t in items)
        {
            if (t.DType != dtype)
                throw new ArgumentException($"{what}: elements have dtypes {dtype.Name()} and {t.DType.Name()}; a batch has one dtype.");
            if (t.Rank != target.Rank)
                throw new ArgumentException($"{what}: an element of shape {t.Shape} cannot be padded to {target} (rank differs).");
            for (int d = 0; d < target.Rank; d++)
            {
                if (t.Shape[d] > target[d])
                    throw new ArgumentException($"{what}: an element of shape {t.Shape} is larger than the padded shape {target} in dimension {d}.");
                if (t.Shape[d] < target[d]) needsFill = true;
            }
        }
        var result = needsFill ? Tensor.Full(outShape, padValue, dtype) : Tensor.Empty(outShape, dtype);
        switch (dtype)
        {
            case DType.Float32: CopyAll<float>(items, result, target); break;
            case DType.Float64: CopyAll<double>(items, result, target); break;
            case DType.Int32: CopyAll<int>(items, result, target); break;
            case DType.Int64: CopyAll<long>(items, result, target); break;
            case DType.Bool: CopyAll<bool>(items, result, target); break;
            case DType.Float16: CopyAll<Half>(items, result, target); break;
            case DType.BFloat16: CopyAll<BFloat16>(items, result, target); break;
            case DType.Int8: CopyAll<sbyte>(items, result, target); break;
            case DType.UInt8: CopyAll<byte>(items, result, target); break;
            default: throw new NotSupportedException($"{what}: dtype {dtype.Name()} cannot be batched.");
        }
        return result;
    }

    /// <summary>The per-dimension maximum of the shapes (the smallest shape every item fits in).</summary>
    public static Shape MaxShape(IEnumerable<Tensor> items, int rank, string what)
    {
        var dims = new int[rank];
        foreach (var t in items)
        {
            if (t.Rank != rank)
                throw new ArgumentException($"{what}: elements have ranks {rank} and {t.Rank} ({t.Shape}); padding needs equal ranks.");
            for (int d = 0; d < rank; d++) dims[d] = Math.Max(dims[d], t.Shape[d]);
        }
        return Shape.Wrap(dims);
    }

    private static void CopyAll<T>(IReadOnlyList<Tensor> items, Tensor result, Shape target) where T : unmanaged
    {
        var dst = result.Span<T>();
        int itemSize = target.Size;
        for (int i = 0; i < items.Count; i++)
        {
            var src = items[i].Contiguous();
            var part = dst.Slice(i * itemSize, itemSize);
            if (src.Shape == target) src.Span<T>().CopyTo(part);
            else CopyPadded(src.Span<T>(), src.Shape, part, target);
            src.KeepAlive();
        }
        result.KeepAlive();
    }

    /// <summary>Copies a contiguous block of <paramref name="shape"/> into the corner of a larger contiguous block.</summary>
    private static void CopyPadded<T>(ReadOnlySpan<T> src, Shape shape, Span<T> dst, Shape target)
    {
        int rank = shape.Rank;
        if (shape.Size == 0) return;
        int row = shape[rank - 1];
        int rows = shape.Size / row;
        var index = new int[rank - 1];
        var dstStrides = target.ContiguousStrides();
        for (int r = 0; r < rows; r++)
        {
            int offset = 0;
            for (int d = 0; d < rank - 1; d++) offset += index[d] * dstStrides[d];
            src.Slice(r * row, row).CopyTo(dst.Slice(offset, row));
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
    }
}
