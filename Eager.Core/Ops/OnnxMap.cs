namespace Eager;

/// <summary>
/// Building blocks for the ONNX mappings that op definitions carry (<see cref="OpDef.Onnx"/>). Core never
/// sees protobuf: these only call <see cref="IOnnxEmitter"/>, which Eager.Onnx implements. Target opset 13.
/// </summary>
public static class OnnxMap
{
    /// <summary>The <see cref="OpDef.NoOnnx"/> reason of a backward-pass op.</summary>
    internal const string BackwardOnly = "a backward-pass op that gradient rules build; ONNX's standard opsets have no backward operators, and exported models are inference graphs";

    /// <summary>The <see cref="OpDef.NoOnnx"/> reason of an op that only the fusion pass makes.</summary>
    internal const string FusedOnly = "made only by the fusion pass in compiled plans; export reads the function's graph, which holds the unfused ops";

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

    /// <summary>
    /// One-hot written as Equal(indices, Range(0, depth)) choosing <paramref name="on"/> or <paramref name="off"/>
    /// (scalar names): ONNX Runtime's OneHot kernel covers few dtype pairs, these ops cover every dtype. An index
    /// outside [0, depth) gives a row all off, TensorFlow's rule (ONNX's OneHot counts a negative one from the end).
    /// </summary>
    /// <param name="e">The emitter.</param>
    /// <param name="indices">Integer indices of rank <paramref name="rank"/>.</param>
    /// <param name="indexType">Their dtype.</param>
    /// <param name="rank">Their rank (known).</param>
    /// <param name="depth">An int64 scalar: the number of classes.</param>
    /// <param name="axis">Where the classes axis goes; -1 for last.</param>
    /// <param name="on">The value at the index.</param>
    /// <param name="off">The value elsewhere.</param>
    /// <param name="output">The output name.</param>
    public static void OneHot(IOnnxEmitter e, string indices, DType indexType, int rank, string depth, int axis, string on, string off, string output)
    {
        var idx = indices;
        if (indexType != DType.Int64)
        {
            idx = e.Temp("indices_int64");
            e.Add("Cast", [indices], [idx], ("to", (long)ElemType(DType.Int64)));
        }
        int at = axis < 0 ? rank : axis;
        var expanded = e.Temp("indices_expanded");
        e.Add("Unsqueeze", [idx, Ints(e, "class_axis", at)], [expanded]);
        var classes = e.Temp("classes");
        e.Add("Range", [e.Constant(Tensor.Scalar(0L), "zero"), depth, e.Constant(Tensor.Scalar(1L), "one")], [classes]);
        if (at < rank)
        {
            // [depth, 1, ..., 1] so that broadcasting puts the classes at the axis.
            var column = e.Temp("classes_at_axis");
            e.Add("Unsqueeze", [classes, Ints(e, "trailing", Enumerable.Range(1, rank - at).ToArray())], [column]);
            classes = column;
        }
        var hit = e.Temp("hit");
        e.Add("Equal", [expanded, classes], [hit]);
        e.Add("Where", [hit, on, off], [output]);
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
