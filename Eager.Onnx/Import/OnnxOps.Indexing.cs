namespace Eager.Onnx.Import;

/// <summary>Selection, scatter, scan and contraction operators.</summary>
internal static partial class OnnxOps
{
    private static void AddIndexing(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["TopK"] = c =>
        {
            var x = c.In(0);
            long k = c.Opset >= 10 ? c.ConstInts(1)[0] : c.Int("k", 0);
            var (values, indices) = Ops.TopK(x, checked((int)k), (int)c.Int("axis", -1), c.Int("largest", 1) != 0);
            return [values, indices];
        };
        h["CumSum"] = c => [Ops.CumSum(c.In(0), (int)c.ConstInts(1)[0], c.Int("exclusive", 0) != 0, c.Int("reverse", 0) != 0)];
        h["NonZero"] = c => [Ops.NonZero(c.In(0))];
        h["GatherElements"] = c => [Ops.GatherElements(c.In(0), c.In(1), (int)c.Int("axis", 0))];
        h["ScatterElements"] = c => [Ops.ScatterElements(c.In(0), c.In(1), c.In(2), (int)c.Int("axis", 0), ScatterReduction(c))];
        h["Scatter"] = h["ScatterElements"];
        h["GatherND"] = c => [Ops.GatherNd(c.In(0), WithBatchCoordinates(c, c.In(1), (int)c.Int("batch_dims", 0)))];
        h["ScatterND"] = c => [ScatterReduction(c) == "add" ? Ops.TensorScatterAdd(c.In(0), c.In(1), c.In(2)) : Ops.TensorScatterUpdate(c.In(0), c.In(1), c.In(2))];
        h["Einsum"] = c => [Ops.Einsum(c.Str("equation", ""), c.Inputs.Where(t => t is not null).Select(t => t!).ToArray())];
    }

    /// <summary>GatherND's batch_dims as plain index tuples: each tuple gets its batch coordinates in front.</summary>
    private static Tensor WithBatchCoordinates(ImportContext c, Tensor indices, int batchDims)
    {
        if (batchDims == 0) return indices;
        var dims = indices.Shape.ToArray();
        if (batchDims < 0 || batchDims >= dims.Length || !indices.Shape.IsFullyDefined)
            throw c.Unsupported($"batch_dims={batchDims} with indices {indices.Shape}");
        int tuples = dims[..^1].Aggregate(1, (p, d) => p * d);
        var coords = new long[tuples * batchDims];
        var at = new int[dims.Length - 1];
        for (int t = 0; t < tuples; t++)
        {
            for (int b = 0; b < batchDims; b++) coords[t * batchDims + b] = at[b];
            for (int d = at.Length - 1; d >= 0; d--) { if (++at[d] < dims[d]) break; at[d] = 0; }
        }
        var batch = Tensor.From(coords, new Shape([.. dims[..^1], batchDims]));
        return Ops.Concat([batch, Ops.Cast(indices, DType.Int64)], -1);
    }

    private static string ScatterReduction(ImportContext c)
    {
        var r = c.Str("reduction", "none");
        return r is "none" or "add" ? r : throw c.Unsupported($"reduction '{r}'");
    }
}
