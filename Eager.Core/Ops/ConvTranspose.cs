using static Eager.Ops;
using static Eager.ConvolutionOps;

namespace Eager;

/// <summary>The ONNX mapping of the convolution's input backward pass (Conv2DTranspose): ConvTranspose on NCHW.</summary>
internal static partial class ConvolutionOps
{
    /// <summary>Conv2DBackpropInput(filter HWOI, gradient NHWC) as ONNX ConvTranspose with explicit pads and output_padding.</summary>
    private static void OnnxConvTranspose(IOnnxEmitter e)
    {
        var a = e.Node.Attrs;
        var f = e.Node.Inputs[0].Shape;
        var g = e.Node.Inputs[1].Shape;
        var target = a.Ints("inputShape");
        var s = a.Ints("strides");
        var d = a.Ints("dilations");
        if (target[1] < 0 || target[2] < 0 || g[1] < 0 || g[2] < 0)
            throw new NotSupportedException("ONNX export: Conv2DBackpropInput (Conv2DTranspose) needs known spatial dimensions.");
        // The pads the forward convolution puts on an input of the target size, then whatever output_padding makes up the size.
        var pads = OnnxMap.Pads(a.String("padding"), target[1], target[2], f[0], f[1], s[0], s[1], d[0], d[1]);
        int Extra(int outSize, int inSize, int k, int st, int dil, int begin, int end) =>
            outSize - (st * (inSize - 1) + (k - 1) * dil + 1 - begin - end);
        long[] outputPadding = [Extra(target[1], g[1], f[0], s[0], d[0], pads[0], pads[2]), Extra(target[2], g[2], f[1], s[1], d[1], pads[1], pads[3])];
        var x = OnnxMap.Transpose(e, e.Input(1), OnnxMap.ToNchw, "grad_nchw");
        var w = OnnxMap.Transpose(e, e.Input(0), [3, 2, 0, 1], "w_iohw");
        var y = e.Temp("y_nchw");
        e.Add("ConvTranspose", [x, w], [y], ("kernel_shape", new[] { f[0], f[1] }), ("strides", s), ("dilations", d), ("pads", pads),
            ("output_padding", outputPadding));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }
}
