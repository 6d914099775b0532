using Eager.Kernels.Layout;
using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Index-driven ops: gather, its scatter-add gradient, and one-hot encoding.</summary>
public static partial class Ops
{
    /// <summary>Slices of <paramref name="params"/> along <paramref name="axis"/> picked by <paramref name="indices"/>
    /// (int32 or int64): the output shape is params.shape[:axis] + indices.shape + params.shape[axis+1:].
    /// The gradient scatter-adds into zeros, so repeated indices accumulate.</summary>
    /// <exception cref="ArgumentException">Indices are not integers, params is a scalar, the axis is out of range,
    /// or an index is outside 0 .. params.Shape[axis]-1.</exception>
    public static Tensor Gather(Tensor @params, Tensor indices, int axis = 0) =>
        Dispatcher.Apply1(GatherDef, new Attrs { { "axis", axis } }, @params, indices);

    /// <summary>One-hot encoding of int32/int64 <paramref name="indices"/>: a new axis of size <paramref name="depth"/>
    /// at <paramref name="axis"/> (-1: last) holding <paramref name="onValue"/> at the index and
    /// <paramref name="offValue"/> elsewhere. Indices outside 0 .. depth-1 give all-off rows, as in TensorFlow.</summary>
    /// <exception cref="ArgumentException">Non-integer indices, negative depth, or axis out of range.</exception>
    public static Tensor OneHot(Tensor indices, int depth, double onValue = 1, double offValue = 0, int axis = -1, DType dtype = DType.Float32) =>
        Dispatcher.Apply1(OneHotDef, new Attrs { { "depth", depth }, { "onValue", onValue }, { "offValue", offValue }, { "axis", axis }, { "dtype", dtype } }, indices);
}

internal static partial class ArrayOps
{
    private static TensorSpec[] GatherInfer(string op, Tensor p, Tensor indices, int axisAttr)
    {
        if (!indices.DType.IsInteger)
            throw new ArgumentException($"{op}: indices must be int32 or int64, got {indices.DType.Name()}{indices.Shape} (params {p.DType.Name()}{p.Shape}).");
        if (p.Rank == 0) throw new ArgumentException($"{op}: params is a scalar; it needs rank >= 1 (indices {indices.Shape}).");
        int axis = p.Shape.NormalizeAxis(axisAttr, op);
        var dims = new List<int>();
        for (int i = 0; i < axis; i++) dims.Add(p.Shape[i]);
        dims.AddRange(indices.Shape);
        for (int i = axis + 1; i < p.Rank; i++) dims.Add(p.Shape[i]);
        return [new TensorSpec(Shape.Wrap([.. dims]), p.DType)];
    }

    /// <summary>The indices as int64, each checked against the axis length (the check the kernel relies on).</summary>
    private static long[] CheckedIndices(string op, Tensor p, Tensor indices, int axis)
    {
        var idx = ArrayLayout.Indices(indices, op);
        int n = p.Shape[axis];
        for (int i = 0; i < idx.Length; i++)
        {
            if ((ulong)idx[i] >= (ulong)n)
                throw new ArgumentException($"{op}: index {idx[i]} (at flat position {i} of indices {indices.Shape}) is out of range for axis {axis} of params {p.Shape}; valid indices are 0 to {n - 1}.");
        }
        return idx;
    }

    private static (int Outer, int Axis, int Inner) AxisBlocks(Shape s, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= s[i];
        for (int i = axis + 1; i < s.Rank; i++) inner *= s[i];
        return (outer, s[axis], inner);
    }

    internal const string GatherName = "Gather";
    internal static readonly OpDef GatherDef = new(GatherName,
        (x, a) => GatherInfer(GatherName, x[0], x[1], a.Int("axis")),
        (x, a) =>
        {
            var (p, indices) = (x[0], x[1]);
            var spec = GatherInfer(GatherName, p, indices, a.Int("axis"))[0];
            int axis = p.Shape.NormalizeAxis(a.Int("axis"), GatherName);
            var idx = CheckedIndices(GatherName, p, indices, axis);
            var result = Tensor.Empty(spec.Shape, p.DType);
            if (spec.Shape.Size == 0) return [result];
            var src = p.Contiguous();
            var (outer, n, inner) = AxisBlocks(p.Shape, axis);
            switch (p.DType)
            {
                case DType.Float32: IndexGather.Gather<float>(src.Span<float>(), outer, n, inner, idx, result.Span<float>()); break;
                case DType.Float64: IndexGather.Gather<double>(src.Span<double>(), outer, n, inner, idx, result.Span<double>()); break;
                case DType.Int32: IndexGather.Gather<int>(src.Span<int>(), outer, n, inner, idx, result.Span<int>()); break;
                case DType.Int64: IndexGather.Gather<long>(src.Span<long>(), outer, n, inner, idx, result.Span<long>()); break;
                case DType.Bool: IndexGather.Gather<bool>(src.Span<bool>(), outer, n, inner, idx, result.Span<bool>()); break;
            }
            src.KeepAlive();
            return [result];
        })
    {
        Gradient = c => [GatherGrad(c.Grad, c.X(1), c.X(0), c.Attrs.Int("axis")), null],
        Onnx = e => e.Add("Gather", [e.Input(0), e.Input(1)], [e.Output(0)], ("axis", e.Node.Inputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), GatherName))),
    };

    internal const string GatherGradName = "GatherGrad";
    internal static readonly OpDef GatherGradDef = new(GatherGradName,
        (x, a) =>
        {
            var want = GatherInfer(GatherGradName, x[2], x[1], a.Int("axis"))[0];
            if (!want.Shape.IsCompatibleWith(x[0].Shape) || x[0].DType != x[2].DType || !x[0].DType.IsNumeric)
                throw new ArgumentException($"GatherGrad: the gradient is {x[0].DType.Name()}{x[0].Shape}, but gathering from params {x[2].DType.Name()}{x[2].Shape} with indices {x[1].Shape} gives {want.DType.Name()}{want.Shape}.");
            return [TensorSpec.Of(x[2])];
        },
        (x, a) =>
        {
            var (g, indices, p) = (x[0].Contiguous(), x[1], x[2]);
            int axis = p.Shape.NormalizeAxis(a.Int("axis"), GatherGradName);
            var idx = CheckedIndices(GatherGradName, p, indices, axis);
            var result = ArrayLayout.Zeros(p.Shape, p.DType);
            if (g.Shape.Size == 0) return [result];
            var (outer, n, inner) = AxisBlocks(p.Shape, axis);
            switch (p.DType)
            {
                case DType.Float32: IndexGather.ScatterAdd<float>(g.Span<float>(), outer, n, inner, idx, result.Span<float>()); break;
                case DType.Float64: IndexGather.ScatterAdd<double>(g.Span<double>(), outer, n, inner, idx, result.Span<double>()); break;
                case DType.Int32: IndexGather.ScatterAdd<int>(g.Span<int>(), outer, n, inner, idx, result.Span<int>()); break;
                case DType.Int64: IndexGather.ScatterAdd<long>(g.Span<long>(), outer, n, inner, idx, result.Span<long>()); break;
            }
            g.KeepAlive();
            return [result];
        })
    {
        Gradient = c => [Gather(c.Grad, c.X(1), c.Attrs.Int("axis")), null, null],
        Onnx = OnnxGatherGrad,
    };

    /// <summary>
    /// Scatter-add as a product with a one-hot matrix, which sums repeated indices (opset 13's ScatterND and
    /// ScatterElements overwrite them): result[o, j, i] = sum over k of [indices[k] == j] * grad[o, k, i]. Exact for
    /// integers; floats sum in the product's order.
    /// </summary>
    private static void OnnxGatherGrad(IOnnxEmitter e)
    {
        var (g, indices, like) = (e.Node.Inputs[0], e.Node.Inputs[1], e.Node.Inputs[2]);
        if (!like.Shape.IsFullyDefined || !indices.Shape.IsFullyDefined)
            throw new NotSupportedException($"ONNX export of GatherGrad (scatter-add) needs known shapes; params {like.Shape}, indices {indices.Shape}.");
        int axis = like.Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), GatherGradName);
        var dims = like.Shape.ToArray();
        int outer = dims[..axis].Aggregate(1, (p, d) => p * d), inner = dims[(axis + 1)..].Aggregate(1, (p, d) => p * d);
        var flat = e.Temp("flat_indices");
        e.Add("Reshape", [e.Input(1), OnnxMap.Ints(e, "flat", -1)], [flat]);
        var oneHot = e.Temp("one_hot");
        OnnxMap.OneHot(e, flat, indices.DType, 1, e.Constant(Tensor.Scalar((long)dims[axis]), "depth"), -1,
            OnnxMap.Scalar(e, "on", 1, g.DType), OnnxMap.Scalar(e, "off", 0, g.DType), oneHot);
        var grad3 = e.Temp("grad3");
        e.Add("Reshape", [e.Input(0), OnnxMap.Ints(e, "grad3_shape", outer, indices.Shape.Size, inner)], [grad3]);
        var summed = e.Temp("summed");
        e.Add("MatMul", [OnnxMap.Transpose(e, oneHot, [1, 0], "one_hot_t"), grad3], [summed]);
        e.Add("Reshape", [summed, OnnxMap.Ints(e, "like_shape", dims)], [e.Output(0)]);
    }

    /// <summary>The gradient of <see cref="Gather"/>: zeros shaped like <paramref name="like"/> with
    /// <paramref name="grad"/> added at the gathered positions (repeats accumulate).</summary>
    internal static Tensor GatherGrad(Tensor grad, Tensor indices, Tensor like, int axis) =>
        Dispatcher.Apply1(GatherGradDef, new Attrs { { "axis", axis } }, grad, indices, like);

    private static TensorSpec[] OneHotInfer(Tensor[] x, Attrs a)
    {
        var ind = x[0];
        if (!ind.DType.IsInteger) throw new ArgumentException($"OneHot: indices must be int32 or int64, got {ind.DType.Name()}{ind.Shape}.");
        int depth = a.Int("depth");
        if (depth < 0) throw new ArgumentException($"OneHot: depth must be non-negative, got {depth} (indices {ind.Shape}).");
        int axis = a.Int("axis");
        if (axis < -1 || axis > ind.Rank) throw new ArgumentException($"OneHot: axis {axis} is out of range for indices of shape {ind.Shape} (valid: -1 to {ind.Rank}).");
        var dims = ind.Shape.ToArray().ToList();
        dims.Insert(axis == -1 ? ind.Rank : axis, depth);
        return [new TensorSpec(Shape.Wrap([.. dims]), a.Get<DType>("dtype"))];
    }

    internal const string OneHotName = "OneHot";
    internal static readonly OpDef OneHotDef = new(OneHotName,
        OneHotInfer,
        (x, a) =>
        {
            var spec = OneHotInfer(x, a)[0];
            var ind = x[0];
            int axis = a.Int("axis") == -1 ? ind.Rank : a.Int("axis");
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= ind.Shape[i];
            for (int i = axis; i < ind.Rank; i++) inner *= ind.Shape[i];
            var idx = ArrayLayout.Indices(ind, OneHotName);
            var result = Tensor.Empty(spec.Shape, spec.DType);
            int depth = a.Int("depth");
            double on = a.Double("onValue"), off = a.Double("offValue");
            switch (spec.DType)
            {
                case DType.Float32: IndexGather.OneHot(idx, outer, depth, inner, (float)on, (float)off, result.Span<float>()); break;
                case DType.Float64: IndexGather.OneHot(idx, outer, depth, inner, on, off, result.Span<double>()); break;
                case DType.Int32: IndexGather.OneHot(idx, outer, depth, inner, (int)on, (int)off, result.Span<int>()); break;
                case DType.Int64: IndexGather.OneHot(idx, outer, depth, inner, (long)on, (long)off, result.Span<long>()); break;
                case DType.Bool: IndexGather.OneHot(idx, outer, depth, inner, on != 0, off != 0, result.Span<bool>()); break;
            }
            return [result];
        })
    {
        Onnx = OnnxOneHot,
    };
}
