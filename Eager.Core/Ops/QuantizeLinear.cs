using Eager.Kernels.Quant;

namespace Eager;

public static partial class Ops
{
    /// <summary>
    /// ONNX's QuantizeLinear: y = saturate(round_half_even(x / scale) + zeroPoint), as int8 or uint8 (the zero point's
    /// dtype; uint8 0 when omitted). <paramref name="scale"/> (float32) and <paramref name="zeroPoint"/> are scalars (per
    /// tensor) or 1-D with one value per index of <paramref name="axis"/> (per channel).
    /// </summary>
    /// <exception cref="ArgumentException">x is not float32, the scale is not float32, the zero point is not int8/uint8,
    /// or their lengths do not match x's axis.</exception>
    public static Tensor QuantizeLinear(Tensor x, Tensor scale, Tensor? zeroPoint = null, int axis = 1) =>
        Dispatcher.Apply1(QuantizationOps.QuantizeLinearDef, new Attrs { { "axis", axis } }, x, scale, zeroPoint ?? QuantizationOps.DefaultZero(DType.UInt8, scale));

    /// <summary>
    /// ONNX's DequantizeLinear: y = (x - zeroPoint) * scale in float32, for int8, uint8 or int32 x (the zero point has
    /// x's dtype; 0 when omitted). Scale and zero point per tensor or per index of <paramref name="axis"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Dtypes or lengths do not match.</exception>
    public static Tensor DequantizeLinear(Tensor x, Tensor scale, Tensor? zeroPoint = null, int axis = 1) =>
        Dispatcher.Apply1(QuantizationOps.DequantizeLinearDef, new Attrs { { "axis", axis } }, x, scale,
            zeroPoint ?? QuantizationOps.DefaultZero(x.DType, scale));

    /// <summary>
    /// ONNX's DynamicQuantizeLinear: quantises float32 x to uint8 over the range [min(x, 0), max(x, 0)]; returns
    /// (y, scale, zeroPoint), the scale and zero point as scalars.
    /// </summary>
    /// <exception cref="ArgumentException">x is not float32.</exception>
    public static (Tensor Y, Tensor Scale, Tensor ZeroPoint) DynamicQuantizeLinear(Tensor x)
    {
        var r = Dispatcher.Apply(QuantizationOps.DynamicQuantizeLinearDef, [x], Attrs.Empty);
        return (r[0], r[1], r[2]);
    }
}

/// <summary>ONNX's QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.</summary>
internal static partial class QuantizationOps
{
    private static int AxisOf(Attrs a) => a.Has("axis") ? a.Int("axis") : 1;

    private static int ChannelsOf(Tensor x, Tensor scale, int axis)
    {
        if (scale.Rank == 0 || scale.Shape[0] == 1) return 1;
        int a = axis < 0 ? axis + x.Rank : axis;
        return a >= 0 && a < x.Rank ? x.Shape[a] : -2;
    }

    public static readonly OpDef QuantizeLinearDef = new("QuantizeLinear",
        (x, a) =>
        {
            const string op = "QuantizeLinear";
            if (x[0].DType != DType.Float32) throw new ArgumentException($"{op}: the input must be float32, got {x[0].DType.Name()} {x[0].Shape}.");
            Require8Bit(op, "the zero point", x[2]);
            CheckScaleZero(op, "the", x[1], x[2], null, ChannelsOf(x[0], x[1], AxisOf(a)));
            return [new TensorSpec(x[0].Shape, x[2].DType)];
        },
        (x, a) =>
        {
            var input = x[0].Contiguous();
            var scales = Scales(x[1]);
            var zeros = Zeros(x[2]);
            var (channels, inner) = Layout("QuantizeLinear", input.Shape, AxisOf(a), scales.Length);
            var y = Tensor.Empty(input.Shape, x[2].DType);
            if (y.DType == DType.UInt8) Quantize.Linear<byte>(input.AsReadOnlySpan<float>(), y.AsSpan<byte>(), channels, inner, scales, zeros);
            else Quantize.Linear<sbyte>(input.AsReadOnlySpan<float>(), y.AsSpan<sbyte>(), channels, inner, scales, zeros);
            GC.KeepAlive(input);
            return [y];
        })
    {
        HandlesAllDTypes = true,
        Onnx = e => e.Add("QuantizeLinear", [e.Input(0), e.Input(1), e.Input(2)], [e.Output(0)], ("axis", (long)AxisOf(e.Node.Attrs))),
    };

    public static readonly OpDef DequantizeLinearDef = new("DequantizeLinear",
        (x, a) =>
        {
            const string op = "DequantizeLinear";
            if (!IsQuantized(x[0].DType) && x[0].DType != DType.Int32)
                throw new ArgumentException($"{op}: the input must be int8, uint8 or int32, got {x[0].DType.Name()} {x[0].Shape}.");
            CheckScaleZero(op, "the", x[1], x[2], x[0].DType, ChannelsOf(x[0], x[1], AxisOf(a)));
            return [new TensorSpec(x[0].Shape, DType.Float32)];
        },
        (x, a) =>
        {
            var input = x[0].Contiguous();
            var scales = Scales(x[1]);
            var zeros = Zeros(x[2]);
            var (channels, inner) = Layout("DequantizeLinear", input.Shape, AxisOf(a), scales.Length);
            var y = Tensor.Empty(input.Shape, DType.Float32);
            var dst = y.AsSpan<float>();
            switch (input.DType)
            {
                case DType.UInt8: Quantize.Dequantize<byte>(input.AsReadOnlySpan<byte>(), dst, channels, inner, scales, zeros); break;
                case DType.Int8: Quantize.Dequantize<sbyte>(input.AsReadOnlySpan<sbyte>(), dst, channels, inner, scales, zeros); break;
                default: Quantize.Dequantize<int>(input.AsReadOnlySpan<int>(), dst, channels, inner, scales, zeros); break;
            }
            GC.KeepAlive(input);
            return [y];
        })
    {
        HandlesAllDTypes = true,
        Onnx = e => e.Add("DequantizeLinear", [e.Input(0), e.Input(1), e.Input(2)], [e.Output(0)], ("axis", (long)AxisOf(e.Node.Attrs))),
    };

    /// <summary>ONNX's DynamicQuantizeLinear: uint8 with a range that always contains 0.</summary>
    public static readonly OpDef DynamicQuantizeLinearDef = new("DynamicQuantizeLinear",
        (x, _) =>
        {
            if (x[0].DType != DType.Float32)
                throw new ArgumentException($"DynamicQuantizeLinear: the input must be float32, got {x[0].DType.Name()} {x[0].Shape}.");
            return [new TensorSpec(x[0].Shape, DType.UInt8), new TensorSpec(Shape.Scalar, DType.Float32), new TensorSpec(Shape.Scalar, DType.UInt8)];
        },
        (x, _) =>
        {
            var input = x[0].Contiguous();
            var v = input.AsReadOnlySpan<float>();
            float lo = 0, hi = 0;
            if (v.Length > 0)
            {
                lo = Math.Min(0, System.Numerics.Tensors.TensorPrimitives.Min(v));
                hi = Math.Max(0, System.Numerics.Tensors.TensorPrimitives.Max(v));
            }
            float scale = (hi - lo) / 255f;
            byte zero = scale == 0 ? (byte)0 : (byte)Quantize.One(-lo, scale, 0, 0, 255);
            var y = Tensor.Empty(input.Shape, DType.UInt8);
            Quantize.Linear<byte>(v, y.AsSpan<byte>(), 1, v.Length, [scale], [zero]);
            GC.KeepAlive(input);
            return [y, Tensor.Scalar(scale), Tensor.Scalar(zero)];
        })
    {
        HandlesAllDTypes = true,
        Onnx = OnnxMap.Same("DynamicQuantizeLinear"),
    };
}
