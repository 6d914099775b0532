namespace Eager.Onnx.Import;

/// <summary>
/// ONNX's quantisation operators: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
/// QLinearMatMul, ConvInteger and QLinearConv. A QDQ-format model (float ops between DequantizeLinear and
/// QuantizeLinear pairs) imports through the first two and computes its float ops in float32.
/// </summary>
internal static partial class OnnxOps
{
    private static void AddQuantization(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["QuantizeLinear"] = c =>
        {
            if (c.Opt(2) is { } z && !Is8Bit(z.DType)) throw c.Unsupported($"QuantizeLinear to {z.DType.Name()} (int8 and uint8 are)");
            return [Ops.QuantizeLinear(c.In(0), c.In(1), c.Opt(2), (int)c.Int("axis", 1))];
        };
        h["DequantizeLinear"] = c => [Ops.DequantizeLinear(c.In(0), c.In(1), c.Opt(2), (int)c.Int("axis", 1))];
        h["DynamicQuantizeLinear"] = c =>
        {
            var (y, scale, zero) = Ops.DynamicQuantizeLinear(c.In(0));
            return [y, scale, zero];
        };
        h["MatMulInteger"] = c => [Promoted(c.In(0), c.In(1), (a, b) => Ops.MatMulInteger(a, b, c.Opt(2), c.Opt(3)))];
        h["QLinearMatMul"] = c => [Promoted(c.In(0), c.In(3), (a, b) => Ops.QLinearMatMul(a, c.In(1), c.In(2), b, c.In(4), c.In(5), c.In(6), c.In(7)))];
        h["ConvInteger"] = c =>
        {
            var w = c.In(1);
            var wz = c.Opt(3);
            return [Spatial(c, (x, k) => QuantizedConv(c, x, w, k, (xn, hwio, padding, pads, s, d) =>
                Ops.ConvInteger(xn, hwio, c.Opt(2), wz, s, padding, d, pads)))];
        };
        h["QLinearConv"] = c =>
        {
            var w = c.In(3);
            // Spatial reads the window from input 1, which for QLinearConv is the filter's scale: show it the filter.
            return [Spatial(c.WithInputs([c.In(0), w]), (x, k) => QuantizedConv(c, x, w, k, (xn, hwio, padding, pads, s, d) =>
                Ops.QLinearConv(xn, c.In(1), c.In(2), hwio, c.In(4), c.In(5), c.In(6), c.In(7), c.Opt(8), s, padding, d, pads)))];
        };
    }

    private static bool Is8Bit(DType d) => d is DType.Int8 or DType.UInt8;

    /// <summary>numpy.matmul's 1-D promotion around an 8-bit product.</summary>
    private static Tensor Promoted(Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> product)
    {
        bool va = a.Rank == 1, vb = b.Rank == 1;
        if (va) a = Ops.ExpandDims(a, 0);
        if (vb) b = Ops.ExpandDims(b, 1);
        var r = product(a, b);
        if (va && vb) return Ops.Reshape(r, []);
        if (va) return Ops.Squeeze(r, r.Rank - 2);
        if (vb) return Ops.Squeeze(r, r.Rank - 1);
        return r;
    }

    private delegate Tensor QuantizedConvFn(Tensor nhwc, Tensor hwio, string padding, int[]? pads, Size2 strides, Size2 dilations);

    /// <summary>An ungrouped quantised convolution on an NHWC input, the OIHW filter transposed to HWIO; explicit
    /// pads go to the op, which fills them with the input's zero point.</summary>
    private static Tensor QuantizedConv(ImportContext c, Tensor x, Tensor w, SpatialArgs a, QuantizedConvFn conv)
    {
        if (c.Int("group", 1) != 1) throw c.Unsupported($"{c.Node.OpType} with group={c.Int("group", 1)}");
        if (a.OneD) w = Ops.ExpandDims(w, 2);
        var (pads, padding) = Padding(c, x, a);
        return conv(x, Ops.Transpose(w, [2, 3, 1, 0]), padding == "EXPLICIT" ? "VALID" : padding, padding == "EXPLICIT" ? pads : null,
            new Size2(a.Strides.H, a.Strides.W), new Size2(a.Dilations.H, a.Dilations.W));
    }
}
