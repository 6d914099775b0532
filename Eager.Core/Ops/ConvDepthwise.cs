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
        Dispatcher.Apply1(DepthwiseConv2DDef, Window.ConvAttrs(DepthwiseConv2DName, strides, padding, dilations), input, filter);

    /// <summary>The gradient of <see cref="DepthwiseConv2D"/> with respect to its input, shaped <paramref name="inputShape"/>.</summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a depthwise convolution with these attributes.</exception>
    public static Tensor DepthwiseConv2DBackpropInput(Shape inputShape, Tensor filter, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(DepthwiseConv2DBackpropInputDef,
            ConvAttrsWith(DepthwiseConv2DBackpropInputName, strides, padding, dilations, "inputShape", InputShapeAttr(DepthwiseConv2DBackpropInputName, inputShape)),
            filter, outputGradient);

    /// <summary>The gradient of <see cref="DepthwiseConv2D"/> with respect to its filter, shaped <paramref name="filterShape"/>.</summary>
    /// <exception cref="ArgumentException">When the shapes are not those of a depthwise convolution with these attributes.</exception>
    public static Tensor DepthwiseConv2DBackpropFilter(Tensor input, Shape filterShape, Tensor outputGradient, Size2? strides = null, string padding = "VALID", Size2? dilations = null) =>
        Dispatcher.Apply1(DepthwiseConv2DBackpropFilterDef,
            ConvAttrsWith(DepthwiseConv2DBackpropFilterName, strides, padding, dilations, "filterShape", FilterShapeAttr(DepthwiseConv2DBackpropFilterName, true, filterShape)),
            input, outputGradient);
}

internal static partial class ConvolutionOps
{
    internal const string DepthwiseConv2DName = "DepthwiseConv2D";
    internal const string DepthwiseConv2DBackpropInputName = "DepthwiseConv2DBackpropInput";
    internal const string DepthwiseConv2DBackpropFilterName = "DepthwiseConv2DBackpropFilter";

    internal static readonly OpDef DepthwiseConv2DDef =
        ConvForwardOp(DepthwiseConv2DName, depthwise: true, DepthwiseConv2DBackpropInput, DepthwiseConv2DBackpropFilter, fusedForm: null);

    internal static readonly OpDef DepthwiseConv2DBackpropInputDef =
        ConvBackpropInputOp(DepthwiseConv2DBackpropInputName, depthwise: true, DepthwiseConv2D, DepthwiseConv2DBackpropFilter, onnx: null).WithoutOnnx(OnnxMap.BackwardOnly);

    internal static readonly OpDef DepthwiseConv2DBackpropFilterDef =
        ConvBackpropFilterOp(DepthwiseConv2DBackpropFilterName, depthwise: true, DepthwiseConv2D, DepthwiseConv2DBackpropInput).WithoutOnnx(OnnxMap.BackwardOnly);
}
