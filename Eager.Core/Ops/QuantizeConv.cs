using Eager.Kernels.Conv;
using Eager.Kernels.Quant;

namespace Eager;

public static partial class Ops
{
    /// <summary>
    /// ONNX's ConvInteger on NHWC input [N, H, W, C] and HWIO filter [KH, KW, C, O], both int8/uint8: int32
    /// sum (x - xZeroPoint) * (w - wZeroPoint[o]). Padding as <see cref="Conv2D"/> ("SAME"/"VALID"), or explicit
    /// <paramref name="pads"/> [top, left, bottom, right]; padding taps hold the input's zero point.
    /// </summary>
    /// <exception cref="ArgumentException">Ranks, channels, dtypes or zero-point lengths do not match.</exception>
    public static Tensor ConvInteger(Tensor input, Tensor filter, Tensor? inputZeroPoint = null, Tensor? filterZeroPoint = null,
        Size2? strides = null, string padding = "VALID", Size2? dilations = null, int[]? pads = null) =>
        Dispatcher.Apply1(QuantizationOps.ConvIntegerDef, QuantizationOps.ConvAttrs("ConvInteger", strides, padding, dilations, pads),
            input, filter, inputZeroPoint ?? QuantizationOps.DefaultZero(input.DType), filterZeroPoint ?? QuantizationOps.DefaultZero(filter.DType));

    /// <summary>
    /// ONNX's QLinearConv on NHWC input and HWIO filter: the int32 convolution of <see cref="ConvInteger"/>, plus the
    /// optional int32 <paramref name="bias"/> (one per output channel, scale inputScale * filterScale[o]), requantised
    /// with inputScale * filterScale[o] / outputScale to the output zero point's dtype. The filter's scale and zero point
    /// may have one value per output channel.
    /// </summary>
    /// <exception cref="ArgumentException">Ranks, channels, dtypes or scale/zero-point lengths do not match.</exception>
    public static Tensor QLinearConv(Tensor input, Tensor inputScale, Tensor inputZeroPoint, Tensor filter, Tensor filterScale,
        Tensor filterZeroPoint, Tensor outputScale, Tensor outputZeroPoint, Tensor? bias = null,
        Size2? strides = null, string padding = "VALID", Size2? dilations = null, int[]? pads = null) =>
        Dispatcher.Apply1(QuantizationOps.QLinearConvDef, QuantizationOps.ConvAttrs("QLinearConv", strides, padding, dilations, pads),
            bias is null
                ? [input, inputScale, inputZeroPoint, filter, filterScale, filterZeroPoint, outputScale, outputZeroPoint]
                : [input, inputScale, inputZeroPoint, filter, filterScale, filterZeroPoint, outputScale, outputZeroPoint, bias]);
}

/// <summary>ONNX's ConvInteger and QLinearConv on Eager's NHWC layout with HWIO filters (the ONNX mapping transposes).</summary>
internal static partial class QuantizationOps
{
    /// <summary>The geometry: padding "SAME"/"VALID" as Conv2D, or "EXPLICIT" with pads [top, left, bottom, right].</summary>
    private static ConvGeometry Geometry(string op, Shape x, Shape w, Attrs a)
    {
        if (a.String("padding") != "EXPLICIT") return Window.Geometry(op, x, w[0], w[1], w[3], a);
        var s = a.Ints("strides");
        var d = a.Ints("dilations");
        var p = a.Ints("pads");
        int Out(int input, int k, int stride, int dil, int before, int after)
        {
            int span = (k - 1) * dil + 1, padded = input + before + after;
            if (input >= 0 && span > padded)
                throw new ArgumentException($"{op}: the window {span} is larger than the padded input {padded} (input {x}, filter {w}, pads [{string.Join(", ", p)}]).");
            return input < 0 ? -1 : (padded - span) / stride + 1;
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], w[0], w[1], w[3],
            Out(x[1], w[0], s[0], d[0], p[0], p[2]), Out(x[2], w[1], s[1], d[1], p[1], p[3]), s[0], s[1], d[0], d[1], p[0], p[1]);
    }

    private static Shape OutShape(string op, Tensor x, Tensor w, Attrs a)
    {
        Require8Bit(op, "the input", x);
        Require8Bit(op, "the filter", w);
        Window.Rank4(op, "input", x, "NHWC");
        Window.Rank4(op, "filter", w, "HWIO");
        if (Window.Differ(x.Shape[3], w.Shape[2]))
            throw new ArgumentException($"{op}: the input {x.Shape} (NHWC) has {x.Shape[3]} channels but the filter {w.Shape} (HWIO) expects {w.Shape[2]}.");
        var g = Geometry(op, x.Shape, w.Shape, a);
        return new Shape(x.Shape[0], g.OutHeight, g.OutWidth, w.Shape[3]);
    }

    private static void CheckZero(string op, string what, Tensor zero, Tensor operand, int count)
    {
        if (zero.DType != operand.DType)
            throw new ArgumentException($"{op}: {what} must have the dtype of its operand ({operand.DType.Name()}), got {zero.DType.Name()} {zero.Shape}.");
        if (zero.Rank > 1 || (zero.Rank == 1 && zero.Shape[0] != 1 && count >= 0 && zero.Shape[0] >= 0 && zero.Shape[0] != count))
            throw new ArgumentException($"{op}: {what} must be a scalar or have {count} values (one per output channel), got {zero.Shape}.");
    }

    /// <summary>The int32 accumulator of the convolution.</summary>
    private static Tensor Accumulate(string op, Tensor x, Tensor w, int xZero, int[] wZero, Attrs a)
    {
        var g = Geometry(op, x.Shape, w.Shape, a);
        var xc = x.Contiguous();
        var wc = w.Contiguous();
        var y = Tensor.Empty(new Shape(g.Batch, g.OutHeight, g.OutWidth, g.OutChannels), DType.Int32);
        var dst = y.AsSpan<int>();
        switch (xc.DType, wc.DType)
        {
            case (DType.UInt8, DType.Int8): Int8Conv.Forward<byte, sbyte>(g, xc.AsReadOnlySpan<byte>(), xZero, wc.AsReadOnlySpan<sbyte>(), wZero, dst); break;
            case (DType.UInt8, _): Int8Conv.Forward<byte, byte>(g, xc.AsReadOnlySpan<byte>(), xZero, wc.AsReadOnlySpan<byte>(), wZero, dst); break;
            case (_, DType.Int8): Int8Conv.Forward<sbyte, sbyte>(g, xc.AsReadOnlySpan<sbyte>(), xZero, wc.AsReadOnlySpan<sbyte>(), wZero, dst); break;
            default: Int8Conv.Forward<sbyte, byte>(g, xc.AsReadOnlySpan<sbyte>(), xZero, wc.AsReadOnlySpan<byte>(), wZero, dst); break;
        }
        GC.KeepAlive(xc);
        GC.KeepAlive(wc);
        return y;
    }

    /// <summary>The requantised convolution, without an int32 tensor in between.</summary>
    private static Tensor Requantized(string op, Tensor x, Tensor w, int xZero, int[] wZero, int[] bias, float[] multiplier, int yZero, DType yType, Attrs a)
    {
        var g = Geometry(op, x.Shape, w.Shape, a);
        var xc = x.Contiguous();
        var wc = w.Contiguous();
        var y = Tensor.Empty(new Shape(g.Batch, g.OutHeight, g.OutWidth, g.OutChannels), yType);
        if (yType == DType.UInt8) Requantized(g, xc, wc, xZero, wZero, bias, multiplier, yZero, y.AsSpan<byte>());
        else Requantized(g, xc, wc, xZero, wZero, bias, multiplier, yZero, y.AsSpan<sbyte>());
        GC.KeepAlive(xc);
        GC.KeepAlive(wc);
        return y;
    }

    private static void Requantized<TY>(in ConvGeometry g, Tensor x, Tensor w, int xZero, int[] wZero, int[] bias, float[] multiplier, int yZero, Span<TY> y)
        where TY : unmanaged
    {
        switch (x.DType, w.DType)
        {
            case (DType.UInt8, DType.Int8): Int8Conv.ForwardRequantized(g, x.AsReadOnlySpan<byte>(), xZero, w.AsReadOnlySpan<sbyte>(), wZero, bias, multiplier, yZero, y); break;
            case (DType.UInt8, _): Int8Conv.ForwardRequantized(g, x.AsReadOnlySpan<byte>(), xZero, w.AsReadOnlySpan<byte>(), wZero, bias, multiplier, yZero, y); break;
            case (_, DType.Int8): Int8Conv.ForwardRequantized(g, x.AsReadOnlySpan<sbyte>(), xZero, w.AsReadOnlySpan<sbyte>(), wZero, bias, multiplier, yZero, y); break;
            default: Int8Conv.ForwardRequantized(g, x.AsReadOnlySpan<sbyte>(), xZero, w.AsReadOnlySpan<byte>(), wZero, bias, multiplier, yZero, y); break;
        }
    }

    public static readonly OpDef ConvIntegerDef = new("ConvInteger",
        (x, a) =>
        {
            const string op = "ConvInteger";
            var shape = OutShape(op, x[0], x[1], a);
            CheckZero(op, "the input zero point", x[2], x[0], 1);
            CheckZero(op, "the filter zero point", x[3], x[1], x[1].Shape[3]);
            return [new TensorSpec(shape, DType.Int32)];
        },
        (x, a) => [Accumulate("ConvInteger", x[0], x[1], Zeros(x[2])[0], Zeros(x[3]), a)])
    {
        HandlesAllDTypes = true,
        Onnx = e => OnnxConv(e, "ConvInteger", [0, 1, 2, 3], filterInput: 1, bias: null),
    };

    // Inputs as ONNX: x, xScale, xZero, w, wScale, wZero, yScale, yZero, then an optional int32 bias [O].
    public static readonly OpDef QLinearConvDef = new("QLinearConv",
        (x, a) =>
        {
            const string op = "QLinearConv";
            var shape = OutShape(op, x[0], x[3], a);
            CheckScaleZero(op, "the input", x[1], x[2], x[0].DType, 1);
            CheckScaleZero(op, "the filter", x[4], x[5], x[3].DType, x[3].Shape[3]);
            Require8Bit(op, "the output zero point", x[7]);
            CheckScaleZero(op, "the output", x[6], x[7], null, 1);
            if (x.Length > 8 && (x[8].DType != DType.Int32 || x[8].Rank != 1 || Window.Differ(x[8].Shape[0], shape[3])))
                throw new ArgumentException($"{op}: the bias must be int32 with {shape[3]} values, got {x[8].DType.Name()} {x[8].Shape}.");
            return [new TensorSpec(shape, x[7].DType)];
        },
        (x, a) =>
        {
            int n = x[3].Shape[3];
            var multiplier = Multipliers(x[1], x[4], x[6], n);
            int[] bias = x.Length > 8 ? x[8].Contiguous().ToArray<int>() : [];
            return [Requantized("QLinearConv", x[0], x[3], Zeros(x[2])[0], Zeros(x[5]), bias, multiplier, Zeros(x[7])[0], x[7].DType, a)];
        })
    {
        HandlesAllDTypes = true,
        Onnx = OnnxQdqConv,
    };

    /// <summary>Explicit ONNX pads [top, left, bottom, right] of a node's attributes.</summary>
    private static int[] PadsOf(Node node, Shape x, Shape w)
    {
        var a = node.Attrs;
        if (a.String("padding") == "EXPLICIT") return a.Ints("pads");
        var g = Geometry(node.Op.Name, x, w, a);
        int bottom = Math.Max(0, (g.OutHeight - 1) * g.StrideH + (w[0] - 1) * g.DilationH + 1 - x[1] - g.PadTop);
        int right = Math.Max(0, (g.OutWidth - 1) * g.StrideW + (w[1] - 1) * g.DilationW + 1 - x[2] - g.PadLeft);
        return [g.PadTop, g.PadLeft, bottom, right];
    }

    /// <summary>An NCHW ONNX convolution node between transposes; the filter input is transposed HWIO -> OIHW.</summary>
    private static void OnnxConv(IOnnxEmitter e, string opType, int[] inputs, int filterInput, string? bias)
    {
        var node = e.Node;
        var x = node.Inputs[0].Shape;
        var w = node.Inputs[filterInput].Shape;
        var p = PadsOf(node, x, w);
        var names = inputs.Select(i => i == 0 ? OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw")
            : i == filterInput ? OnnxMap.Transpose(e, e.Input(i), [3, 2, 0, 1], "w_oihw") : e.Input(i)).ToList();
        if (bias is not null) names.Add(bias);
        var y = e.Temp("y_nchw");
        e.Add(opType, [.. names], [y],
            ("strides", node.Attrs.Ints("strides").Select(v => (long)v).ToArray()),
            ("dilations", node.Attrs.Ints("dilations").Select(v => (long)v).ToArray()),
            ("pads", new long[] { p[0], p[1], p[2], p[3] }));
        e.Add("Transpose", [y], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }

    /// <summary>QDQ form: DequantizeLinear on input, filter (per output channel) and bias, a float Conv, QuantizeLinear.</summary>
    private static void OnnxQdqConv(IOnnxEmitter e)
    {
        var node = e.Node;
        var x = node.Inputs[0].Shape;
        var w = node.Inputs[3].Shape;
        var p = PadsOf(node, x, w);
        var xq = OnnxMap.Transpose(e, e.Input(0), OnnxMap.ToNchw, "x_nchw");
        var xf = e.Temp("x_dq");
        e.Add("DequantizeLinear", [xq, e.Input(1), e.Input(2)], [xf]);
        var wq = OnnxMap.Transpose(e, e.Input(3), [3, 2, 0, 1], "w_oihw");
        var wf = e.Temp("w_dq");
        e.Add("DequantizeLinear", [wq, e.Input(4), e.Input(5)], [wf], ("axis", 0L));
        var convInputs = new List<string> { xf, wf };
        if (node.Inputs.Length > 8)
        {
            var biasScale = e.Temp("bias_scale");
            e.Add("Mul", [e.Input(1), e.Input(4)], [biasScale]);
            var bf = e.Temp("bias_dq");
            e.Add("DequantizeLinear", [e.Input(8), biasScale, BiasZero(e)], [bf], ("axis", 0L));
            convInputs.Add(bf);
        }
        var yf = e.Temp("y_nchw");
        e.Add("Conv", [.. convInputs], [yf],
            ("strides", node.Attrs.Ints("strides").Select(v => (long)v).ToArray()),
            ("dilations", node.Attrs.Ints("dilations").Select(v => (long)v).ToArray()),
            ("pads", new long[] { p[0], p[1], p[2], p[3] }));
        var yq = e.Temp("y_q");
        e.Add("QuantizeLinear", [yf, e.Input(6), e.Input(7)], [yq]);
        e.Add("Transpose", [yq], [e.Output(0)], ("perm", OnnxMap.ToNhwc));
    }

    /// <summary>The attributes of a quantised convolution: Conv2D's, or explicit pads [top, left, bottom, right].</summary>
    public static Attrs ConvAttrs(string op, Size2? strides, string padding, Size2? dilations, int[]? pads)
    {
        if (pads is null) return Window.ConvAttrs(op, strides, padding, dilations);
        if (pads.Length != 4 || pads.Any(v => v < 0))
            throw new ArgumentException($"{op}: pads must be 4 non-negative values [top, left, bottom, right], got [{string.Join(", ", pads)}].");
        var a = Window.ConvAttrs(op, strides, "VALID", dilations);
        a["padding"] = "EXPLICIT";
        a["pads"] = pads;
        return a;
    }
}
