namespace Eager.Onnx.Import;

/// <summary>Shape, slicing and reduction operators.</summary>
internal static partial class OnnxOps
{
    private static int[] ToInts(long[] v) => v.Select(x => (int)Math.Clamp(x, int.MinValue, int.MaxValue)).ToArray();

    private static long[]? AxesOf(ImportContext c, int inputIndex, int fromOpset) =>
        c.Opset >= fromOpset ? (c.Opt(inputIndex) is null ? null : c.ConstInts(inputIndex)) : c.Ints("axes");

    private static void AddShapeOps2(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["Transpose"] = c => [Ops.Transpose(c.In(0), c.Ints("perm") is { } p ? ToInts(p) : null)];
        h["Squeeze"] = c => [Ops.Squeeze(c.In(0), AxesOf(c, 1, 13) is { } a ? ToInts(a) : null)];
        h["Unsqueeze"] = c =>
        {
            var x = c.In(0);
            var axes = AxesOf(c, 1, 13) ?? throw c.Unsupported("Unsqueeze without axes");
            int outRank = x.Rank + axes.Length;
            foreach (var ax in axes.Select(a => (int)(a < 0 ? a + outRank : a)).Order()) x = Ops.ExpandDims(x, ax);
            return [x];
        };
        h["Concat"] = c => [Ops.Concat(c.Inputs.Where(t => t is not null).Select(t => t!), (int)c.Int("axis", 0))];
        h["Split"] = c =>
        {
            var x = c.In(0);
            int axis = (int)c.Int("axis", 0);
            var sizes = c.Opset >= 13 ? (c.Opt(1) is null ? null : c.ConstInts(1)) : c.Ints("split");
            return sizes is null ? Ops.Split(x, c.Node.Output.Count, axis) : Ops.Split(x, ToInts(sizes), axis);
        };
        h["Flatten"] = c =>
        {
            var x = c.In(0);
            int axis = (int)c.Int("axis", 1);
            if (axis < 0) axis += x.Rank;
            int outer = 1, inner = 1;
            for (int i = 0; i < x.Rank; i++)
            {
                int d = x.Shape[i];
                if (i < axis) outer = d < 0 || outer < 0 ? -1 : outer * d;
                else inner = d < 0 || inner < 0 ? -1 : inner * d;
            }
            if (outer < 0 && inner < 0) throw c.Unsupported("Flatten with unknown dims on both sides of the axis");
            return [Ops.Reshape(x, outer, inner)];
        };
        h["Slice"] = c => [SliceOnnx(c)];
        h["Range"] = c => [Ops.Range(c.In(0), c.In(1), c.In(2))];
        h["Tile"] = c => [Ops.Tile(c.In(0), ToInts(c.ConstInts(1)))];
        h["Expand"] = c =>
        {
            var x = c.In(0);
            var target = ToInts(c.ConstInts(1));
            int r = Math.Max(x.Rank, target.Length);
            var dims = new int[r];
            for (int i = 0; i < r; i++)
            {
                int a = i < r - x.Rank ? 1 : x.Shape[i - (r - x.Rank)];
                int b = i < r - target.Length ? 1 : target[i - (r - target.Length)];
                dims[i] = a == 1 ? b : a;
            }
            return [Ops.BroadcastTo(x, new Shape(dims))];
        };
        h["ConstantOfShape"] = c =>
        {
            var value = c.TensorAttr("value") ?? Tensor.Zeros(new Shape(1));
            if (!c.IsKnown(0)) return [Ops.Fill(c.In(0), Ops.Reshape(value, []))];
            var dims = ToInts(c.ConstInts(0));
            return [Ops.Fill(new Shape(dims), Ops.Reshape(value, []))];
        };
        h["Shape"] = c =>
        {
            var x = c.In(0);
            var dims = x.Shape.Select(d => (long)d).ToArray();
            int start = (int)c.Int("start", 0), end = (int)c.Int("end", dims.Length);
            if (start < 0) start += dims.Length;
            if (end < 0) end += dims.Length;
            start = Math.Clamp(start, 0, dims.Length); end = Math.Clamp(end, start, dims.Length);
            if (x.Shape.IsFullyDefined || dims[start..end].All(d => d >= 0)) return [Tensor.From(dims[start..end])];
            // Dimensions unknown until the graph runs: the shape is computed then (its known entries are tracked by KnownValues).
            var shape = Ops.ShapeOf(x, DType.Int64);
            return [start == 0 && end == dims.Length ? shape : Ops.Slice(shape, [start], [end - start])];
        };
        AddReduce(h, "ReduceSum", (x, a, k) => Ops.ReduceSum(x, a, k), 13);
        AddReduce(h, "ReduceMean", (x, a, k) => Ops.ReduceMean(x, a, k), 18);
        AddReduce(h, "ReduceMax", (x, a, k) => Ops.ReduceMax(x, a, k), 18);
        AddReduce(h, "ReduceMin", (x, a, k) => Ops.ReduceMin(x, a, k), 18);
        AddReduce(h, "ReduceProd", (x, a, k) => Ops.ReduceProd(x, a, k), 18);
        h["ArgMax"] = c => [ArgReduce(c, Ops.ArgMax)];
        h["ArgMin"] = c => [ArgReduce(c, Ops.ArgMin)];
    }

    private static void AddReduce(Dictionary<string, Func<ImportContext, Tensor[]>> h, string name, Func<Tensor, int[]?, bool, Tensor> reduce, int axesInputFrom)
    {
        h[name] = c =>
        {
            var x = c.In(0);
            bool keep = c.Int("keepdims", 1) != 0;
            var axes = AxesOf(c, 1, axesInputFrom);
            if (axes is { Length: 0 }) axes = null;
            if (axes is null && c.Int("noop_with_empty_axes", 0) != 0) return [x];
            return [reduce(x, axes is null ? null : ToInts(axes), keep)];
        };
    }

    private static Tensor ArgReduce(ImportContext c, Func<Tensor, int, DType, Tensor> arg)
    {
        var x = c.In(0);
        int axis = (int)c.Int("axis", 0);
        if (axis < 0) axis += x.Rank;
        Tensor r;
        if (c.Int("select_last_index", 0) != 0)
        {
            // The last of equal extremes is the first one of the reversed axis, counted from the end.
            int dim = x.Shape[axis];
            if (dim < 0) throw c.Unsupported("select_last_index=1 along a dimension unknown at import time");
            var begin = new int[x.Rank]; var end = new int[x.Rank]; var strides = Enumerable.Repeat(1, x.Rank).ToArray();
            begin[axis] = dim - 1; strides[axis] = -1;
            int all = (1 << x.Rank) - 1;
            var reversed = Ops.StridedSlice(x, begin, end, strides, beginMask: all & ~(1 << axis), endMask: all);
            r = Tensor.Scalar((long)(dim - 1)) - arg(reversed, axis, DType.Int64);
        }
        else r = arg(x, axis, DType.Int64);
        return c.Int("keepdims", 1) != 0 ? Ops.ExpandDims(r, axis < 0 ? axis + x.Rank : axis) : r;
    }

    /// <summary>ONNX Slice (clamped starts/ends, optional axes and steps) as a StridedSlice.</summary>
    private static Tensor SliceOnnx(ImportContext c)
    {
        var x = c.In(0);
        long[] starts, ends; long[]? axes, steps;
        if (c.Opset >= 10)
        {
            starts = c.ConstInts(1); ends = c.ConstInts(2);
            axes = c.Opt(3) is null ? null : c.ConstInts(3);
            steps = c.Opt(4) is null ? null : c.ConstInts(4);
        }
        else
        {
            starts = c.Ints("starts") ?? []; ends = c.Ints("ends") ?? []; axes = c.Ints("axes"); steps = null;
        }
        int r = x.Rank;
        var begin = new int[r]; var end = new int[r]; var stride = Enumerable.Repeat(1, r).ToArray();
        int beginMask = 0, endMask = 0;
        for (int i = 0; i < r; i++) { beginMask |= 1 << i; endMask |= 1 << i; }
        for (int i = 0; i < starts.Length; i++)
        {
            int ax = axes is null ? i : (int)(axes[i] < 0 ? axes[i] + r : axes[i]);
            long dim = x.Shape[ax];
            if (dim < 0) throw c.Unsupported("Slice along a dimension unknown at import time");
            long step = steps is null ? 1 : steps[i];
            if (step == 0) throw new ArgumentException($"ONNX Slice node '{c.Node.Name}': step 0.");
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (step > 0) { s = Math.Clamp(s, 0, dim); e = Math.Clamp(e, 0, dim); }
            else { s = Math.Clamp(s, -1, dim - 1); e = Math.Clamp(e, -1, dim - 1); }
            stride[ax] = (int)step;
            begin[ax] = (int)s; beginMask &= ~(1 << ax);
            if (step < 0 && e < 0) { end[ax] = 0; } // through the first element: keep the end mask
            else { end[ax] = (int)e; endMask &= ~(1 << ax); }
            if (step < 0 && s < 0) return EmptyAlong(x, ax);
        }
        return Ops.StridedSlice(x, begin, end, stride, beginMask: beginMask, endMask: endMask);
    }

    private static Tensor EmptyAlong(Tensor x, int axis)
    {
        var dims = x.Shape.ToArray();
        dims[axis] = 0;
        return Tensor.Zeros(new Shape(dims), x.DType);
    }
}
