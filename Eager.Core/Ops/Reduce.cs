using Eager.Kernels.Reduce;
using static Eager.Ops;
using static Eager.ReductionOps;

namespace Eager;

/// <summary>Reductions over any set of axes, with keepDims: sum, mean, product.</summary>
public static partial class Ops
{
    /// <summary>Sum over <paramref name="axes"/> (all when null); negative axes count from the end.</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated, or x is bool.</exception>
    public static Tensor ReduceSum(Tensor x, int[]? axes = null, bool keepDims = false) => ReductionOps.Reduction(ReduceSumDef, x, axes, keepDims);

    /// <summary>Sum over one axis.</summary>
    public static Tensor ReduceSum(Tensor x, int axis, bool keepDims = false) => ReduceSum(x, [axis], keepDims);

    /// <summary>Mean over <paramref name="axes"/> (all when null). Integer means truncate, as in TensorFlow.</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated, or x is bool.</exception>
    public static Tensor ReduceMean(Tensor x, int[]? axes = null, bool keepDims = false) => ReductionOps.Reduction(ReduceMeanDef, x, axes, keepDims);

    /// <summary>Mean over one axis.</summary>
    public static Tensor ReduceMean(Tensor x, int axis, bool keepDims = false) => ReduceMean(x, [axis], keepDims);

    /// <summary>Product over <paramref name="axes"/> (all when null); an empty product is 1.</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated, or x is bool.</exception>
    public static Tensor ReduceProd(Tensor x, int[]? axes = null, bool keepDims = false) => ReductionOps.Reduction(ReduceProdDef, x, axes, keepDims);

    /// <summary>Product over one axis.</summary>
    public static Tensor ReduceProd(Tensor x, int axis, bool keepDims = false) => ReduceProd(x, [axis], keepDims);
}

internal static partial class ReductionOps
{
    /// <summary>Normalised, sorted, distinct axes; null means all axes.</summary>
    internal static int[] NormalizeAxes(string op, Shape shape, int[]? axes)
    {
        if (shape.IsUnknownRank)
            throw new ArgumentException($"{op}: the input has unknown rank (a placeholder made without a shape), so its axes are unknown when the graph is built; give the placeholder a shape.");
        if (axes is null) return Enumerable.Range(0, shape.Rank).ToArray();
        var set = new SortedSet<int>();
        foreach (var ax in axes)
            if (!set.Add(shape.NormalizeAxis(ax, op))) throw new ArgumentException($"{op}: axis {ax} is repeated in ({string.Join(", ", axes)}) for shape {shape}.");
        return [.. set];
    }

    internal static Shape ReducedShape(Shape shape, int[] axes, bool keepDims)
    {
        var dims = new List<int>();
        for (int i = 0; i < shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(shape[i]);
            else if (keepDims) dims.Add(1);
        }
        return Shape.Wrap([.. dims]);
    }

    private static TensorSpec[] ReduceInfer(string op, Tensor[] x, Attrs a, bool numericOnly = true)
    {
        if (numericOnly && x[0].DType == DType.Bool) throw new ArgumentException($"{op}: bool tensor {x[0].Shape} cannot be reduced arithmetically; cast it first.");
        var axes = NormalizeAxes(op, x[0].Shape, a.Ints("axes"));
        return [new TensorSpec(ReducedShape(x[0].Shape, axes, a.Bool("keepDims")), x[0].DType)];
    }

    /// <summary>Gathers x so the reduced axes are innermost: returns (contiguous copy, rows, rowLength).</summary>
    internal static (Tensor Data, int Rows, int RowLength) ReduceLayout(Tensor x, int[] axes)
    {
        var kept = Enumerable.Range(0, x.Rank).Where(i => Array.IndexOf(axes, i) < 0).ToArray();
        var perm = kept.Concat(axes).ToArray();
        int rowLen = 1;
        foreach (var ax in axes) rowLen *= x.Shape[ax];
        int rows = rowLen == 0 ? ReducedShape(x.Shape, axes, false).Size : x.Shape.Size / rowLen;
        var data = ArrayLayout.Permute(x, perm).Contiguous();
        return (data, rows, rowLen);
    }

    /// <summary>Restores the reduced axes of a gradient as size-1 dims, then broadcasts to x's shape.</summary>
    internal static Tensor ReduceGradBroadcast(Tensor grad, Tensor x, Attrs a)
    {
        if (PendingAxes.IsPending(a))
        {
            // The reduced axes are known only at run time: a keepDims reduction of ones has the shape to restore.
            var axesOrAll = PendingAxes.Axes(a);
            var kept = a.Bool("keepDims") || axesOrAll is null ? grad : ReshapeLike(grad, ReduceSum(OnesLike(x), axesOrAll, keepDims: true));
            return BroadcastLike(kept, x);
        }
        var axes = NormalizeAxes("Reduce", x.Shape, a.Ints("axes"));
        var g = grad;
        if (!a.Bool("keepDims"))
        {
            // Kept dims may be unknown (-1) in a graph, so restore the reduced axes one at a time.
            foreach (var ax in axes) g = ExpandDims(g, ax);
        }
        return BroadcastLike(g, x);
    }

    /// <summary>Runs a reduction kernel (one operator struct per dtype) into a new tensor; empty reductions give
    /// the operator's identity.</summary>
    internal static Tensor ReduceWith<TF, TD, TI, TL>(Tensor x, int[] axes, bool keepDims)
        where TF : IReduceOp<float> where TD : IReduceOp<double> where TI : IReduceOp<int> where TL : IReduceOp<long>
    {
        var result = Tensor.Empty(ReducedShape(x.Shape, axes, keepDims), x.DType);
        if (result.Shape.Size == 0) return result;
        var (data, outer, reduce, inner) = ReducePlan.Of(x, axes);
        switch (x.DType)
        {
            case DType.Float32: ReducePlan.Run<float, TF>(data.Span<float>(), outer, reduce, inner, result.Span<float>()); break;
            case DType.Float64: ReducePlan.Run<double, TD>(data.Span<double>(), outer, reduce, inner, result.Span<double>()); break;
            case DType.Int32: ReducePlan.Run<int, TI>(data.Span<int>(), outer, reduce, inner, result.Span<int>()); break;
            case DType.Int64: ReducePlan.Run<long, TL>(data.Span<long>(), outer, reduce, inner, result.Span<long>()); break;
            default: throw new ArgumentException($"Reduction of {x.DType.Name()} tensors is not supported.");
        }
        data.KeepAlive();
        return result;
    }

    /// <summary>An ONNX (opset 13) reduction: ReduceSum takes axes as an input, the others as an attribute. ONNX reads
    /// empty axes as "all axes", so a reduction over no axes is exported as Identity.</summary>
    private static void OnnxReduce(IOnnxEmitter e, string opType)
    {
        var axes = e.Node.Attrs.Ints("axes");
        long keep = e.Node.Attrs.Bool("keepDims") ? 1L : 0L;
        if (axes.Length == 0) e.Add("Identity", [e.Input(0)], [e.Output(0)]);
        else if (opType == ReduceSumName) e.Add(opType, [e.Input(0), OnnxMap.Ints(e, "axes", axes)], [e.Output(0)], ("keepdims", keep));
        else e.Add(opType, [e.Input(0)], [e.Output(0)], ("axes", axes), ("keepdims", keep));
    }

    /// <summary>Attrs and dispatch shared by the public reduction methods.</summary>
    internal static Tensor Reduction(OpDef op, Tensor x, int[]? axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.IsUnknownRank) return Dispatcher.Apply1(op, PendingAxes.Reduction(axes, keepDims), x);
        return Dispatcher.Apply1(op, new Attrs { { "axes", NormalizeAxes(op.Name, x.Shape, axes) }, { "keepDims", keepDims } }, x);
    }

    internal const string ReduceSumName = "ReduceSum";
    internal static readonly OpDef ReduceSumDef = new(ReduceSumName,
        (x, a) => ReduceInfer(ReduceSumName, x, a),
        (x, a) => [ReduceWith<SumOp<float>, SumOp<double>, SumOp<int>, SumOp<long>>(x[0], a.Ints("axes"), a.Bool("keepDims"))])
    {
        Relayout = Relayouts.KeptReduction,
        Gradient = c => [ReduceGradBroadcast(c.Grad, c.X(0), c.Attrs)],
        Onnx = e => OnnxReduce(e, ReduceSumName),
    };

    internal const string ReduceMeanName = "ReduceMean";
    internal static readonly OpDef ReduceMeanDef = new(ReduceMeanName,
        (x, a) => ReduceInfer(ReduceMeanName, x, a),
        (x, a) =>
        {
            var axes = a.Ints("axes");
            var r = ReduceWith<SumOp<float>, SumOp<double>, SumOp<int>, SumOp<long>>(x[0], axes, a.Bool("keepDims"));
            int count = 1;
            foreach (var ax in axes) count *= x[0].Shape[ax];
            switch (r.DType)
            {
                case DType.Float32: Kernels.Reduce.Reduction.DivideBy(r.Span<float>(), count); break;
                case DType.Float64: Kernels.Reduce.Reduction.DivideBy(r.Span<double>(), count); break;
                case DType.Int32: Kernels.Reduce.Reduction.DivideBy(r.Span<int>(), count); break;
                case DType.Int64: Kernels.Reduce.Reduction.DivideBy(r.Span<long>(), count); break;
            }
            return [r];
        })
    {
        Relayout = Relayouts.KeptReduction,
        Gradient = c =>
        {
            var x = c.X(0);
            var g = ReduceGradBroadcast(c.Grad, x, c.Attrs);
            if (PendingAxes.IsPending(c.Attrs)) return [Divide(g, ReduceSum(OnesLike(x), PendingAxes.Axes(c.Attrs), keepDims: true))];
            var axes = c.Attrs.Ints("axes");
            if (axes.All(ax => x.Shape[ax] >= 0))
                return [Divide(g, MathOps.ScalarLike(g, axes.Aggregate(1, (n, ax) => n * x.Shape[ax])))];
            // The count is known only at run time: sum ones over the reduced axes.
            return [Divide(g, ReduceSum(OnesLike(x), axes, keepDims: true))];
        },
        Onnx = e => OnnxReduce(e, ReduceMeanName),
    };

    internal const string ReduceProdName = "ReduceProd";
    internal static readonly OpDef ReduceProdDef = new(ReduceProdName,
        (x, a) => ReduceInfer(ReduceProdName, x, a),
        (x, a) => [ReduceWith<ProdOp<float>, ProdOp<double>, ProdOp<int>, ProdOp<long>>(x[0], a.Ints("axes"), a.Bool("keepDims"))])
    {
        Relayout = Relayouts.KeptReduction,
        // d prod / d x_i is the product of the other elements; computed directly so zeros are handled exactly.
        Gradient = c => [Multiply(ReduceGradBroadcast(c.Grad, c.X(0), c.Attrs), ProdOthers(c.X(0), PendingAxes.AxesOnly(c.Attrs)))],
        Onnx = e => OnnxReduce(e, ReduceProdName),
    };
}
