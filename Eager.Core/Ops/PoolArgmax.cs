using Eager.Kernels.Pool;
using static Eager.Ops;
using static Eager.PoolingOps;

namespace Eager;

/// <summary>Max pooling that also returns where each maximum came from (tf.nn.max_pool_with_argmax).</summary>
public static partial class Ops
{
    /// <summary>
    /// Max pooling plus the flat index of each maximum in the input: ((n * height + h) * width + w) * channels + c,
    /// without the batch term unless <paramref name="includeBatchInIndex"/> (TensorFlow's convention). Indices are int64.
    /// Ties go to the first maximal cell in row-major window order.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="MaxPool2D"/>.</exception>
    public static (Tensor Output, Tensor Argmax) MaxPoolWithArgmax(Tensor input, Size2 poolSize, Size2? strides = null, string padding = "VALID", bool includeBatchInIndex = false)
    {
        var a = Window.PoolAttrs(MaxPoolWithArgmaxName, poolSize, strides, padding);
        a.Add("includeBatchInIndex", includeBatchInIndex);
        var r = Dispatcher.Apply(MaxPoolWithArgmaxDef, [input], a);
        return (r[0], r[1]);
    }
}

internal static partial class PoolingOps
{
    internal const string MaxPoolWithArgmaxName = "MaxPoolWithArgmax";
    internal static readonly OpDef MaxPoolWithArgmaxDef = new(MaxPoolWithArgmaxName,
        (x, a) =>
        {
            var y = PoolInfer(MaxPoolWithArgmaxName, x[0], a)[0];
            return [y, new TensorSpec(y.Shape, DType.Int64)];
        },
        (x, a) =>
        {
            var spec = PoolInfer(MaxPoolWithArgmaxName, x[0], a)[0];
            var g = PoolGeometry(MaxPoolWithArgmaxName, x[0].Shape, a);
            var input = x[0].Contiguous();
            var y = Tensor.Empty(spec.Shape, input.DType);
            var idx = Tensor.Empty(spec.Shape, DType.Int64);
            bool withBatch = a.Bool("includeBatchInIndex");
            if (input.DType == DType.Float32) Pooling.MaxWithArgmax(g, input.Span<float>(), y.Span<float>(), idx.Span<long>(), withBatch);
            else Pooling.MaxWithArgmax(g, input.Span<double>(), y.Span<double>(), idx.Span<long>(), withBatch);
            input.KeepAlive();
            return [y, idx];
        })
    {
        // The argmax output is an integer and carries no gradient; the values route like MaxPool2D's.
        Gradient = c => [MaxPoolGrad(c.X(0), c.GradOf(0), Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
        Onnx = OnnxMaxPoolWithArgmax,
    };

    /// <summary>ONNX's MaxPool with its Indices output on the NCHW input. ONNX numbers cells in NCHW order,
    /// ((n * C + c) * H + h) * W + w; that index is taken apart and put together again in NHWC order.</summary>
    private static void OnnxMaxPoolWithArgmax(IOnnxEmitter e)
    {
        var a = e.Node.Attrs;
        var x = e.Node.Inputs[0];
        int h = x.Shape[1], w = x.Shape[2], ch = x.Shape[3];
        if (h < 0 || w < 0 || ch < 0)
            throw new NotSupportedException($"ONNX export of MaxPoolWithArgmax needs the height, width and channels known; the input is {x.Shape}.");
        var k = a.Ints("poolSize");
        var s = a.Ints("strides");
        var pads = OnnxMap.Pads(a.String("padding"), h, w, k[0], k[1], s[0], s[1]);
        var xn = OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw");
        var (y, at) = (e.Temp("y_nchw"), e.Temp("index_nchw"));
        e.Add("MaxPool", [xn], [y, at], ("kernel_shape", k), ("strides", s), ("pads", pads));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
        var index = OnnxMap.Transpose(e, at, OnnxMap.ToNhwc, "index_nchw_order");
        string Op(string op, string l, long r)
        {
            var t = e.Temp(op);
            e.Add(op, [l, e.Constant(Tensor.Scalar(r), op + "_by")], [t]);
            return t;
        }
        long plane = (long)h * w;
        string Mod(string l, string quotient, long r)
        {
            var t = e.Temp("rest");
            e.Add("Sub", [l, Op("Mul", quotient, r)], [t]);
            return t;
        }
        var image = Op("Div", index, plane);
        var cell = Mod(index, image, plane);
        var channel = Mod(image, Op("Div", image, ch), ch);
        var pixel = cell;
        if (a.Bool("includeBatchInIndex"))
        {
            pixel = e.Temp("pixel");
            e.Add("Add", [Op("Mul", Op("Div", image, ch), plane), cell], [pixel]);
        }
        e.Add("Add", [Op("Mul", pixel, ch), channel], [e.Output(1)]);
    }
}
