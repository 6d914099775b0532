using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>
/// Element-wise and N-dimensional gathers and scatters (ONNX GatherElements, ScatterElements, GatherND, ScatterND;
/// tf.gather_nd, tf.tensor_scatter_nd_update/add), composed from Gather and its scatter-add adjoint over a
/// flattened view. Their gradients follow from those two ops.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// y[p] = x[p with its <paramref name="axis"/> coordinate replaced by indices[p]] for every position p of
    /// <paramref name="indices"/> (torch.gather, ONNX GatherElements). Indices have x's rank; negative ones count from
    /// the end of the axis. The output has the indices' shape and x's dtype.
    /// </summary>
    /// <exception cref="ArgumentException">Indices not integer, of another rank, of a larger extent than x on another axis,
    /// or out of range; shapes unknown when the call is traced.</exception>
    public static Tensor GatherElements(Tensor x, Tensor indices, int axis)
    {
        var flat = ElementsFlatIndex("GatherElements", x, indices, ref axis);
        return Gather(Reshape(x, -1), flat, 0);
    }

    /// <summary>
    /// A copy of <paramref name="data"/> with updates[p] written at (or, with reduction "add", added to) the position
    /// of p with its <paramref name="axis"/> coordinate replaced by indices[p] (ONNX ScatterElements, torch.scatter).
    /// With reduction "none", several updates aimed at one position add up.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="GatherElements"/>; updates not shaped like the indices; a reduction
    /// other than "none" or "add"; a non-numeric dtype.</exception>
    public static Tensor ScatterElements(Tensor data, Tensor indices, Tensor updates, int axis, string reduction = "none")
    {
        if (reduction is not ("none" or "add")) throw new ArgumentException($"ScatterElements: reduction must be \"none\" or \"add\", got \"{reduction}\".");
        if (updates.Shape != indices.Shape || updates.DType != data.DType)
            throw new ArgumentException($"ScatterElements: updates {updates.DType.Name()}{updates.Shape} must have the indices' shape {indices.Shape} and the data's dtype {data.DType.Name()}.");
        var flat = ElementsFlatIndex("ScatterElements", data, indices, ref axis);
        return ScatterFlat(data, Reshape(data, -1), flat, updates, reduction == "add");
    }

    /// <summary>
    /// Slices of <paramref name="data"/> picked by index tuples (tf.gather_nd, ONNX GatherND with batch_dims 0): the last
    /// axis of <paramref name="indices"/> (length q &lt;= rank) holds coordinates of data's first q axes; the output is
    /// indices.shape[:-1] + data.shape[q:]. Negative coordinates count from the end.
    /// </summary>
    /// <exception cref="ArgumentException">Indices not integer or with a last axis longer than data's rank; data's first q
    /// dimensions unknown; coordinates out of range.</exception>
    public static Tensor GatherNd(Tensor data, Tensor indices)
    {
        var (rows, flat) = NdRows("GatherNd", data, indices);
        return Gather(rows, flat, 0);
    }

    /// <summary>
    /// A copy of <paramref name="tensor"/> with the slices addressed by <paramref name="indices"/> (as in
    /// <see cref="GatherNd"/>) replaced by <paramref name="updates"/> (tf.tensor_scatter_nd_update, ONNX ScatterND).
    /// Updates have shape indices.shape[:-1] + tensor.shape[q:]; several updates aimed at one slice add up.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="GatherNd"/>, or updates of another shape or dtype.</exception>
    public static Tensor TensorScatterUpdate(Tensor tensor, Tensor indices, Tensor updates) => ScatterNd("TensorScatterUpdate", tensor, indices, updates, add: false);

    /// <summary>As <see cref="TensorScatterUpdate"/>, but the updates are added to the addressed slices (tf.tensor_scatter_nd_add).</summary>
    /// <exception cref="ArgumentException">As <see cref="TensorScatterUpdate"/>.</exception>
    public static Tensor TensorScatterAdd(Tensor tensor, Tensor indices, Tensor updates) => ScatterNd("TensorScatterAdd", tensor, indices, updates, add: true);
}

internal static partial class ArrayOps
{
    /// <summary>data plus updates added at the element positions (the adjoint of <see cref="GatherElements"/>).</summary>
    internal static Tensor ScatterElementsAdd(Tensor data, Tensor indices, Tensor updates, int axis) =>
        ScatterElements(data, indices, updates, axis, "add");

    internal static Tensor ScatterNd(string op, Tensor data, Tensor indices, Tensor updates, bool add)
    {
        var (rows, flat) = NdRows(op, data, indices);
        var want = Shape.Wrap([.. indices.Shape.ToArray()[..^1], .. rows.Shape.ToArray()[1..]]);
        if (!want.IsCompatibleWith(updates.Shape) || updates.DType != data.DType)
            throw new ArgumentException($"{op}: updates are {updates.DType.Name()}{updates.Shape}; indices {indices.Shape} into {data.DType.Name()}{data.Shape} need {data.DType.Name()}{want}.");
        return ReshapeLike(ScatterFlat(rows, rows, flat, updates, add), data);
    }

    /// <summary>Scatters updates into <paramref name="rows"/> (a reshape of data) along axis 0 and returns data's shape.</summary>
    internal static Tensor ScatterFlat(Tensor data, Tensor rows, Tensor flat, Tensor updates, bool add)
    {
        if (!data.DType.IsNumeric) throw new ArgumentException($"Scatter: data must be numeric, got {data.DType.Name()}{data.Shape}.");
        var summed = GatherGrad(updates, flat, rows, 0);
        if (!add)
        {
            var hit = Greater(GatherGrad(OnesLike(updates), flat, rows, 0), ZerosLike(rows));
            summed = Where(hit, summed, rows);
        }
        else summed = rows + summed;
        return ReshapeLike(summed, data);
    }

    /// <summary>data as [prod(shape[:q]), shape[q:]...] and the row of each index tuple.</summary>
    internal static (Tensor Rows, Tensor Flat) NdRows(string op, Tensor data, Tensor indices)
    {
        if (!indices.DType.IsInteger || indices.Rank == 0)
            throw new ArgumentException($"{op}: indices must be int32 or int64 of rank >= 1, got {indices.DType.Name()}{indices.Shape} (data {data.DType.Name()}{data.Shape}).");
        int q = indices.Shape[^1];
        if (q < 0 || q > data.Rank) throw new ArgumentException($"{op}: the last axis of indices {indices.Shape} must be known and at most data's rank {data.Rank} ({data.Shape}).");
        var dims = data.Shape.ToArray();
        if (dims[..q].Any(d => d < 0)) throw new ArgumentException($"{op}: the first {q} dimensions of data {data.Shape} must be known.");
        var strides = new long[q];
        long rowsCount = 1;
        for (int j = q - 1; j >= 0; j--) { strides[j] = rowsCount; rowsCount *= dims[j]; }
        var idx = Cast(indices, DType.Int64);
        var extent = Tensor.From(dims[..q].Select(d => (long)d).ToArray());
        if (!idx.IsSymbolic)
        {
            var v = idx.ToArray<long>();
            for (int i = 0; i < v.Length; i++)
                if (v[i] < -dims[i % q] || v[i] >= dims[i % q])
                    throw new ArgumentException($"{op}: coordinate {v[i]} (at flat position {i} of indices {indices.Shape}) is out of range for axis {i % q} of data {data.Shape}.");
        }
        idx = Where(Less(idx, ZerosLike(idx)), idx + extent, idx);
        var flat = ReduceSum(idx * Tensor.From(strides), [indices.Rank - 1]);
        var rows = Reshape(data, [checked((int)rowsCount), .. dims[q..]]);
        return (rows, flat);
    }

    /// <summary>The position in the flattened x of every element that indices address along the axis.</summary>
    internal static Tensor ElementsFlatIndex(string op, Tensor x, Tensor indices, ref int axis)
    {
        if (!indices.DType.IsInteger) throw new ArgumentException($"{op}: indices must be int32 or int64, got {indices.DType.Name()}{indices.Shape}.");
        if (indices.Rank != x.Rank || x.Rank == 0)
            throw new ArgumentException($"{op}: indices {indices.Shape} must have the rank of the data {x.DType.Name()}{x.Shape} (at least 1).");
        axis = x.Shape.NormalizeAxis(axis, op);
        if (!x.Shape.IsFullyDefined || !indices.Shape.IsFullyDefined)
            throw new ArgumentException($"{op}: needs the shapes known when traced (data {x.Shape}, indices {indices.Shape}).");
        var xs = x.Shape.ToArray(); var ids = indices.Shape.ToArray();
        for (int d = 0; d < xs.Length; d++)
            if (d != axis && ids[d] > xs[d])
                throw new ArgumentException($"{op}: indices {indices.Shape} are larger than the data {x.Shape} on axis {d}.");
        var stride = new long[xs.Length];
        long s = 1;
        for (int d = xs.Length - 1; d >= 0; d--) { stride[d] = s; s *= xs[d]; }
        // The part of each flat position that does not depend on the index value.
        var baseIndex = new long[indices.Shape.Size];
        var coord = new int[ids.Length];
        for (int p = 0; p < baseIndex.Length; p++)
        {
            long b = 0;
            for (int d = 0; d < ids.Length; d++) if (d != axis) b += coord[d] * stride[d];
            baseIndex[p] = b;
            for (int d = ids.Length - 1; d >= 0; d--) { if (++coord[d] < ids[d]) break; coord[d] = 0; }
        }
        var idx = Cast(indices, DType.Int64);
        int n = xs[axis];
        if (!idx.IsSymbolic)
        {
            var v = idx.ToArray<long>();
            for (int i = 0; i < v.Length; i++)
                if (v[i] < -n || v[i] >= n)
                    throw new ArgumentException($"{op}: index {v[i]} (at flat position {i} of indices {indices.Shape}) is out of range for axis {axis} of data {x.Shape}; valid indices are {-n} to {n - 1}.");
        }
        idx = Where(Less(idx, ZerosLike(idx)), idx + (double)n, idx);
        return Tensor.From(baseIndex, indices.Shape) + idx * (double)stride[axis];
    }
}
