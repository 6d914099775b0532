using static Eager.Ops;
using static Eager.ConvolutionOps;

namespace Eager;

/// <summary>
/// 2-D convolution in TensorFlow's layout: NHWC input, HWIO filter. Its two backward passes are ops of their own
/// whose gradients call Conv2D and each other, so second derivatives work. Conv2DTranspose is the input backward
/// pass used forwards, as in tf.nn.conv2d_transpose.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// 2-D convolution. <paramref name="input"/> is [batch, height, width, inChannels] (NHWC), <paramref name="filter"/>
    /// is [kh, kw, inChannels, outChannels] (HWIO); the result is [batch, outHeight, outWidth, outChannels] with
    /// outHeight = ceil(height / stride) for "SAME" and ceil((height - (kh - 1) * dilation) / stride) for "VALID".
    /// SAME pads like TensorFlow: the odd padding cell goes at the bottom/right.
    /// </summary>
    /// <param name="input">NHWC input, float32 or float64.</param>
    /// <param name="filter">HWIO filter of the same dtype.</param>
    /// <param name="strides">Step between windows: an int or (height, width); default 1.</param>
    /// <param name="padding">"SAME" or "VALID", any case.</param>
    /// <param name="dilations">Spacing between filter taps: an int or (height, width); default 1.</param>
    /// <exception cref="ArgumentException">Ranks other than 4, a channel mismatch (both counts are named), a bad padding
    /// string, a non-positive stride or dilation, a dilated kernel larger than a VALID input, or non-float dtypes.</exception>
    public static Tensor Conv2D(Tensor input, Tensor filter, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(Conv2DDef, Window.ConvAttrs(Conv2DName, strides, padding, dilations), input, filter);

    /// <summary>
    /// The gradient of <see cref="Conv2D"/> with respect to its input: given the filter and the gradient of the
    /// convolution's output ([batch, outHeight, outWidth, outChannels]), returns a tensor of <paramref name="inputShape"/>.
    /// An unknown (-1) batch in <paramref name="inputShape"/> is taken from the gradient.
    /// </summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a convolution with these attributes.</exception>
    public static Tensor Conv2DBackpropInput(Shape inputShape, Tensor filter, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(Conv2DBackpropInputDef,
            ConvAttrsWith(Conv2DBackpropInputName, strides, padding, dilations, "inputShape", InputShapeAttr(Conv2DBackpropInputName, inputShape)),
            filter, outputGradient);

    /// <summary>
    /// The gradient of <see cref="Conv2D"/> with respect to its filter: given the input and the gradient of the
    /// convolution's output, returns a tensor of <paramref name="filterShape"/> (HWIO).
    /// </summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a convolution with these attributes.</exception>
    public static Tensor Conv2DBackpropFilter(Tensor input, Shape filterShape, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(Conv2DBackpropFilterDef,
            ConvAttrsWith(Conv2DBackpropFilterName, strides, padding, dilations, "filterShape", FilterShapeAttr(Conv2DBackpropFilterName, false, filterShape)),
            input, outputGradient);

    /// <summary>
    /// Transposed convolution (tf.nn.conv2d_transpose): the adjoint of a Conv2D whose input has
    /// <paramref name="outputShape"/>. <paramref name="input"/> is NHWC; <paramref name="filter"/> is
    /// [kh, kw, outChannels, inChannels] (HWOI, as TensorFlow). Without <paramref name="outputShape"/> the size is
    /// Keras's: height * stride for "SAME", height * stride + max(dilated kernel - stride, 0) for "VALID".
    /// </summary>
    /// <exception cref="ArgumentException">A channel mismatch, ranks other than 4, or an output shape that a convolution
    /// with these attributes does not map back onto the input's shape.</exception>
    public static Tensor Conv2DTranspose(Tensor input, Tensor filter, Shape? outputShape = null, Size2? strides = null, string padding = "VALID", Size2? dilations = null)
    {
        const string op = "Conv2DTranspose";
        Window.Rank4(op, "the input", input, "NHWC");
        Window.Rank4(op, "the filter", filter, "HWOI: height, width, out, in");
        if (Window.Differ(input.Shape[3], filter.Shape[3]))
            throw new ArgumentException($"{op}: the input has {input.Shape[3]} channels but the filter expects {filter.Shape[3]} " +
                                        $"(input {input.Shape}, NHWC; filter {filter.Shape}, HWOI: height, width, out, in).");
        var target = outputShape ?? TransposeOutputShape(op, input.Shape, filter.Shape, strides, padding, dilations);
        try
        {
            return Conv2DBackpropInput(target, filter, input, strides, padding, dilations);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{op} (computed as Conv2DBackpropInput): {e.Message}", e);
        }
    }
}

internal static partial class ConvolutionOps
{
    internal const string Conv2DName = "Conv2D";
    internal const string Conv2DBackpropInputName = "Conv2DBackpropInput";
    internal const string Conv2DBackpropFilterName = "Conv2DBackpropFilter";

    internal static readonly OpDef Conv2DDef =
        ConvForwardOp(Conv2DName, depthwise: false, Conv2DBackpropInput, Conv2DBackpropFilter, () => FusedKernelOps.FusedConv2DDef!);

    internal static readonly OpDef Conv2DBackpropInputDef =
        ConvBackpropInputOp(Conv2DBackpropInputName, depthwise: false, Conv2D, Conv2DBackpropFilter, OnnxConvTranspose);

    internal static readonly OpDef Conv2DBackpropFilterDef =
        ConvBackpropFilterOp(Conv2DBackpropFilterName, depthwise: false, Conv2D, Conv2DBackpropInput).WithoutOnnx(OnnxMap.BackwardOnly);

    /// <summary>The input's shape for a backprop-input call built by a gradient rule (an unknown batch is fine).</summary>
    internal static Shape GradInputShape(string op, Tensor input)
    {
        var s = input.Shape;
        if (s[1] < 0 || s[2] < 0 || s[3] < 0)
            throw new ArgumentException($"{op} gradient: the input's height, width and channels must be known to build the gradient, got shape {s}. " +
                                        "Give the placeholder or function signature a static height and width.");
        return s;
    }

    internal static Shape TransposeOutputShape(string op, Shape input, Shape filter, Size2? strides, string padding, Size2? dilations)
    {
        var s = Window.Pair(op, "strides", strides, 1);
        var d = Window.Pair(op, "dilations", dilations, 1);
        bool same = Window.Padding(op, padding) == "SAME";
        int Size(int i, int k, int st, int dil) => i < 0 || k < 0 ? -1 : same ? i * st : i * st + Math.Max((k - 1) * dil + 1 - st, 0);
        return new Shape(input[0], Size(input[1], filter[0], s[0], d[0]), Size(input[2], filter[1], s[1], d[1]), filter[2]);
    }

    /// <summary>NHWC/HWIO convolution as NCHW/OIHW ONNX Conv between transposes; SAME becomes explicit pads.</summary>
    private static void OnnxConv(IOnnxEmitter e, bool depthwise)
    {
        var a = e.Node.Attrs;
        var x = e.Node.Inputs[0];
        var f = e.Node.Inputs[1];
        var s = a.Ints("strides");
        var d = a.Ints("dilations");
        var pads = OnnxMap.Pads(a.String("padding"), x.Shape[1], x.Shape[2], f.Shape[0], f.Shape[1], s[0], s[1], d[0], d[1]);
        var xn = OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw");
        string w;
        long group = 1;
        if (!depthwise) w = OnnxMap.Transpose(e, e.Input(1), [3, 2, 0, 1], "w_oihw");
        else
        {
            // [kh, kw, in, mult] -> [in, mult, kh, kw] -> [in * mult, 1, kh, kw]
            var t = OnnxMap.Transpose(e, e.Input(1), [2, 3, 0, 1], "w_imhw");
            w = e.Temp("w_oihw");
            e.Add("Reshape", [t, OnnxMap.Ints(e, "w_shape", f.Shape[2] * f.Shape[3], 1, f.Shape[0], f.Shape[1])], [w]);
            group = f.Shape[2];
        }
        var y = e.Temp("y_nchw");
        e.Add("Conv", [xn, w], [y], ("kernel_shape", new[] { f.Shape[0], f.Shape[1] }), ("strides", s), ("dilations", d), ("pads", pads), ("group", group));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }
}
