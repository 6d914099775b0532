using Eager.Kernels.Reduce;
using static Eager.Ops;
using static Eager.ReductionOps;

namespace Eager;

/// <summary>Max, min and arg-max/arg-min reductions, and the helpers behind the gradients of max, min and product.</summary>
public static partial class Ops
{
    /// <summary>Largest element over <paramref name="axes"/> (all when null); NaN propagates; an empty max is -inf.
    /// The gradient goes to the maximal elements, split equally among ties (as in TensorFlow).</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated, or x is bool.</exception>
    public static Tensor ReduceMax(Tensor x, int[]? axes = null, bool keepDims = false) => ReductionOps.Reduction(ReduceMaxDef, x, axes, keepDims);

    /// <summary>Largest element over one axis.</summary>
    public static Tensor ReduceMax(Tensor x, int axis, bool keepDims = false) => ReduceMax(x, [axis], keepDims);

    /// <summary>Smallest element over <paramref name="axes"/> (all when null); an empty min is +inf.</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated, or x is bool.</exception>
    public static Tensor ReduceMin(Tensor x, int[]? axes = null, bool keepDims = false) => ReductionOps.Reduction(ReduceMinDef, x, axes, keepDims);

    /// <summary>Smallest element over one axis.</summary>
    public static Tensor ReduceMin(Tensor x, int axis, bool keepDims = false) => ReduceMin(x, [axis], keepDims);

    /// <summary>Index of the largest element along <paramref name="axis"/> (the axis is removed); the first one on
    /// ties. Int64 by default, as in TensorFlow. Has no gradient.</summary>
    /// <exception cref="ArgumentException">The axis is out of range or empty, x is bool, or outputType is not an integer type.</exception>
    public static Tensor ArgMax(Tensor x, int axis = 0, DType outputType = DType.Int64) =>
        Dispatcher.Apply1(ArgMaxDef, new Attrs { { "axis", axis }, { "outputType", outputType } }, x);

    /// <summary>Index of the smallest element along <paramref name="axis"/>; the first one on ties. Has no gradient.</summary>
    /// <exception cref="ArgumentException">The axis is out of range or empty, x is bool, or outputType is not an integer type.</exception>
    public static Tensor ArgMin(Tensor x, int axis = 0, DType outputType = DType.Int64) =>
        Dispatcher.Apply1(ArgMinDef, new Attrs { { "axis", axis }, { "outputType", outputType } }, x);
}

internal static partial class ReductionOps
{
    internal const string ReduceMaxName = "ReduceMax";
    internal static readonly OpDef ReduceMaxDef = new(ReduceMaxName,
        (x, a) => ReduceInfer(ReduceMaxName, x, a),
        (x, a) => [ReduceWith<MaxOp<float>, MaxOp<double>, MaxOp<int>, MaxOp<long>>(x[0], a.Ints("axes"), a.Bool("keepDims"))])
    {
        Relayout = Relayouts.KeptReduction,
        Gradient = c => [Multiply(ReduceGradBroadcast(c.Grad, c.X(0), c.Attrs), SelectedShare(c))],
        Onnx = e => OnnxReduce(e, ReduceMaxName),
    };

    internal const string ReduceMinName = "ReduceMin";
    internal static readonly OpDef ReduceMinDef = new(ReduceMinName,
        (x, a) => ReduceInfer(ReduceMinName, x, a),
        (x, a) => [ReduceWith<MinOp<float>, MinOp<double>, MinOp<int>, MinOp<long>>(x[0], a.Ints("axes"), a.Bool("keepDims"))])
    {
        Relayout = Relayouts.KeptReduction,
        Gradient = c => [Multiply(ReduceGradBroadcast(c.Grad, c.X(0), c.Attrs), SelectedShare(c))],
        Onnx = e => OnnxReduce(e, ReduceMinName),
    };

    private static Tensor SelectedShare(GradContext c) => Dispatcher.Apply1(SelectedShareDef, c.Attrs, c.X(0), c.Y);

    /// <summary>The <see cref="SelectedShareDef"/> op for y = max or min of x over <paramref name="axes"/> (keepDims false).</summary>
    internal static Tensor SelectedShare(Tensor x, Tensor y, int[] axes) =>
        Dispatcher.Apply1(SelectedShareDef, new Attrs { { "axes", NormalizeAxes(SelectedShareName, x.Shape, axes) }, { "keepDims", false } }, x, y);

    internal const string SelectedShareName = "SelectedShare";
    /// <summary>
    /// (x == y) / (number of such elements in the reduced group), where y is x reduced by max or min over
    /// attrs axes: each element's share of the reduction's gradient. Piecewise constant, so it has no gradient.
    /// </summary>
    internal static readonly OpDef SelectedShareDef = new(SelectedShareName,
        (x, a) =>
        {
            var axes = NormalizeAxes(SelectedShareName, x[0].Shape, a.Ints("axes"));
            var reduced = ReducedShape(x[0].Shape, axes, a.Bool("keepDims"));
            // Pending axes: the inputs are stand-ins of one rank, and only the dtype is asked for.
            bool shapesKnown = !PendingAxes.IsPending(a);
            if ((shapesKnown && !reduced.IsCompatibleWith(x[1].Shape)) || x[0].DType != x[1].DType || !x[0].DType.IsNumeric)
                throw new ArgumentException($"SelectedShare: y is {x[1].DType.Name()}{x[1].Shape}; reducing {x[0].DType.Name()}{x[0].Shape} over {ArrayText.Of(axes)} gives {reduced}.");
            return [TensorSpec.Of(x[0])];
        },
        (x, a) =>
        {
            var (t, y) = (x[0], x[1]);
            var axes = a.Ints("axes");
            var yb = ArrayOps.BroadcastView(ArrayOps.ReshapeView(y, ReducedShape(t.Shape, axes, true)), t.Shape);
            var hits = Broadcasting.Run<EqualIndicatorOp<float>, EqualIndicatorOp<double>, EqualIndicatorOp<int>, EqualIndicatorOp<long>>(t, yb, t.Shape);
            var count = ReduceWith<SumOp<float>, SumOp<double>, SumOp<int>, SumOp<long>>(hits, axes, true);
            return [Broadcasting.Run<Kernels.Elementwise.DivideOp<float>, Kernels.Elementwise.DivideOp<double>, Kernels.Elementwise.DivideOp<int>, Kernels.Elementwise.DivideOp<long>>(hits, count, t.Shape)];
        })
    { NoOnnx = OnnxMap.BackwardOnly };

    private static TensorSpec[] ArgInfer(string op, Tensor[] x, Attrs a)
    {
        var s = x[0].Shape;
        if (x[0].DType == DType.Bool) throw new ArgumentException($"{op}: bool tensor {s} has no order; cast it first.");
        if (s.Rank == 0) throw new ArgumentException($"{op}: a scalar has no axis to search; pass a tensor of rank >= 1.");
        int axis = s.NormalizeAxis(a.Int("axis"), op);
        if (s[axis] == 0) throw new ArgumentException($"{op}: axis {axis} of shape {s} is empty; there is no element to pick.");
        var outType = a.Get<DType>("outputType");
        if (!outType.IsInteger) throw new ArgumentException($"{op}: outputType must be int32 or int64, got {outType.Name()}.");
        return [new TensorSpec(ReducedShape(s, [axis], false), outType)];
    }

    private static Tensor ArgCompute(string op, Tensor x, Attrs a, bool max)
    {
        var spec = ArgInfer(op, [x], a)[0];
        int axis = x.Shape.NormalizeAxis(a.Int("axis"), op);
        var result = Tensor.Empty(spec.Shape, DType.Int64);
        if (spec.Shape.Size > 0)
        {
            var (data, outer, reduce, inner) = ReducePlan.Of(x, [axis]);
            var dst = result.Span<long>();
            switch (x.DType)
            {
                case DType.Float32: ArgRun(data.Span<float>(), outer, reduce, inner, max, dst); break;
                case DType.Float64: ArgRun(data.Span<double>(), outer, reduce, inner, max, dst); break;
                case DType.Int32: ArgRun(data.Span<int>(), outer, reduce, inner, max, dst); break;
                case DType.Int64: ArgRun(data.Span<long>(), outer, reduce, inner, max, dst); break;
            }
            data.KeepAlive();
        }
        return spec.DType == DType.Int64 ? result : Tensor.FromDoubles(result.ToDoubleArray(), spec.Shape, spec.DType);
    }

    private static void ArgRun<T>(ReadOnlySpan<T> src, int outer, int reduce, int inner, bool max, Span<long> dst) where T : unmanaged, System.Numerics.INumber<T>
    {
        if (reduce == 1) dst.Slice(0, outer * inner).Clear();
        else if (inner == 1) ArgReduce.Rows(src, outer, reduce, max, dst);
        else ArgReduce.Columns(src, outer, reduce, inner, max, dst);
    }

    internal const string ArgMaxName = "ArgMax";
    internal static readonly OpDef ArgMaxDef = new(ArgMaxName, (x, a) => ArgInfer(ArgMaxName, x, a), (x, a) => [ArgCompute(ArgMaxName, x[0], a, true)])
    {
        Onnx = e => OnnxArg(e, ArgMaxName),
    };

    internal const string ArgMinName = "ArgMin";
    internal static readonly OpDef ArgMinDef = new(ArgMinName, (x, a) => ArgInfer(ArgMinName, x, a), (x, a) => [ArgCompute(ArgMinName, x[0], a, false)])
    {
        Onnx = e => OnnxArg(e, ArgMinName),
    };

    /// <summary>For each element of x, the product of the other elements in its group over <paramref name="axes"/>.</summary>
    internal static Tensor ProdOthers(Tensor x, int[] axes) => ProdOthers(x, new Attrs { { "axes", axes } });

    /// <summary>The same with the axes attributes of a reduction (<see cref="PendingAxes.AxesOnly"/>: pending ones included).</summary>
    internal static Tensor ProdOthers(Tensor x, Attrs axes) => Dispatcher.Apply1(ProdOthersDef, axes, x);

    internal const string ProdOthersName = "ProdOthers";
    internal static readonly OpDef ProdOthersDef = new(ProdOthersName,
        (x, a) =>
        {
            if (!x[0].DType.IsNumeric) throw new ArgumentException($"ProdOthers: bool tensor {x[0].Shape} has no product.");
            NormalizeAxes(ProdOthersName, x[0].Shape, a.Ints("axes"));
            return [TensorSpec.Of(x[0])];
        },
        (x, a) =>
        {
            var t = x[0];
            var axes = NormalizeAxes(ProdOthersName, t.Shape, a.Ints("axes"));
            var kept = Enumerable.Range(0, t.Rank).Where(i => Array.IndexOf(axes, i) < 0).ToArray();
            var perm = kept.Concat(axes).ToArray();
            var (data, rows, len) = ReduceLayout(t, axes);
            var others = Tensor.Empty(data.Shape, t.DType);
            if (data.Shape.Size > 0)
            {
                switch (t.DType)
                {
                    case DType.Float32: Kernels.Reduce.ProdOthers.Rows<float>(data.Span<float>(), rows, len, others.Span<float>()); break;
                    case DType.Float64: Kernels.Reduce.ProdOthers.Rows<double>(data.Span<double>(), rows, len, others.Span<double>()); break;
                    case DType.Int32: Kernels.Reduce.ProdOthers.Rows<int>(data.Span<int>(), rows, len, others.Span<int>()); break;
                    case DType.Int64: Kernels.Reduce.ProdOthers.Rows<long>(data.Span<long>(), rows, len, others.Span<long>()); break;
                }
            }
            data.KeepAlive();
            // Back from [kept..., reduced...] order to x's axis order.
            var result = Tensor.Empty(t.Shape, t.DType);
            ArrayLayout.CopyInto(others, ArrayLayout.Permute(result, perm));
            return [result];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = _ => throw new NotSupportedException("The second derivative of ReduceProd is not implemented; differentiate a product of fewer factors or use Exp(ReduceSum(Log(x))) for positive x."),
    };

    private static void OnnxArg(IOnnxEmitter e, string opType)
    {
        int axis = e.Node.Inputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), opType);
        bool int64 = e.Node.Outputs[0].DType == DType.Int64;
        var o = int64 ? e.Output(0) : e.Temp("arg64");
        e.Add(opType, [e.Input(0)], [o], ("axis", axis), ("keepdims", 0L));
        if (!int64) e.Add("Cast", [o], [e.Output(0)], ("to", (long)OnnxMap.ElemType(e.Node.Outputs[0].DType)));
    }
}
