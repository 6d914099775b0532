namespace Eager;

/// <summary>
/// Building blocks for the ONNX mappings that op definitions carry (<see cref="OpDef.Onnx"/>). Core never
/// sees protobuf: these only call <see cref="IOnnxEmitter"/>, which Eager.Onnx implements. Target opset 13.
/// </summary>
public static class OnnxMap
{
    /// <summary>The same op in ONNX, inputs and outputs one to one.</summary>
    public static OnnxExportFn Same(string opType, params (string Name, object Value)[] attributes) => e =>
        e.Add(opType, Enumerable.Range(0, e.Node.Inputs.Length).Select(e.Input).ToArray(),
              Enumerable.Range(0, e.Node.Outputs.Length).Select(e.Output).ToArray(), attributes);

    /// <summary>An ONNX op followed by Not (e.g. NotEqual = Not(Equal)).</summary>
    public static OnnxExportFn Negated(string opType) => e =>
    {
        var t = e.Temp(opType);
        e.Add(opType, [e.Input(0), e.Input(1)], [t]);
        e.Add("Not", [t], [e.Output(0)]);
    };

    /// <summary>An int64 1-D initializer (shapes, axes, pads).</summary>
    public static string Ints(IOnnxEmitter e, string hint, params int[] values) =>
        e.Constant(Tensor.From(values.Select(v => (long)v).ToArray()), hint);

    /// <summary>A scalar initializer of the node's output dtype.</summary>
    public static string Scalar(IOnnxEmitter e, string hint, double value, DType dtype) => e.Constant(Tensor.Scalar(value, dtype), hint);

    /// <summary>Transposes a value (adds a Transpose node) and returns the new name.</summary>
    public static string Transpose(IOnnxEmitter e, string input, int[] perm, string hint)
    {
        var t = e.Temp(hint);
        e.Add("Transpose", [input], [t], ("perm", perm));
        return t;
    }

    /// <summary>ONNX's TensorProto element type code for a dtype.</summary>
    public static int ElemType(DType d) => d switch
    {
        DType.Float32 => 1,
        DType.Int32 => 6,
        DType.Int64 => 7,
        DType.Bool => 9,
        DType.Float64 => 11,
        DType.UInt8 => 2,
        DType.Int8 => 3,
        DType.Float16 => 10,
        DType.BFloat16 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>Adds a binary node with a scalar constant operand and returns the output name.</summary>
    public static string WithScalar(IOnnxEmitter e, string opType, string input, double value, DType dtype, string? output = null)
    {
        var o = output ?? e.Temp(opType);
        e.Add(opType, [input, Scalar(e, opType + "_c", value, dtype)], [o]);
        return o;
    }

    /// <summary>NHWC to NCHW.</summary>
    public static readonly int[] ToNchw = [0, 3, 1, 2];

    /// <summary>NCHW to NHWC.</summary>
    public static readonly int[] ToNhwc = [0, 2, 3, 1];

    /// <summary>TensorFlow padding as explicit ONNX pads [top, left, bottom, right] (SAME puts the extra at the end).</summary>
    public static int[] Pads(string padding, int inH, int inW, int kH, int kW, int sH, int sW, int dH = 1, int dW = 1)
    {
        if (!padding.Equals("SAME", StringComparison.OrdinalIgnoreCase)) return [0, 0, 0, 0];
        if (inH < 0 || inW < 0) throw new NotSupportedException("ONNX export: SAME padding needs known spatial dimensions.");
        int th = Math.Max(((inH + sH - 1) / sH - 1) * sH + (kH - 1) * dH + 1 - inH, 0);
        int tw = Math.Max(((inW + sW - 1) / sW - 1) * sW + (kW - 1) * dW + 1 - inW, 0);
        return [th / 2, tw / 2, th - th / 2, tw - tw / 2];
    }
}
