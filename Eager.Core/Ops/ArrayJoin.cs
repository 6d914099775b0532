using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Joining and splitting along an axis: concat, stack, split, unstack.</summary>
public static partial class Ops
{
    /// <summary>Joins tensors along an existing axis. All must share dtype, rank and every other dimension.</summary>
    /// <exception cref="ArgumentException">No tensors, scalars, or mismatched shapes/dtypes (the message names them).</exception>
    public static Tensor Concat(IEnumerable<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return Dispatcher.Apply1(ConcatDef, new Attrs { { "axis", axis } }, [.. tensors]);
    }

    /// <summary>Stacks tensors of one shape along a new axis (rank grows by one).</summary>
    /// <exception cref="ArgumentException">No tensors, or shapes/dtypes differ.</exception>
    public static Tensor Stack(IEnumerable<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return Dispatcher.Apply1(StackDef, new Attrs { { "axis", axis } }, [.. tensors]);
    }

    /// <summary>Splits x along <paramref name="axis"/> into x.Shape[axis] tensors of one rank less (views).</summary>
    public static Tensor[] Unstack(Tensor x, int axis = 0) => Dispatcher.Apply(UnstackDef, [x], new Attrs { { "axis", axis } });

    /// <summary>Splits x along <paramref name="axis"/> into <paramref name="numSplits"/> equal parts (views).</summary>
    /// <exception cref="ArgumentException">The axis size is not divisible by numSplits.</exception>
    public static Tensor[] Split(Tensor x, int numSplits, int axis = 0)
    {
        if (numSplits <= 0) throw new ArgumentException($"Split: numSplits must be positive, got {numSplits} (shape {x.Shape}).", nameof(numSplits));
        return Dispatcher.Apply(SplitDef, [x], new Attrs { { "axis", axis }, { "num", numSplits }, { "sizes", Array.Empty<int>() } });
    }

    /// <summary>Splits x along <paramref name="axis"/> into parts of the given sizes (one may be -1: the rest).</summary>
    /// <exception cref="ArgumentException">The sizes do not add up to the axis size.</exception>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return Dispatcher.Apply(SplitDef, [x], new Attrs { { "axis", axis }, { "num", 0 }, { "sizes", (int[])sizes.Clone() } });
    }
}

internal static partial class ArrayOps
{
    private static string ShapesText(Tensor[] x) => string.Join(", ", x.Select(t => t.DType.Name() + t.Shape));

    private static TensorSpec[] ConcatInfer(Tensor[] x, Attrs a)
    {
        if (x.Length == 0) throw new ArgumentException("Concat: needs at least one tensor.");
        var first = x[0];
        if (first.Rank == 0) throw new ArgumentException($"Concat: scalars cannot be concatenated (inputs {ShapesText(x)}); use Ops.Stack.");
        int axis = first.Shape.NormalizeAxis(a.Int("axis"), ConcatName);
        var dims = first.Shape.ToArray();
        for (int i = 1; i < x.Length; i++)
        {
            var t = x[i];
            if (t.DType != first.DType)
                throw new ArgumentException($"Concat: input {i} is {t.DType.Name()}, input 0 is {first.DType.Name()} (inputs {ShapesText(x)}); all dtypes must match.");
            if (t.Rank != first.Rank)
                throw new ArgumentException($"Concat: input {i} has shape {t.Shape} but input 0 has shape {first.Shape}; ranks must match (inputs {ShapesText(x)}).");
            for (int d = 0; d < dims.Length; d++)
            {
                int v = t.Shape[d];
                if (d == axis) { dims[d] = dims[d] < 0 || v < 0 ? -1 : dims[d] + v; continue; }
                if (dims[d] >= 0 && v >= 0 && dims[d] != v)
                    throw new ArgumentException($"Concat: input {i} has shape {t.Shape} but input 0 has shape {first.Shape}; all dimensions except axis {axis} must match (dimension {d} is {v} vs {dims[d]}).");
                if (dims[d] < 0) dims[d] = v;
            }
        }
        return [new TensorSpec(Shape.Wrap(dims), first.DType)];
    }

    internal const string ConcatName = "Concat";
    internal static readonly OpDef ConcatDef = new(ConcatName,
        ConcatInfer,
        (x, a) =>
        {
            if (x.Length == 1) return [x[0].View(x[0].Shape, x[0].StridesArray, x[0].Offset)];
            var shape = ConcatInfer(x, a)[0].Shape;
            int axis = shape.NormalizeAxis(a.Int("axis"), ConcatName);
            var result = Tensor.Empty(shape, x[0].DType);
            var st = shape.ContiguousStrides();
            int at = 0;
            foreach (var t in x)
            {
                ArrayLayout.CopyInto(t, result.View(t.Shape, st, at * st[axis]));
                at += t.Shape[axis];
            }
            return [result];
        })
    {
        Relayout = Relayouts.Axis,
        Gradient = c =>
        {
            if (c.Inputs.Length == 1) return [c.Grad];
            // With a rank unknown the axis is resolved at run time, by SplitLike.
            if (c.Inputs.Any(t => t.Shape.IsUnknownRank)) return SplitLike(c.Grad, c.Inputs, c.Attrs.Int("axis"));
            int axis = c.X(0).Shape.NormalizeAxis(c.Attrs.Int("axis"), ConcatName);
            var sizes = c.Inputs.Select(t => t.Shape[axis]).ToArray();
            // Split needs the sizes (one may be -1); with more unknown, split by the inputs' run-time sizes.
            if (sizes.Count(s => s < 0) > 1) return SplitLike(c.Grad, c.Inputs, axis);
            return Split(c.Grad, sizes, axis);
        },
        Onnx = e => e.Add("Concat", Enumerable.Range(0, e.Node.Inputs.Length).Select(e.Input).ToArray(), [e.Output(0)], ("axis", e.Node.Outputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), ConcatName))),
    };

    private static TensorSpec[] SplitLikeInfer(Tensor[] x, Attrs a)
    {
        var g = x[0];
        if (x.Length < 2) throw new ArgumentException("SplitLike: needs the tensor to split and at least one tensor giving a size.");
        int axis = g.Shape.NormalizeAxis(a.Int("axis"), SplitLikeName);
        int total = 0;
        var specs = new TensorSpec[x.Length - 1];
        for (int i = 1; i < x.Length; i++)
        {
            var like = x[i];
            if (like.Rank != g.Rank)
                throw new ArgumentException($"SplitLike: size source {i - 1} has shape {like.Shape}, the split tensor {g.Shape}; ranks must match.");
            int n = like.Shape[axis];
            total = total < 0 || n < 0 ? -1 : total + n;
            var d = g.Shape.ToArray(); d[axis] = n;
            specs[i - 1] = new TensorSpec(Shape.Wrap(d), g.DType);
        }
        if (total >= 0 && g.Shape[axis] >= 0 && total != g.Shape[axis])
            throw new ArgumentException($"SplitLike: the sizes along axis {axis} add up to {total}, but the split tensor {g.Shape} has {g.Shape[axis]} ({ShapesText(x)}).");
        return specs;
    }

    internal const string SplitLikeName = "SplitLike";
    internal static readonly OpDef SplitLikeDef = new(SplitLikeName,
        SplitLikeInfer,
        (x, a) =>
        {
            SplitLikeInfer(x, a);
            var g = x[0];
            int axis = g.Shape.NormalizeAxis(a.Int("axis"), SplitLikeName);
            var result = new Tensor[x.Length - 1];
            int at = 0;
            for (int i = 1; i < x.Length; i++)
            {
                int n = x[i].Shape[axis];
                var d = g.Shape.ToArray(); d[axis] = n;
                result[i - 1] = g.View(Shape.Wrap(d), g.StridesArray, g.Offset + (n == 0 ? 0 : at * g.Strides[axis]));
                at += n;
            }
            return result;
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [Concat(Enumerable.Range(0, c.Outputs.Length).Select(c.GradOf), c.Attrs.Int("axis")), .. new Tensor?[c.Outputs.Length]],
    };

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into parts as long as each of
    /// <paramref name="likes"/> is along that axis (sizes read at run time): the gradient of Concat in graphs
    /// where several inputs have unknown sizes.</summary>
    internal static Tensor[] SplitLike(Tensor x, Tensor[] likes, int axis) =>
        Dispatcher.Apply(SplitLikeDef, [x, .. likes], new Attrs { { "axis", axis } });

    private static TensorSpec[] StackInfer(Tensor[] x, Attrs a)
    {
        if (x.Length == 0) throw new ArgumentException("Stack: needs at least one tensor.");
        var dims = x[0].Shape.ToArray();
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i].DType != x[0].DType || !x[i].Shape.IsCompatibleWith(x[0].Shape))
                throw new ArgumentException($"Stack: input {i} is {x[i].DType.Name()}{x[i].Shape} but input 0 is {x[0].DType.Name()}{x[0].Shape}; all inputs must have the same shape and dtype (inputs {ShapesText(x)}).");
            for (int d = 0; d < dims.Length; d++) if (dims[d] < 0) dims[d] = x[i].Shape[d];
        }
        int axis = StackAxis(StackName, x[0].Shape, a.Int("axis"));
        var list = dims.ToList();
        list.Insert(axis, x.Length);
        return [new TensorSpec(Shape.Wrap([.. list]), x[0].DType)];
    }

    /// <summary>Axis for inserting a new dimension into <paramref name="s"/>: -rank-1 .. rank.</summary>
    private static int StackAxis(string op, Shape s, int axis)
    {
        int r = s.Rank, ax = axis < 0 ? axis + r + 1 : axis;
        if (ax < 0 || ax > r) throw new ArgumentException($"{op}: axis {axis} is out of range for inputs of shape {s} (valid: {-r - 1} to {r}).");
        return ax;
    }

    internal const string StackName = "Stack";
    internal static readonly OpDef StackDef = new(StackName,
        StackInfer,
        (x, a) =>
        {
            var shape = StackInfer(x, a)[0].Shape;
            int axis = StackAxis(StackName, x[0].Shape, a.Int("axis"));
            var result = Tensor.Empty(shape, x[0].DType);
            var st = shape.ContiguousStrides().ToList();
            int step = st[axis];
            st.RemoveAt(axis);
            for (int i = 0; i < x.Length; i++) ArrayLayout.CopyInto(x[i], result.View(x[i].Shape, [.. st], i * step));
            return [result];
        })
    {
        Gradient = c => Unstack(c.Grad, c.Attrs.Int("axis")),
        Onnx = OnnxStack,
    };

    private static TensorSpec[] UnstackInfer(Tensor[] x, Attrs a)
    {
        var s = x[0].Shape;
        if (s.Rank == 0) throw new ArgumentException("Unstack: a scalar cannot be unstacked.");
        int axis = s.NormalizeAxis(a.Int("axis"), UnstackName);
        if (s[axis] < 0) throw new ArgumentException($"Unstack: axis {axis} of shape {s} is unknown; the number of outputs must be known.");
        var rest = Shape.Wrap(s.Where((_, i) => i != axis).ToArray());
        return Enumerable.Repeat(new TensorSpec(rest, x[0].DType), s[axis]).ToArray();
    }

    internal const string UnstackName = "Unstack";
    internal static readonly OpDef UnstackDef = new(UnstackName,
        UnstackInfer,
        (x, a) =>
        {
            var t = x[0];
            int axis = t.Shape.NormalizeAxis(a.Int("axis"), UnstackName);
            var rest = Shape.Wrap(t.Shape.Where((_, i) => i != axis).ToArray());
            var st = t.Strides.ToArray().Where((_, i) => i != axis).ToArray();
            return Enumerable.Range(0, t.Shape[axis]).Select(i => t.View(rest, st, t.Offset + i * t.Strides[axis])).ToArray();
        })
    {
        Gradient = c => [Stack(Enumerable.Range(0, c.Outputs.Length).Select(c.GradOf), c.Attrs.Int("axis"))],
        Onnx = OnnxUnstack,
    };

    /// <summary>Split sizes for a dim of <paramref name="dim"/> (-1 unknown): num equal parts, or sizes with one -1.</summary>
    private static int[] SplitSizes(Shape s, int axis, int num, int[] sizes)
    {
        int dim = s[axis];
        if (num > 0)
        {
            if (dim >= 0 && dim % num != 0)
                throw new ArgumentException($"Split: axis {axis} of shape {s} has size {dim}, which does not divide into {num} equal parts.");
            return Enumerable.Repeat(dim < 0 ? -1 : dim / num, num).ToArray();
        }
        if (sizes.Length == 0) throw new ArgumentException($"Split: no sizes given for shape {s}.");
        var r = (int[])sizes.Clone();
        int unknownAt = -1, known = 0;
        for (int i = 0; i < r.Length; i++)
        {
            if (r[i] == -1 && unknownAt < 0) { unknownAt = i; continue; }
            if (r[i] < 0) throw new ArgumentException($"Split: sizes {ArrayText.Of(sizes)} may hold one -1 and otherwise non-negative sizes (shape {s}).");
            known += r[i];
        }
        if (dim < 0) return r;
        if (unknownAt >= 0)
        {
            if (known > dim) throw new ArgumentException($"Split: sizes {ArrayText.Of(sizes)} add up to more than axis {axis} of shape {s} ({dim}).");
            r[unknownAt] = dim - known;
        }
        else if (known != dim)
            throw new ArgumentException($"Split: sizes {ArrayText.Of(sizes)} add up to {known}, but axis {axis} of shape {s} has size {dim}.");
        return r;
    }

    private static TensorSpec[] SplitInfer(Tensor[] x, Attrs a)
    {
        var s = x[0].Shape;
        if (s.Rank == 0) throw new ArgumentException("Split: a scalar cannot be split.");
        int axis = s.NormalizeAxis(a.Int("axis"), SplitName);
        return SplitSizes(s, axis, a.Int("num"), a.Ints("sizes")).Select(n =>
        {
            var d = s.ToArray(); d[axis] = n;
            return new TensorSpec(Shape.Wrap(d), x[0].DType);
        }).ToArray();
    }

    internal const string SplitName = "Split";
    internal static readonly OpDef SplitDef = new(SplitName,
        SplitInfer,
        (x, a) =>
        {
            var t = x[0];
            int axis = t.Shape.NormalizeAxis(a.Int("axis"), SplitName);
            var sizes = SplitSizes(t.Shape, axis, a.Int("num"), a.Ints("sizes"));
            var result = new Tensor[sizes.Length];
            int at = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                var d = t.Shape.ToArray(); d[axis] = sizes[i];
                result[i] = t.View(Shape.Wrap(d), t.StridesArray, t.Offset + (sizes[i] == 0 ? 0 : at * t.Strides[axis]));
                at += sizes[i];
            }
            return result;
        })
    {
        Relayout = Relayouts.Axis,
        Gradient = c => [Concat(Enumerable.Range(0, c.Outputs.Length).Select(c.GradOf), c.Attrs.Int("axis"))],
        Onnx = OnnxSplit,
    };

    private static void OnnxSplit(IOnnxEmitter e)
    {
        int axis = e.Node.Inputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), SplitName);
        var sizes = e.Node.Outputs.Select(o => o.Shape[axis]).ToArray();
        if (sizes.Any(s => s < 0)) throw new NotSupportedException("ONNX export: Split along an unknown dimension.");
        e.Add("Split", [e.Input(0), OnnxMap.Ints(e, "split", sizes)], Enumerable.Range(0, e.Node.Outputs.Length).Select(e.Output).ToArray(), ("axis", axis));
    }

    private static void OnnxStack(IOnnxEmitter e)
    {
        int axis = e.Node.Outputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), StackName);
        var parts = Enumerable.Range(0, e.Node.Inputs.Length).Select(i =>
        {
            var t = e.Temp($"unsqueezed{i}");
            e.Add("Unsqueeze", [e.Input(i), OnnxMap.Ints(e, "axes", axis)], [t]);
            return t;
        }).ToArray();
        e.Add("Concat", parts, [e.Output(0)], ("axis", axis));
    }

    private static void OnnxUnstack(IOnnxEmitter e)
    {
        int axis = e.Node.Inputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), UnstackName);
        int n = e.Node.Outputs.Length;
        var parts = Enumerable.Range(0, n).Select(i => e.Temp($"part{i}")).ToArray();
        e.Add("Split", [e.Input(0), OnnxMap.Ints(e, "split", Enumerable.Repeat(1, n).ToArray())], parts, ("axis", axis));
        for (int i = 0; i < n; i++) e.Add("Squeeze", [parts[i], OnnxMap.Ints(e, "axes", axis)], [e.Output(i)]);
    }
}
