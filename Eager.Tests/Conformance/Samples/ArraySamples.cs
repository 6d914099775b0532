namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the shape, join, slice, gather and fill ops (Ops/Array*.cs).</summary>
    public static IEnumerable<OpSample> Array()
    {
        yield return new("Transpose", [new(2, 3, 4)], x => Ops.Transpose(x[0], [2, 0, 1]));
        yield return new("Transpose", [new(3, 5)], x => Ops.Transpose(x[0])) { Label = "matrix" };
        // Squeezing "every size-1 axis" and unstacking need the static shape (TensorFlow would lose the rank).
        yield return new("Squeeze", [new(2, 1, 3, 1)], x => Ops.Squeeze(x[0])) { UnknownDims = false };
        yield return new("Squeeze", [new(2, 1, 3, 1)], x => Ops.Squeeze(x[0], -1)) { Label = "axis" };
        yield return new("BroadcastTo", [new(3, 1)], x => Ops.BroadcastTo(x[0], new Shape(2, 3, 4)));
        yield return new("Tile", [new(2, 3)], x => Ops.Tile(x[0], 2, 3));
        yield return new("Concat", [new(2, 3), new(2, 2), new(2, 1)], x => Ops.Concat(x, axis: 1));
        yield return new("Stack", [new(2, 3), new(2, 3)], x => Ops.Stack(x, axis: 1));
        yield return new("Unstack", [new(2, 3, 4)], x => Ops.Unstack(x[0], axis: 1)[2]) { UnknownDims = false };
        yield return new("Split", [new(2, 6)], x => Ops.Split(x[0], [1, -1, 2], axis: 1)[1]);
        yield return new("Split", [new(4, 3)], x => Ops.Split(x[0], 2)[0]) { Label = "equal" };
        yield return new("Slice", [new(4, 5)], x => Ops.Slice(x[0], [1, 2], [2, -1]));
        yield return new("StridedSlice", [new(4, 5, 3)], x => Ops.StridedSlice(x[0], [3, 0, 1], [0, 5, 2], [-1, 2, 1],
            endMask: 0b001, shrinkAxisMask: 0b100));
        yield return new("StridedSlice", [new(4, 5, 3)], x => x[0][1..^1, TensorIndex.NewAxis, TensorIndex.Ellipsis, ^1]) { Label = "indexer" };
        yield return new("StridedSliceGrad", [new(2, 3), new(4, 5)], x => ArrayOps.StridedSliceGrad(x[0], x[1], [1, 0], [3, 5], [1, 2]));
    
        var idx = Tensor.From(new[] { 2, 0, 2 });
        yield return new("Gather", [new(3, 4)], x => Ops.Gather(x[0], idx, axis: 1));
        yield return new("Gather", [new(4, 2)], x => Ops.Gather(x[0], Tensor.From(new long[] { 3, 1, 1, 0 }, new Shape(2, 2)))) { Label = "matrix-indices" };
        yield return new("GatherGrad", [new(3, 3), new(3, 4)], x => ArrayOps.GatherGrad(x[0], idx, x[1], 1));
        yield return new("OneHot", [], _ => Ops.OneHot(Tensor.From(new[] { 0, 2, -1, 1 }), 3, dtype: DType.Float64), Differentiable: false);
        yield return new("Pad", [new(2, 3)], x => Ops.Pad(x[0], new[,] { { 1, 0 }, { 2, 1 } }, constantValue: 0.5));
        yield return new("Pad", [new(3, 4)], x => Ops.Pad(x[0], new[,] { { 2, 1 }, { 0, 3 } }, "REFLECT")) { Label = "reflect" };
        yield return new("Pad", [new(3, 4)], x => Ops.Pad(x[0], new[,] { { 3, 1 }, { 1, 4 } }, "SYMMETRIC")) { Label = "symmetric" };
        yield return new("MirrorPadGrad", [new(6, 7), new(3, 4)], x => ArrayOps.MirrorPadGrad(x[0], x[1], new Attrs { { "paddings", new[] { 2, 1, 0, 3 } }, { "mode", "REFLECT" }, { "constantValue", 0.0 } }));
        yield return new("SplitLike", [new(2, 5), new(2, 2), new(2, 3)], x => ArrayOps.SplitLike(x[0], [x[1], x[2]], 1)[1]);
        yield return new("TileGrad", [new(4, 6), new(2, 2)], x => ArrayOps.TileGrad(x[0], x[1], [2, 3]));
        yield return new("Fill", [Shape.Scalar], x => Ops.Fill(new Shape(2, 3), x[0]));
    }
}
