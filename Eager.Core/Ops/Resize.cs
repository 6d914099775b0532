using Eager.Kernels.Layout;
using static Eager.Ops;
using static Eager.ResizeOps;

namespace Eager;

/// <summary>
/// Image resizing of NHWC tensors (tf.image.resize, ONNX Resize/Upsample): nearest-neighbour or (bi)linear, with
/// ONNX's coordinate transformation and nearest rounding modes. The gradient is the adjoint, an op of its own whose
/// gradient is the resize again.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Resizes an NHWC image batch to <paramref name="height"/> x <paramref name="width"/>. <paramref name="mode"/>:
    /// "nearest" or "linear". <paramref name="coordinateMode"/> maps output to input coordinates as ONNX's
    /// coordinate_transformation_mode ("half_pixel" is tf.image.resize's and PyTorch's align_corners=False;
    /// "asymmetric" is the old nearest upsampling). <paramref name="nearestMode"/> rounds for "nearest". A height or width
    /// of -1 is floor(input * scale) with the given scale; a given scale is also the one coordinates are mapped with
    /// (ONNX's rule), otherwise output / input.
    /// </summary>
    /// <exception cref="ArgumentException">Not a rank-4 float tensor, unknown modes, or neither size nor scale given.</exception>
    public static Tensor Resize(Tensor images, int height, int width, string mode = "linear", string coordinateMode = "half_pixel",
        string nearestMode = "round_prefer_floor", double scaleHeight = 0, double scaleWidth = 0)
    {
        if (mode is not ("nearest" or "linear")) throw new ArgumentException($"Resize: mode must be \"nearest\" or \"linear\", got \"{mode}\".");
        if (!ResizeCoordinateModes.Contains(coordinateMode))
            throw new ArgumentException($"Resize: coordinate mode \"{coordinateMode}\" is not one of {string.Join(", ", ResizeCoordinateModes)}.");
        if (!ResizeNearestModes.Contains(nearestMode))
            throw new ArgumentException($"Resize: nearest mode \"{nearestMode}\" is not one of {string.Join(", ", ResizeNearestModes)}.");
        if ((height < 0 && scaleHeight <= 0) || (width < 0 && scaleWidth <= 0) || height == 0 || width == 0)
            throw new ArgumentException($"Resize: give a positive size or a positive scale per axis (height {height}, width {width}, scales {scaleHeight}, {scaleWidth}).");
        return Dispatcher.Apply1(ResizeDef, new Attrs
        {
            { "size", new[] { height, width } }, { "scaleH", scaleHeight }, { "scaleW", scaleWidth },
            { "mode", mode }, { "coordinateMode", coordinateMode }, { "nearestMode", nearestMode },
        }, images);
    }
}

internal static partial class ResizeOps
{
    internal static readonly string[] ResizeCoordinateModes = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];

    internal static readonly string[] ResizeNearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    /// <summary>Output height and width: the attribute, or floor(input * scale) where it is -1.</summary>
    private static (int H, int W) ResizeSize(Shape x, Attrs a)
    {
        var size = a.Ints("size");
        int Dim(int given, int input, double scale)
        {
            if (given >= 0) return given;
            if (input < 0) return -1;
            double d = Math.Floor(input * scale + 1e-9);
            return d <= int.MaxValue ? (int)d
                : throw new ArgumentException($"Resize: scale {scale} makes an input size of {input} {d}, more than a tensor can hold (2^31-1); input {x}.");
        }
        return (Dim(size[0], x[1], a.Double("scaleH")), Dim(size[1], x[2], a.Double("scaleW")));
    }

    private static TensorSpec[] ResizeInfer(string op, Tensor x, Attrs a)
    {
        if (x.Rank != 4) throw new ArgumentException($"{op}: expects an NHWC image batch of rank 4, got {x.DType.Name()}{x.Shape}.");
        if (!x.DType.IsFloating) throw new ArgumentException($"{op}: expects float32 or float64 images, got {x.DType.Name()}{x.Shape}.");
        var (h, w) = ResizeSize(x.Shape, a);
        return [new TensorSpec(new Shape(x.Shape[0], h, w, x.Shape[3]), x.DType)];
    }

    private static (ResizeAxis Ys, ResizeAxis Xs) ResizePlan(Shape input, int outH, int outW, Attrs a)
    {
        bool linear = a.String("mode") == "linear";
        string coord = a.String("coordinateMode"), nearest = a.String("nearestMode");
        double sh = a.Double("scaleH") > 0 ? a.Double("scaleH") : (double)outH / input[1];
        double sw = a.Double("scaleW") > 0 ? a.Double("scaleW") : (double)outW / input[2];
        return (Kernels.Layout.Resize.Map(linear, coord, nearest, input[1], outH, sh), Kernels.Layout.Resize.Map(linear, coord, nearest, input[2], outW, sw));
    }

    internal const string ResizeName = "Resize";
    internal static readonly OpDef ResizeDef = new(ResizeName,
        (x, a) => ResizeInfer(ResizeName, x[0], a),
        (x, a) =>
        {
            var src = x[0].Contiguous();
            var (h, w) = ResizeSize(src.Shape, a);
            var (ys, xs) = ResizePlan(src.Shape, h, w, a);
            var y = Tensor.Empty(new Shape(src.Shape[0], h, w, src.Shape[3]), src.DType);
            if (src.DType == DType.Float32) Kernels.Layout.Resize.Forward(src.Span<float>(), y.Span<float>(), src.Shape[0], src.Shape[1], src.Shape[2], src.Shape[3], ys, xs);
            else Kernels.Layout.Resize.Forward(src.Span<double>(), y.Span<double>(), src.Shape[0], src.Shape[1], src.Shape[2], src.Shape[3], ys, xs);
            src.KeepAlive();
            return [y];
        })
    {
        Gradient = c => [ResizeGradOp(c.Grad, c.X(0), c.Attrs)],
        Onnx = OnnxResize,
    };

    internal const string ResizeGradName = "ResizeGrad";
    internal static readonly OpDef ResizeGradDef = new(ResizeGradName,
        (x, a) =>
        {
            if (x[1].Rank != 4 || x[0].Rank != 4) throw new ArgumentException($"ResizeGrad: expects rank-4 gradient and input, got {x[0].Shape} and {x[1].Shape}.");
            return [new TensorSpec(x[1].Shape, x[0].DType)];
        },
        (x, a) =>
        {
            var g = x[0].Contiguous();
            var input = x[1].Shape;
            var (ys, xs) = ResizePlan(input, g.Shape[1], g.Shape[2], a);
            var dst = Tensor.Zeros(input, g.DType);
            if (g.DType == DType.Float32) Kernels.Layout.Resize.Backward(g.Span<float>(), dst.Span<float>(), input[0], input[1], input[2], input[3], ys, xs);
            else Kernels.Layout.Resize.Backward(g.Span<double>(), dst.Span<double>(), input[0], input[1], input[2], input[3], ys, xs);
            g.KeepAlive();
            return [dst];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        // Linear in the gradient: its own gradient is the forward resize.
        Gradient = c => [Dispatcher.Apply1(ResizeDef, c.Attrs, c.Grad), null],
    };

    private static Tensor ResizeGradOp(Tensor grad, Tensor input, Attrs a) => Dispatcher.Apply1(ResizeGradDef, a, grad, input);

    /// <summary>NHWC resize as ONNX Resize on NCHW: scales when the op has them, sizes otherwise.</summary>
    private static void OnnxResize(IOnnxEmitter e)
    {
        var a = e.Node.Attrs;
        var x = OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw");
        var roi = e.Constant(Tensor.From(Array.Empty<float>()), "roi");
        string scales, sizes;
        if (a.Double("scaleH") > 0 && a.Double("scaleW") > 0)
        {
            scales = e.Constant(Tensor.From(new[] { 1f, 1f, (float)a.Double("scaleH"), (float)a.Double("scaleW") }), "scales");
            sizes = "";
        }
        else
        {
            var o = e.Node.Outputs[0].Shape;
            if (o[1] < 0 || o[2] < 0) throw new NotSupportedException("ONNX export: Resize to a size needs the output height and width known.");
            scales = e.Constant(Tensor.From(Array.Empty<float>()), "scales");
            var s = e.Temp("shape");
            e.Add("Shape", [x], [s]);
            var nc = e.Temp("nc");
            e.Add("Slice", [s, OnnxMap.Ints(e, "zero", 0), OnnxMap.Ints(e, "two", 2)], [nc]);
            sizes = e.Temp("sizes");
            e.Add("Concat", [nc, OnnxMap.Ints(e, "hw", o[1], o[2])], [sizes], ("axis", 0L));
        }
        var y = e.Temp("y_nchw");
        var inputs = sizes.Length == 0 ? new[] { x, roi, scales } : [x, roi, scales, sizes];
        e.Add("Resize", inputs, [y], ("mode", a.String("mode")), ("coordinate_transformation_mode", a.String("coordinateMode")),
            ("nearest_mode", a.String("nearestMode")));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }
}
