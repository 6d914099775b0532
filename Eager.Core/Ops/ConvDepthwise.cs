using static Eager.Ops;
using static Eager.ConvolutionOps;

namespace Eager;

/// <summary>
/// Depthwise 2-D convolution (tf.nn.depthwise_conv2d): NHWC input, filter [kh, kw, inChannels, multiplier];
/// output channel c * multiplier + q sees input channel c only. Backward passes are ops of their own, as for Conv2D.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Depthwise convolution: <paramref name="input"/> [batch, height, width, channels], <paramref name="filter"/>
    /// [kh, kw, channels, multiplier]; the result has channels * multiplier channels, output sizes as <see cref="Conv2D"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Conv2D"/>.</exception>
    public static Tensor DepthwiseConv2D(Tensor input, Tensor filter, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(DepthwiseConv2DDef, Window.ConvAttrs("DepthwiseConv2D", strides, padding, dilations), input, filter);

    /// <summary>The gradient of <see cref="DepthwiseConv2D"/> with respect to its input, shaped <paramref name="inputShape"/>.</summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a depthwise convolution with these attributes.</exception>
    public static Tensor DepthwiseConv2DBackpropInput(Shape inputShape, Tensor filter, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(DepthwiseConv2DBackpropInputDef,
            ConvAttrsWith("DepthwiseConv2DBackpropInput", strides, padding, dilations, "inputShape", InputShapeAttr("DepthwiseConv2DBackpropInput", inputShape)),
            filter, outputGradient);

    /// <summary>The gradient of <see cref="DepthwiseConv2D"/> with respect to its filter, shaped <paramref name="filterShape"/>.</summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a depthwise convolution with these attributes.</exception>
    public static Tensor DepthwiseConv2DBackpropFilter(Tensor input, Shape filterShape, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(DepthwiseConv2DBackpropFilterDef,
            ConvAttrsWith("DepthwiseConv2DBackpropFilter", strides, padding, dilations, "filterShape", FilterShapeAttr("DepthwiseConv2DBackpropFilter", true, filterShape)),
            input, outputGradient);
}

internal static partial class ConvolutionOps
{
    internal static readonly OpDef DepthwiseConv2DDef = new("DepthwiseConv2D",
        (x, a) => ConvForwardInfer("DepthwiseConv2D", true, x, a),
        (x, a) => [ConvRun("DepthwiseConv2D", true, ConvPass.Forward, x[0], x[1], x[0].Shape, x[1].Shape, ConvForwardInfer("DepthwiseConv2D", true, x, a)[0].Shape, a)])
    {
        Gradient = c =>
        [
            c.Needs(0) ? DepthwiseConv2DBackpropInput(GradInputShape("DepthwiseConv2D", c.X(0)), c.X(1), c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            c.Needs(1) ? DepthwiseConv2DBackpropFilter(c.X(0), c.X(1).Shape, c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
        ],
        Onnx = e => OnnxConv(e, depthwise: true),
    };

    internal static readonly OpDef DepthwiseConv2DBackpropInputDef = new("DepthwiseConv2DBackpropInput",
        (x, a) => ConvBackpropInputInfer("DepthwiseConv2DBackpropInput", true, x, a),
        (x, a) =>
        {
            var input = ConvBackpropInputInfer("DepthwiseConv2DBackpropInput", true, x, a)[0].Shape;
            return [ConvRun("DepthwiseConv2DBackpropInput", true, ConvPass.BackpropInput, x[0], x[1], input, x[0].Shape, input, a)];
        })
    {
        Gradient = c =>
        [
            c.Needs(0) ? DepthwiseConv2DBackpropFilter(c.Grad, c.X(0).Shape, c.X(1), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            c.Needs(1) ? DepthwiseConv2D(c.Grad, c.X(0), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
        ],
    };

    internal static readonly OpDef DepthwiseConv2DBackpropFilterDef = new("DepthwiseConv2DBackpropFilter",
        (x, a) => ConvBackpropFilterInfer("DepthwiseConv2DBackpropFilter", true, x, a),
        (x, a) =>
        {
            var filter = Shape.Wrap(a.Ints("filterShape"));
            return [ConvRun("DepthwiseConv2DBackpropFilter", true, ConvPass.BackpropFilter, x[0], x[1], x[0].Shape, filter, filter, a)];
        })
    {
        Gradient = c =>
        [
            c.Needs(0) ? DepthwiseConv2DBackpropInput(GradInputShape("DepthwiseConv2DBackpropFilter", c.X(0)), c.Grad, c.X(1), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            c.Needs(1) ? DepthwiseConv2D(c.X(0), c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
        ],
    };
}
