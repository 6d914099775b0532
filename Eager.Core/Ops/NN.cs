using System.Numerics;
using Eager.Kernels.Elementwise;
using Eager.Kernels.NN;
using Eager.Kernels.Softmax;
using static Eager.Ops;
using static Eager.NNOps;

namespace Eager;

/// <summary>Neural-network building blocks: bias addition, softmax and log-softmax, dropout and the L2 loss.</summary>
public static partial class Ops
{
    /// <summary>x + bias, the bias ([channels]) added along the last dimension of <paramref name="x"/> (NHWC's channels).</summary>
    /// <exception cref="ArgumentException">When the bias is not rank 1 with as many elements as x's last dimension, or dtypes differ.</exception>
    public static Tensor BiasAdd(Tensor x, Tensor bias) => Dispatcher.Apply1(BiasAddDef, Attrs.Empty, x, bias);

    /// <summary>exp(x) / sum(exp(x)) along <paramref name="axis"/> (default the last), computed stably.</summary>
    /// <exception cref="ArgumentException">A non-float dtype or an axis out of range.</exception>
    public static Tensor Softmax(Tensor x, int axis = -1) =>
        Dispatcher.Apply1(SoftmaxDef, x.Shape.IsUnknownRank ? PendingAxes.Axis(axis) : new Attrs { { "axis", x.Shape.NormalizeAxis(axis, SoftmaxName) } }, x);

    /// <summary>x - log(sum(exp(x))) along <paramref name="axis"/> (default the last), computed stably.</summary>
    /// <exception cref="ArgumentException">A non-float dtype or an axis out of range.</exception>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) =>
        Dispatcher.Apply1(LogSoftmaxDef, x.Shape.IsUnknownRank ? PendingAxes.Axis(axis) : new Attrs { { "axis", x.Shape.NormalizeAxis(axis, LogSoftmaxName) } }, x);

    /// <summary>
    /// Inverted dropout: while <paramref name="training"/>, each element is zeroed with probability <paramref name="rate"/>
    /// and the kept ones are scaled by 1 / (1 - rate); otherwise (or when rate is 0) x is returned unchanged. Eagerly the
    /// same <paramref name="seed"/> and shape give the same mask; without a seed every call draws a new one. In a graph
    /// the seeds follow <see cref="RandomSeeds"/>: each run draws a new mask, the same sequence in every session. The
    /// gradient uses the forward mask.
    /// </summary>
    /// <exception cref="ArgumentException">A rate outside [0, 1) or a non-float dtype.</exception>
    public static Tensor Dropout(Tensor x, double rate, int? seed = null, bool training = true)
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentException($"Dropout: rate must be in [0, 1), got {rate} (input {x.DType.Name()}{x.Shape}).", nameof(rate));
        if (!training || rate == 0) return x;
        var (s1, s2) = RandomSeeds(seed);
        var a = new Attrs { { "rate", rate }, { "seed", s1 }, { "seed2", s2 } };
        return Dispatcher.Apply(DropoutDef, [x], a)[0];
    }

    /// <summary>sum(x^2) / 2 as a scalar (TensorFlow's l2_loss).</summary>
    /// <exception cref="ArgumentException">A non-float dtype.</exception>
    public static Tensor L2Loss(Tensor x) => Dispatcher.Apply1(L2LossDef, Attrs.Empty, x);
}

internal static partial class NNOps
{
    internal const string BiasAddName = "BiasAdd";
    internal static readonly OpDef BiasAddDef = new(BiasAddName,
        (x, _) =>
        {
            Broadcasting.SameDType(BiasAddName, x[0], x[1]);
            if (!x[0].DType.IsNumeric) throw new ArgumentException($"BiasAdd: bool tensors have no arithmetic; got {x[0].Shape}.");
            if (x[0].Rank < 1 || x[1].Rank != 1)
                throw new ArgumentException($"BiasAdd: the input must have rank >= 1 and the bias rank 1, got input {x[0].Shape} and bias {x[1].Shape}.");
            if (Window.Differ(x[0].Shape[-1], x[1].Shape[0]))
                throw new ArgumentException($"BiasAdd: the bias has {x[1].Shape[0]} elements but the input's last dimension is {x[0].Shape[-1]} (input {x[0].Shape}, bias {x[1].Shape}).");
            return [TensorSpec.Of(x[0])];
        },
        (x, _) => [Broadcasting.Run<AddOp<float>, AddOp<double>, AddOp<int>, AddOp<long>>(x[0], x[1], x[0].Shape)])
    {
        Gradient = c => [c.Grad, c.Needs(1) ? ReduceSum(c.Grad, Enumerable.Range(0, c.X(0).Rank - 1).ToArray()) : null],
        Onnx = OnnxMap.Same("Add"),
    };

    private static TensorSpec[] SoftmaxInfer(string op, Tensor[] x, Attrs a)
    {
        Window.Floating(op, x[0], "input");
        x[0].Shape.NormalizeAxis(a.Int("axis"), op);
        return [TensorSpec.Of(x[0])];
    }

    /// <summary>Runs a softmax-family kernel along the normalised axis of a contiguous copy of x.</summary>
    private static Tensor SoftmaxRun(Tensor x, int axis, bool log)
    {
        var c = x.Contiguous();
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        for (int i = axis + 1; i < x.Rank; i++) inner *= x.Shape[i];
        int n = x.Rank == 0 ? 1 : x.Shape[axis];
        var r = Tensor.Empty(x.Shape, x.DType);
        if (x.DType == DType.Float32)
        {
            if (log) SoftmaxRows.LogSoftmax(c.Span<float>(), r.Span<float>(), outer, n, inner);
            else SoftmaxRows.Softmax(c.Span<float>(), r.Span<float>(), outer, n, inner);
        }
        else
        {
            if (log) SoftmaxRows.LogSoftmax(c.Span<double>(), r.Span<double>(), outer, n, inner);
            else SoftmaxRows.Softmax(c.Span<double>(), r.Span<double>(), outer, n, inner);
        }
        c.KeepAlive();
        return r;
    }

    internal const string SoftmaxName = "Softmax";
    internal static readonly OpDef SoftmaxDef = new(SoftmaxName,
        (x, a) => SoftmaxInfer(SoftmaxName, x, a),
        (x, a) => [SoftmaxRun(x[0], a.Int("axis"), log: false)])
    {
        Relayout = Relayouts.Axis,
        // dy/dx applied to g: y * (g - sum(g * y)) along the axis.
        Gradient = c => [Multiply(c.Y, Subtract(c.Grad, ReduceSum(Multiply(c.Grad, c.Y), c.Attrs.Int("axis"), keepDims: true)))],
        Onnx = e => e.Add("Softmax", [e.Input(0)], [e.Output(0)], ("axis", e.Node.Attrs.Int("axis"))),
    };

    internal const string LogSoftmaxName = "LogSoftmax";
    internal static readonly OpDef LogSoftmaxDef = new(LogSoftmaxName,
        (x, a) => SoftmaxInfer(LogSoftmaxName, x, a),
        (x, a) => [SoftmaxRun(x[0], a.Int("axis"), log: true)])
    {
        Relayout = Relayouts.Axis,
        // g - softmax(x) * sum(g) along the axis; softmax is an op, so this differentiates again.
        Gradient = c => [Subtract(c.Grad, Multiply(Softmax(c.X(0), c.Attrs.Int("axis")), ReduceSum(c.Grad, c.Attrs.Int("axis"), keepDims: true)))],
        Onnx = e => e.Add("LogSoftmax", [e.Input(0)], [e.Output(0)], ("axis", e.Node.Attrs.Int("axis"))),
    };

    private static long unseededDropout = Environment.TickCount64;

    internal const string DropoutName = "Dropout";
    internal static readonly OpDef DropoutDef = new(DropoutName,
        (x, a) =>
        {
            Window.Floating(DropoutName, x[0], "input");
            return [TensorSpec.Of(x[0]), TensorSpec.Of(x[0])];
        },
        (x, a) =>
        {
            double rate = a.Double("rate");
            ulong seed = a.Has("seed2")
                ? RandomOps.RandomKey(a, 0xD1B54A32D192ED03UL, 0x8CB92BA72F3D8DD7UL)
                : a.Bool("seeded") // graph files written before dropout followed the graph-seed rules
                    ? (ulong)(uint)a.Int("seed") * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL
                    : (ulong)Interlocked.Increment(ref unseededDropout) * 0x9E3779B97F4A7C15UL;
            var input = x[0].Contiguous();
            var mask = Tensor.Empty(input.Shape, input.DType);
            var y = Tensor.Empty(input.Shape, input.DType);
            if (input.DType == DType.Float32) DropoutApply(seed, rate, input.Span<float>(), mask.Span<float>(), y.Span<float>());
            else DropoutApply(seed, rate, input.Span<double>(), mask.Span<double>(), y.Span<double>());
            input.KeepAlive();
            return [y, mask];
        })
    {
        IsStateful = true,
        KeepsInputs = false,
        // The mask (already scaled by 1 / (1 - rate)) is output 1, so the gradient reuses exactly the forward mask.
        Gradient = c => [Multiply(c.GradOf(0), c.Outputs[1])],
        Onnx = OnnxDropout,
    };

    /// <summary>ONNX's Dropout in training mode (a fresh random mask, as ours; the runtime draws its own), its boolean
    /// mask scaled by 1 / (1 - rate) into our float mask output.</summary>
    private static void OnnxDropout(IOnnxEmitter e)
    {
        var a = e.Node.Attrs;
        double rate = a.Double("rate");
        var dtype = e.Node.Inputs[0].DType;
        var keep = e.Temp("keep");
        e.Add("Dropout", [e.Input(0), OnnxMap.Scalar(e, "ratio", rate, dtype), e.Constant(Tensor.Scalar(true), "training_mode")], [e.Output(0), keep]);
        var keepF = e.Temp("keep_float");
        e.Add("Cast", [keep], [keepF], ("to", (long)OnnxMap.ElemType(dtype)));
        OnnxMap.WithScalar(e, "Mul", keepF, rate < 1 ? 1 / (1 - rate) : 0, dtype, e.Output(1));
    }

    private static void DropoutApply<T>(ulong seed, double rate, ReadOnlySpan<T> x, Span<T> mask, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        DropoutMask.Fill(seed, rate, mask);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x, mask, y);
    }

    internal const string L2LossName = "L2Loss";
    internal static readonly OpDef L2LossDef = new(L2LossName,
        (x, _) =>
        {
            Window.Floating(L2LossName, x[0], "input");
            return [new TensorSpec(Shape.Scalar, x[0].DType)];
        },
        (x, _) =>
        {
            var c = x[0].Contiguous();
            var r = x[0].DType == DType.Float32
                ? Tensor.Scalar(L2.HalfSumOfSquares(c.Span<float>()))
                : Tensor.Scalar(L2.HalfSumOfSquares(c.Span<double>()));
            c.KeepAlive();
            return [r];
        })
    {
        Gradient = c => [Multiply(c.Grad, c.X(0))],
        Onnx = e =>
        {
            var squares = e.Temp("sum_squares");
            e.Add("ReduceSumSquare", [e.Input(0)], [squares], ("keepdims", 0L));
            OnnxMap.WithScalar(e, "Mul", squares, 0.5, e.Node.Inputs[0].DType, e.Output(0));
        },
    };
}
