using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>
/// Shapes as tensors: the run-time shape of a tensor, reshape and fill to a shape held in a tensor, and ranges
/// with tensor bounds (TensorFlow's tf.shape, tf.reshape, tf.fill and tf.range with tensor arguments). Inside a
/// graph their outputs keep unknown dimensions at -1 unless the shape tensor is a constant; eagerly they are exact.
/// </summary>
public static partial class Ops
{
    /// <summary>x's shape as a 1-D tensor (tf.shape): known when the graph runs even where the static shape has -1.</summary>
    /// <param name="x">Any tensor.</param>
    /// <param name="dtype">Int32 (TensorFlow's default) or Int64 (ONNX's).</param>
    /// <exception cref="ArgumentException">dtype is not Int32 or Int64.</exception>
    public static Tensor ShapeOf(Tensor x, DType dtype = DType.Int32)
    {
        if (dtype is not (DType.Int32 or DType.Int64)) throw new ArgumentException($"ShapeOf: dtype must be int32 or int64, got {dtype.Name()}.");
        return Dispatcher.Apply1(ShapeOfDef, new Attrs { { "dtype", dtype } }, x);
    }

    /// <summary>
    /// Reshapes x to a shape held in a tensor (tf.reshape with a tensor shape), so the target can be computed when
    /// the graph runs (for example from <see cref="ShapeOf"/>). One entry may be -1. With
    /// <paramref name="copyZeros"/> a 0 entry keeps the input's dimension at that position (ONNX Reshape).
    /// <paramref name="knownDims"/> optionally states the output dimensions known while building a graph (-1 for
    /// unknown); a run whose shape contradicts them fails.
    /// </summary>
    /// <exception cref="ArgumentException">shape is not a 1-D int32/int64 tensor of known length, or its values do
    /// not fit x's size.</exception>
    public static Tensor Reshape(Tensor x, Tensor shape, bool copyZeros = false, int[]? knownDims = null)
    {
        var attrs = new Attrs { { "copyZeros", copyZeros } };
        if (knownDims is not null) attrs.Add("dims", (int[])knownDims.Clone());
        return Dispatcher.Apply1(ReshapeDynamicDef, attrs, x, shape);
    }

    /// <summary>A tensor of the shape held in <paramref name="shape"/> (1-D int32/int64), every element
    /// <paramref name="value"/> (a scalar): tf.fill, ONNX ConstantOfShape.</summary>
    /// <exception cref="ArgumentException">shape is not 1-D integer, value is not a scalar, or a dimension is negative.</exception>
    public static Tensor Fill(Tensor shape, Tensor value) => Dispatcher.Apply1(FillDynamicDef, Attrs.Empty, shape, value);

    /// <summary>start, start + delta, ... up to (not including) limit, from scalar tensors of one numeric dtype
    /// (tf.range, ONNX Range). The length is ceil((limit - start) / delta), and unknown in a graph unless all three are constants.</summary>
    /// <exception cref="ArgumentException">Non-scalars, mixed dtypes, bool, or delta 0.</exception>
    public static Tensor Range(Tensor start, Tensor limit, Tensor delta) => Dispatcher.Apply1(RangeDef, Attrs.Empty, start, limit, delta);
}

internal static partial class ArrayOps
{
    /// <summary>The value of <paramref name="t"/> when it is concrete, a graph constant, or the run-time shape of a
    /// tensor whose static shape is fully known; else null.</summary>
    internal static Tensor? ConstantValue(Tensor t)
    {
        if (!t.IsSymbolic) return t;
        if (t.Node is not { } n) return null;
        if (ReferenceEquals(n.Op, StateOps.ConstDef)) return n.Attrs.Get<Tensor>("value");
        if (ReferenceEquals(n.Op, ShapeOfDef) && n.Inputs[0].Shape.IsFullyDefined) return ShapeTensor(n.Inputs[0].Shape, n.Attrs.Get("dtype", DType.Int32));
        return null;
    }

    private static Tensor ShapeTensor(Shape shape, DType dtype) =>
        dtype == DType.Int64 ? Tensor.From(shape.Select(d => (long)d).ToArray()) : Tensor.From(shape.ToArray());

    private static long[] ShapeTensorValues(string op, Tensor shape)
    {
        if (shape.Rank != 1 || shape.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"{op}: the shape must be a 1-D int32 or int64 tensor, got {shape.DType.Name()}{shape.Shape}.");
        return shape.DType == DType.Int64 ? shape.ToArray<long>() : shape.ToArray<int>().Select(v => (long)v).ToArray();
    }

    private static void CheckShapeTensor(string op, Tensor shape)
    {
        if (shape.Rank != 1 || shape.DType is not (DType.Int32 or DType.Int64))
            throw new ArgumentException($"{op}: the shape must be a 1-D int32 or int64 tensor, got {shape.DType.Name()}{shape.Shape}.");
        if (shape.Shape[0] < 0)
            throw new ArgumentException($"{op}: the shape tensor's length (the output's rank) must be known, got {shape.Shape}.");
    }

    internal const string ShapeName = "Shape";
    internal static readonly OpDef ShapeOfDef = new(ShapeName,
        (x, a) => [new TensorSpec(new Shape(x[0].Rank), a.Get("dtype", DType.Int32))],
        (x, a) => [ShapeTensor(x[0].Shape, a.Get("dtype", DType.Int32))])
    {
        Onnx = e =>
        {
            if (e.Node.Outputs[0].DType == DType.Int64) { e.Add("Shape", [e.Input(0)], [e.Output(0)]); return; }
            var s = e.Temp("shape");
            e.Add("Shape", [e.Input(0)], [s]);
            e.Add("Cast", [s], [e.Output(0)], ("to", (long)OnnxMap.ElemType(DType.Int32)));
        },
    };

    /// <summary>Resolves a run-time reshape target: zeros copy the input's dimension when asked (ONNX), one -1 is inferred.</summary>
    private static Shape ResolveDynamicReshape(Tensor x, long[] target, bool copyZeros)
    {
        var dims = new int[target.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (target[i] == 0 && copyZeros)
            {
                if (i >= x.Rank) throw new ArgumentException($"Reshape: target shape ({string.Join(", ", target)}) copies dimension {i} (a 0) that the input {x.Shape} does not have.");
                dims[i] = x.Shape[i];
            }
            else dims[i] = checked((int)target[i]);
        }
        return ResolveReshape(ReshapeName, x.Shape, dims);
    }

    internal const string ReshapeDynamicName = "ReshapeDynamic";
    internal static readonly OpDef ReshapeDynamicDef = new(ReshapeDynamicName,
        (x, a) =>
        {
            CheckShapeTensor(ReshapeName, x[1]);
            bool copyZeros = a.Get("copyZeros", false);
            if (ConstantValue(x[1]) is { } c) return [new TensorSpec(ResolveDynamicReshape(x[0], ShapeTensorValues(ReshapeName, c), copyZeros), x[0].DType)];
            var hint = a.Get<int[]?>("dims", null);
            var dims = hint is not null && hint.Length == x[1].Shape[0] ? (int[])hint.Clone() : Enumerable.Repeat(-1, x[1].Shape[0]).ToArray();
            return [new TensorSpec(Shape.Wrap(dims), x[0].DType)];
        },
        (x, a) =>
        {
            var shape = ResolveDynamicReshape(x[0], ShapeTensorValues(ReshapeName, x[1]), a.Get("copyZeros", false));
            if (a.Get<int[]?>("dims", null) is { } hint && !new Shape(hint).IsCompatibleWith(shape))
                throw new ArgumentException($"Reshape: the run-time shape {shape} contradicts the dimensions known when the graph was built ({string.Join(", ", hint)}).");
            return [ReshapeView(x[0], shape)];
        })
    {
        Gradient = c => [ReshapeLike(c.Grad, c.X(0)), null],
        Onnx = e =>
        {
            var s = e.Input(1);
            if (e.Node.Inputs[1].DType != DType.Int64)
            {
                s = e.Temp("shape64");
                e.Add("Cast", [e.Input(1)], [s], ("to", (long)OnnxMap.ElemType(DType.Int64)));
            }
            if (e.Node.Attrs.Get("copyZeros", false) || e.Opset < 14) e.Add("Reshape", [e.Input(0), s], [e.Output(0)]);
            else e.Add("Reshape", [e.Input(0), s], [e.Output(0)], ("allowzero", 1L));
        },
    };

    internal const string FillDynamicName = "FillDynamic";
    internal static readonly OpDef FillDynamicDef = new(FillDynamicName,
        (x, _) =>
        {
            CheckShapeTensor(FillName, x[0]);
            if (x[1].Rank != 0) throw new ArgumentException($"Fill: the value must be a scalar, got {x[1].DType.Name()}{x[1].Shape}.");
            if (ConstantValue(x[0]) is { } c) return [new TensorSpec(Shape.Wrap(ShapeTensorValues(FillName, c).Select(v => checked((int)v)).ToArray()), x[1].DType)];
            return [new TensorSpec(Shape.Wrap(Enumerable.Repeat(-1, x[0].Shape[0]).ToArray()), x[1].DType)];
        },
        (x, _) =>
        {
            var dims = ShapeTensorValues(FillName, x[0]);
            if (dims.Any(d => d < 0)) throw new ArgumentException($"Fill: negative dimension in ({string.Join(", ", dims)}).");
            return [FillDef!.Compute([x[1]], new Attrs { { "shape", dims.Select(d => checked((int)d)).ToArray() } })[0]];
        })
    {
        Gradient = c => [null, ReduceSum(c.Grad)],
        Onnx = e =>
        {
            var s = e.Input(0);
            if (e.Node.Inputs[0].DType != DType.Int64)
            {
                s = e.Temp("shape64");
                e.Add("Cast", [e.Input(0)], [s], ("to", (long)OnnxMap.ElemType(DType.Int64)));
            }
            e.Add("Expand", [e.Input(1), s], [e.Output(0)]);
        },
    };

    private static int RangeLength(double start, double limit, double delta)
    {
        if (delta == 0) throw new ArgumentException($"Range: delta is 0 (start {start}, limit {limit}).");
        double n = Math.Max(0, Math.Ceiling((limit - start) / delta));
        if (!(n <= int.MaxValue))
            throw new ArgumentException($"Range: start {start}, limit {limit} and delta {delta} give {n} elements, more than a tensor can hold (2^31-1).");
        return (int)n;
    }

    private static T[] RangeValues<T>(int n, T start, T delta) where T : System.Numerics.INumber<T>
    {
        var values = new T[n];
        for (int i = 0; i < n; i++) values[i] = start + T.CreateTruncating(i) * delta;
        return values;
    }

    internal const string RangeName = "Range";
    internal static readonly OpDef RangeDef = new(RangeName,
        (x, _) =>
        {
            if (x.Any(t => t.Rank != 0) || x[1].DType != x[0].DType || x[2].DType != x[0].DType || x[0].DType == DType.Bool)
                throw new ArgumentException($"Range: start, limit and delta must be numeric scalars of one dtype, got {string.Join(", ", x.Select(t => t.DType.Name() + t.Shape))}.");
            if (x.Select(ConstantValue).ToArray() is [{ } s, { } l, { } d])
                return [new TensorSpec(new Shape(RangeLength(s.ToDoubleArray()[0], l.ToDoubleArray()[0], d.ToDoubleArray()[0])), x[0].DType)];
            return [new TensorSpec(new Shape(-1), x[0].DType)];
        },
        (x, _) =>
        {
            double s = x[0].ToDoubleArray()[0], l = x[1].ToDoubleArray()[0], d = x[2].ToDoubleArray()[0];
            int n = RangeLength(s, l, d);
            return [x[0].DType switch
            {
                DType.Int32 => Tensor.From(RangeValues(n, x[0].ToArray<int>()[0], x[2].ToArray<int>()[0])),
                DType.Int64 => Tensor.From(RangeValues(n, x[0].ToArray<long>()[0], x[2].ToArray<long>()[0])),
                DType.Float32 => Tensor.From(RangeValues(n, x[0].ToArray<float>()[0], x[2].ToArray<float>()[0])),
                _ => Tensor.From(RangeValues(n, s, d)),
            }];
        })
    {
        Onnx = OnnxMap.Same("Range"),
    };
}
