using System.Numerics;
using Eager.Kernels.Conv;
using Eager.Kernels.Pool;
using Eager.Kernels.Quant;
using static Eager.Ops;
using static Eager.PoolingOps;

namespace Eager;

/// <summary>
/// 2-D max and average pooling over NHWC tensors, with their backward passes as ops of their own: MaxPoolGrad
/// routes each gradient to its window's (first) maximum; MaxPoolGradGrad is its adjoint; AvgPoolGrad spreads each
/// gradient evenly over its window's real cells. Averages under SAME padding count only real cells, as TensorFlow.
/// </summary>
public static partial class Ops
{
    /// <summary>TensorFlow 1's tf.nn.max_pool(value, ksize, strides, padding): NHWC, with 4-element <paramref name="ksize"/> and
    /// <paramref name="strides"/> ([1, h, w, 1]; 1- and 2-element forms work too). The same op as <see cref="MaxPool2D"/>.</summary>
    /// <exception cref="ArgumentException">A batch or channel entry other than 1, or the errors of <see cref="MaxPool2D"/>.</exception>
    public static Tensor MaxPool(Tensor value, int[] ksize, int[] strides, string padding) =>
        MaxPool2D(value, Size2.FromList(ksize, "MaxPool", "ksize"), Size2.FromList(strides, "MaxPool", "strides"), padding);

    /// <summary>TensorFlow 1's tf.nn.avg_pool(value, ksize, strides, padding), as <see cref="MaxPool"/>.</summary>
    /// <exception cref="ArgumentException">A batch or channel entry other than 1, or the errors of <see cref="AvgPool2D"/>.</exception>
    public static Tensor AvgPool(Tensor value, int[] ksize, int[] strides, string padding) =>
        AvgPool2D(value, Size2.FromList(ksize, "AvgPool", "ksize"), Size2.FromList(strides, "AvgPool", "strides"), padding);

    /// <summary>
    /// Max pooling over NHWC <paramref name="input"/>: [batch, outHeight, outWidth, channels] with output sizes as
    /// <see cref="Conv2D"/> (the pool as the kernel). Padding cells never win a max.
    /// </summary>
    /// <param name="input">NHWC, floating, or int8/uint8 (quantised activations pool as they are, as ONNX's MaxPool).</param>
    /// <param name="poolSize">Window size: an int or (height, width).</param>
    /// <param name="strides">Window step; default the pool size (as Keras).</param>
    /// <param name="padding">"SAME" or "VALID", any case.</param>
    /// <exception cref="ArgumentException">Rank other than 4, a pool larger than a VALID input, a bad padding string or
    /// non-positive sizes, a dtype other than floating, int8 or uint8.</exception>
    public static Tensor MaxPool2D(Tensor input, Size2 poolSize, Size2? strides = null, string padding = "VALID") =>
        Dispatcher.Apply1(MaxPool2DDef, Window.PoolAttrs(MaxPool2DName, poolSize, strides, padding), input);

    /// <summary>Average pooling; under SAME padding each window averages only its real cells (TensorFlow's semantics).</summary>
    /// <exception cref="ArgumentException">As <see cref="MaxPool2D"/>.</exception>
    public static Tensor AvgPool2D(Tensor input, Size2 poolSize, Size2? strides = null, string padding = "VALID") =>
        Dispatcher.Apply1(AvgPool2DDef, Window.PoolAttrs(AvgPool2DName, poolSize, strides, padding), input);

    /// <summary>The gradient of <see cref="MaxPool2D"/>: each value of <paramref name="outputGradient"/> goes to the
    /// first maximal cell of its window in <paramref name="input"/>; the result is shaped like the input.</summary>
    /// <exception cref="ArgumentException">When the gradient is not shaped like the pool's output.</exception>
    public static Tensor MaxPoolGrad(Tensor input, Tensor outputGradient, Size2 poolSize, Size2? strides = null, string padding = "VALID") =>
        Dispatcher.Apply1(MaxPoolGradDef, Window.PoolAttrs(MaxPoolGradName, poolSize, strides, padding), input, outputGradient);

    /// <summary>The adjoint of <see cref="MaxPoolGrad"/> in its gradient argument: picks, for each window of
    /// <paramref name="input"/>, the value of <paramref name="inputGradient"/> (input-shaped) at the window's maximum.</summary>
    /// <exception cref="ArgumentException">When <paramref name="inputGradient"/> is not shaped like the input.</exception>
    public static Tensor MaxPoolGradGrad(Tensor input, Tensor inputGradient, Size2 poolSize, Size2? strides = null, string padding = "VALID") =>
        Dispatcher.Apply1(MaxPoolGradGradDef, Window.PoolAttrs(MaxPoolGradGradName, poolSize, strides, padding), input, inputGradient);

    /// <summary>The gradient of <see cref="AvgPool2D"/> for an input of <paramref name="inputShape"/> (an unknown batch
    /// is taken from the gradient).</summary>
    /// <exception cref="ArgumentException">When the gradient is not shaped like the pool's output.</exception>
    public static Tensor AvgPoolGrad(Shape inputShape, Tensor outputGradient, Size2 poolSize, Size2? strides = null, string padding = "VALID")
    {
        var a = Window.PoolAttrs(AvgPoolGradName, poolSize, strides, padding);
        a.Add("inputShape", ConvolutionOps.InputShapeAttr(AvgPoolGradName, inputShape));
        return Dispatcher.Apply1(AvgPoolGradDef, a, outputGradient);
    }
}

internal static partial class PoolingOps
{
    private static TensorSpec[] PoolInfer(string op, Tensor x, Attrs a, bool eightBit = false)
    {
        if (!(eightBit && x.DType is DType.Int8 or DType.UInt8)) Window.Floating(op, x, "input");
        Window.Rank4(op, "the input", x, "NHWC");
        var k = a.Ints("poolSize");
        var (h, w) = Window.OutputSize(op, "pool", x.Shape, k[0], k[1], a);
        return [new TensorSpec(Shape.Wrap([x.Shape[0], h, w, x.Shape[3]]), x.DType)];
    }

    /// <summary>Checks a gradient (or gradient-of-gradient) operand against the shape a pool gives for <paramref name="input"/>.</summary>
    private static void CheckPoolGrad(string op, Shape input, Tensor grad, Shape expected, string role)
    {
        Window.Rank4(op, "the " + role, grad, "NHWC");
        for (int i = 0; i < 4; i++)
            if (Window.Differ(expected[i], grad.Shape[i]))
                throw new ArgumentException($"{op}: pooling an input {input} gives {expected}, but the {role} has shape {grad.Shape}.");
    }

    private static ConvGeometry PoolGeometry(string op, Shape input, Attrs a)
    {
        var k = a.Ints("poolSize");
        return Window.Geometry(op, input, k[0], k[1], input[3], a);
    }

    private delegate void PoolKernel<T>(in ConvGeometry g, ReadOnlySpan<T> p, ReadOnlySpan<T> q, Span<T> r) where T : unmanaged;

    /// <summary>Runs a pool kernel on concrete tensors: geometry from <paramref name="input"/>, operands p and q (q may be p).</summary>
    private static Tensor PoolRun(string op, Shape input, Tensor p, Tensor q, Shape result, Attrs a,
                                  PoolKernel<float> f32, PoolKernel<double> f64)
    {
        var g = PoolGeometry(op, input, a);
        var pc = p.Contiguous(); var qc = q.Contiguous();
        var r = Tensor.Empty(result, p.DType);
        if (p.DType == DType.Float32) f32(g, pc.Span<float>(), qc.Span<float>(), r.Span<float>());
        else f64(g, pc.Span<double>(), qc.Span<double>(), r.Span<double>());
        pc.KeepAlive(); qc.KeepAlive();
        return r;
    }

    private static void MaxFwd<T>(in ConvGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> _, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Pooling.MaxForward(g, x, y);

    private static void AvgFwd<T>(in ConvGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> _, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Pooling.AvgForward(g, x, y);

    private static void AvgBwd<T>(in ConvGeometry g, ReadOnlySpan<T> dy, ReadOnlySpan<T> _, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T> => Pooling.AvgBackward(g, dy, dx);

    internal const string MaxPool2DName = "MaxPool2D";
    internal static readonly OpDef MaxPool2DDef = new(MaxPool2DName,
        (x, a) => PoolInfer(MaxPool2DName, x[0], a, eightBit: true),
        (x, a) => [x[0].DType is DType.Int8 or DType.UInt8 ? MaxPool8Bit(x[0], a)
            : PoolRun(MaxPool2DName, x[0].Shape, x[0], x[0], PoolInfer(MaxPool2DName, x[0], a)[0].Shape, a, MaxFwd, MaxFwd)])
    {
        // Quantised activations pool as they are: the maximum commutes with (monotone) dequantisation.
        Handles8Bit = true,
        Gradient = c => [MaxPoolGrad(c.X(0), c.Grad, Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
        Onnx = e => OnnxPool(e, "MaxPool"),
    };

    private static Tensor MaxPool8Bit(Tensor x, Attrs a)
    {
        var g = PoolGeometry(MaxPool2DName, x.Shape, a);
        var xc = x.Contiguous();
        var y = Tensor.Empty(PoolInfer(MaxPool2DName, x, a, eightBit: true)[0].Shape, x.DType);
        if (x.DType == DType.UInt8) Int8Pool.MaxForward(g, xc.AsReadOnlySpan<byte>(), y.AsSpan<byte>());
        else Int8Pool.MaxForward(g, xc.AsReadOnlySpan<sbyte>(), y.AsSpan<sbyte>());
        GC.KeepAlive(xc);
        return y;
    }

    internal const string MaxPoolGradName = "MaxPoolGrad";
    internal static readonly OpDef MaxPoolGradDef = new(MaxPoolGradName,
        (x, a) =>
        {
            var y = PoolInfer(MaxPoolGradName, x[0], a)[0];
            Broadcasting.SameDType(MaxPoolGradName, x[0], x[1]);
            CheckPoolGrad(MaxPoolGradName, x[0].Shape, x[1], y.Shape, "output gradient");
            return [TensorSpec.Of(x[0])];
        },
        (x, a) => [PoolRun(MaxPoolGradName, x[0].Shape, x[0], x[1], x[0].Shape, a, Pooling.MaxBackward, Pooling.MaxBackward)])
    {
        NoOnnx = OnnxMap.BackwardOnly,
        // inputs (input, outGrad): piecewise constant in the input, linear in outGrad.
        Gradient = c => [null, MaxPoolGradGrad(c.X(0), c.Grad, Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
    };

    internal const string MaxPoolGradGradName = "MaxPoolGradGrad";
    internal static readonly OpDef MaxPoolGradGradDef = new(MaxPoolGradGradName,
        (x, a) =>
        {
            var y = PoolInfer(MaxPoolGradGradName, x[0], a)[0];
            Broadcasting.SameDType(MaxPoolGradGradName, x[0], x[1]);
            CheckPoolGrad(MaxPoolGradGradName, x[0].Shape, x[1], x[0].Shape, "input-shaped gradient");
            return [y];
        },
        (x, a) => [PoolRun(MaxPoolGradGradName, x[0].Shape, x[0], x[1], PoolInfer(MaxPoolGradGradName, x[0], a)[0].Shape, a, Pooling.MaxBackwardAdjoint, Pooling.MaxBackwardAdjoint)])
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [null, MaxPoolGrad(c.X(0), c.Grad, Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
    };

    internal const string AvgPool2DName = "AvgPool2D";
    internal static readonly OpDef AvgPool2DDef = new(AvgPool2DName,
        (x, a) => PoolInfer(AvgPool2DName, x[0], a),
        (x, a) => [PoolRun(AvgPool2DName, x[0].Shape, x[0], x[0], PoolInfer(AvgPool2DName, x[0], a)[0].Shape, a, AvgFwd, AvgFwd)])
    {
        Gradient = c => [AvgPoolGrad(ConvolutionOps.GradInputShape(AvgPool2DName, c.X(0)), c.Grad, Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
        Onnx = e => OnnxPool(e, "AveragePool"),
    };

    internal const string AvgPoolGradName = "AvgPoolGrad";
    internal static readonly OpDef AvgPoolGradDef = new(AvgPoolGradName,
        (x, a) =>
        {
            const string op = AvgPoolGradName;
            Window.Floating(op, x[0], "output gradient");
            Window.Rank4(op, "the output gradient", x[0], "NHWC");
            var given = a.Ints("inputShape");
            var input = Shape.Wrap([given[0] >= 0 ? given[0] : x[0].Shape[0], given[1], given[2], given[3]]);
            var k = a.Ints("poolSize");
            var (h, w) = Window.OutputSize(op, "pool", input, k[0], k[1], a);
            CheckPoolGrad(op, input, x[0], Shape.Wrap([input[0], h, w, input[3]]), "output gradient");
            return [new TensorSpec(input, x[0].DType)];
        },
        (x, a) =>
        {
            var given = a.Ints("inputShape");
            var input = Shape.Wrap([given[0] >= 0 ? given[0] : x[0].Shape[0], given[1], given[2], given[3]]);
            return [PoolRun(AvgPoolGradName, input, x[0], x[0], input, a, AvgBwd, AvgBwd)];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        // AvgPoolGrad is the adjoint of the (linear) average pool, so its own gradient is the pool.
        Gradient = c => [AvgPool2D(c.Grad, Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
    };

    /// <summary>NHWC pooling as NCHW ONNX pooling between transposes. ONNX's default count_include_pad=0
    /// averages only real cells, as TensorFlow's SAME does.</summary>
    private static void OnnxPool(IOnnxEmitter e, string opType)
    {
        var a = e.Node.Attrs;
        var x = e.Node.Inputs[0];
        var k = a.Ints("poolSize");
        var s = a.Ints("strides");
        var pads = OnnxMap.Pads(a.String("padding"), x.Shape[1], x.Shape[2], k[0], k[1], s[0], s[1]);
        var xn = OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw");
        var y = e.Temp("y_nchw");
        e.Add(opType, [xn], [y], ("kernel_shape", k), ("strides", s), ("pads", pads));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }
}
