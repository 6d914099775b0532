using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>
/// One QDQ unit of a quantised model: DequantizeLinear on the input and on a constant filter or weight matrix, a float
/// Conv, Gemm or MatMul (a MatMul may add a bias vector after it), an optional Relu, and the QuantizeLinear of the
/// result. ONNX Runtime runs such a unit as one integer kernel; so does the importer, as QLinearConv or QLinearMatMul.
/// </summary>
/// <param name="Core">The Conv, Gemm or MatMul.</param>
/// <param name="DqInput">The DequantizeLinear feeding the core's input.</param>
/// <param name="DqWeight">The DequantizeLinear feeding the core's filter or right operand.</param>
/// <param name="BiasAdd">An Add of a bias vector after a MatMul, or null.</param>
/// <param name="Relu">A Relu before the QuantizeLinear, or null.</param>
/// <param name="Quantize">The QuantizeLinear ending the unit; the fused node is evaluated at its place.</param>
internal sealed record QdqUnit(NodeProto Core, NodeProto DqInput, NodeProto DqWeight, NodeProto? BiasAdd, NodeProto? Relu, NodeProto Quantize)
{
    /// <summary>The float nodes the fused kernel replaces, in graph order (the DequantizeLinear nodes stay: other nodes
    /// may read them, and a traced graph prunes them when nothing does).</summary>
    public IEnumerable<NodeProto> Replaced => new[] { Core, BiasAdd, Relu, Quantize }.Where(n => n is not null)!;
}

/// <summary>
/// Finds the QDQ units of an ONNX graph by their structure (ONNX Runtime's QDQ selectors), and runs one as an integer
/// kernel once its operands are known: the weights, scales and zero points must be constants, the scales of the input
/// and output per tensor, the filter's per tensor or per output channel. A unit whose values do not qualify runs its
/// float nodes as written, so the result never depends on whether it was fused beyond one quantisation step.
/// </summary>
internal static class QdqFusion
{
    private const string Dequantize = "DequantizeLinear", Quantize = "QuantizeLinear";

    /// <summary>The units of <paramref name="graph"/>, keyed by their QuantizeLinear node. A float intermediate inside a
    /// unit must have that one reader and not be a graph output.</summary>
    public static Dictionary<NodeProto, QdqUnit> Find(GraphProto graph)
    {
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            foreach (var o in n.Output) if (!string.IsNullOrEmpty(o)) producer[o] = n;
            foreach (var i in n.Input) if (!string.IsNullOrEmpty(i)) readers[i] = readers.GetValueOrDefault(i) + 1;
            foreach (var a in n.Attribute) if (a.G is not null || a.Graphs.Count > 0) return []; // subgraphs may read any value
        }
        foreach (var o in graph.Output) readers[o.Name] = readers.GetValueOrDefault(o.Name) + 1;
        NodeProto? Sole(string value, string opType) =>
            readers.GetValueOrDefault(value) == 1 && producer.TryGetValue(value, out var p) && p.OpType == opType && IsDefault(p) ? p : null;
        NodeProto? Producer(string value, string opType) =>
            producer.TryGetValue(value, out var p) && p.OpType == opType && IsDefault(p) ? p : null;

        var units = new Dictionary<NodeProto, QdqUnit>(ReferenceEqualityComparer.Instance);
        foreach (var q in graph.Node)
        {
            if (q.OpType != Quantize || !IsDefault(q) || q.Input.Count == 0) continue;
            string value = q.Input[0];
            var relu = Sole(value, "Relu");
            if (relu is not null) value = relu.Input[0];
            var add = Sole(value, "Add");
            NodeProto? core = null;
            if (add is not null && add.Input.Count == 2)
            {
                core = Sole(add.Input[0], "MatMul") ?? Sole(add.Input[1], "MatMul");
                if (core is null) add = null;
            }
            core ??= Sole(value, "Conv") ?? Sole(value, "MatMul") ?? Sole(value, "Gemm");
            if (core is null || core.Input.Count < 2) continue;
            if (Producer(core.Input[0], Dequantize) is not { } dqx || Producer(core.Input[1], Dequantize) is not { } dqw) continue;
            units[q] = new QdqUnit(core, dqx, dqw, add, relu, q);
        }
        return units;
    }

    private static bool IsDefault(NodeProto n) => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx";

    /// <summary>The unit's output computed by QLinearConv or QLinearMatMul, or null when its values do not qualify
    /// (then the caller runs the float nodes).</summary>
    public static Tensor? Run(QdqUnit u, IReadOnlyDictionary<string, Tensor> values, int opset, Func<IDisposable>? eagerScope)
    {
        Tensor? Value(NodeProto n, int i) => i < n.Input.Count && values.TryGetValue(n.Input[i], out var t) ? t : null;
        Tensor? Known(Tensor? t) => t is null ? null : KnownValues.Fold(t) is { IsSymbolic: false } k ? k : null;

        if (!PlainDequantize(u.DqInput) || !PlainDequantize(u.DqWeight) || Blocked(u.Quantize) || u.Quantize.Attribute.Any(a => a.Name == "output_dtype")) return null;
        var x = Value(u.DqInput, 0);
        var xScale = Known(Value(u.DqInput, 1));
        var w = Known(Value(u.DqWeight, 0));
        var wScale = Known(Value(u.DqWeight, 1));
        var yScale = Known(Value(u.Quantize, 1));
        if (x is null || xScale is null || w is null || wScale is null || yScale is null) return null;
        if (!Is8Bit(x.DType) || !Is8Bit(w.DType) || !PerTensor(xScale) || !PerTensor(yScale) || wScale.DType != DType.Float32 || wScale.Rank > 1) return null;
        var xZero = Zero(Known(Value(u.DqInput, 2)), x.DType, xScale);
        var wZero = Zero(Known(Value(u.DqWeight, 2)), w.DType, wScale);
        var yZero = Value(u.Quantize, 2) is { } z ? Known(z) : Tensor.Scalar((byte)0);
        if (xZero is null || wZero is null || yZero is null || !Is8Bit(yZero.DType) || yZero.Shape.Size != 1) return null;

        bool conv = u.Core.OpType == "Conv", gemm = u.Core.OpType == "Gemm";
        bool transB = gemm && Int(u.Core, "transB", 0) != 0;
        if (conv ? w.Rank is not (3 or 4) || Int(u.Core, "group", 1) != 1 : w.Rank != 2 || x.Rank < 2) return null;
        // Gemm's alpha * A' * B' + beta * C is a plain product only with its defaults.
        if (gemm && (x.Rank != 2 || Int(u.Core, "transA", 0) != 0 || Float(u.Core, "alpha") != 1f || Float(u.Core, "beta") != 1f)) return null;
        int outputs = conv || transB ? w.Shape[0] : w.Shape[1];
        // Per-channel scales must run along the output channels: axis 0 of an OIHW filter or a transposed Gemm weight,
        // else the columns of the matrix.
        if (wScale.Shape.Size != 1 && (wScale.Shape.Size != outputs || NormalisedAxis(u.DqWeight, w.Rank) != (conv || transB ? 0 : 1))) return null;
        if (u.Relu is not null && ZeroOf(yZero) != (yZero.DType == DType.UInt8 ? 0 : -128)) return null; // Relu is then saturation

        bool hasBias = conv || gemm ? u.Core.Input.Count > 2 && !string.IsNullOrEmpty(u.Core.Input[2]) : u.BiasAdd is not null;
        Tensor? floatBias = conv || gemm ? Value(u.Core, 2)
            : u.BiasAdd is null ? null
            : Value(u.BiasAdd, u.BiasAdd.Input[0] == u.Core.Output[0] ? 1 : 0);
        Tensor? bias = null;
        if (hasBias && (bias = IntegerBias(Known(floatBias), xScale, wScale, outputs)) is null) return null;

        // An input known at import time is computed now, as the float nodes would have been.
        using var scope = x.IsSymbolic ? null : eagerScope?.Invoke();
        if (conv)
        {
            Tensor?[] ins = bias is null ? [x, xScale, xZero, w, wScale, wZero, yScale, yZero] : [x, xScale, xZero, w, wScale, wZero, yScale, yZero, bias];
            return OnnxOps.Handlers["QLinearConv"](new ImportContext(u.Core, ins, opset))[0];
        }
        if (transB)
        {
            using (eagerScope?.Invoke()) w = Ops.Transpose(w, [1, 0]);
        }
        return Ops.QLinearMatMul(x, xScale, xZero, w, wScale, wZero, yScale, yZero, bias);
    }

    private static long Int(NodeProto n, string name, long fallback) => n.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float Float(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? 1f;

    private static bool Is8Bit(DType d) => d is DType.Int8 or DType.UInt8;

    private static bool PerTensor(Tensor scale) => scale.DType == DType.Float32 && scale.Shape.Size == 1 && scale.Rank <= 1;

    /// <summary>No blocked quantisation (opset 21's block_size), which the integer kernels do not take.</summary>
    private static bool Blocked(NodeProto n) => n.Attribute.Any(a => a.Name == "block_size" && a.I != 0);

    private static bool PlainDequantize(NodeProto n) => !Blocked(n) && n.Input.Count >= 2;

    private static int NormalisedAxis(NodeProto dq, int rank)
    {
        long axis = dq.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1;
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>The zero point as the op takes it: ONNX's default 0 of the operand's dtype, one per scale.</summary>
    private static Tensor? Zero(Tensor? zero, DType dtype, Tensor scale)
    {
        if (zero is not null) return zero.DType == dtype && zero.Shape.Size == scale.Shape.Size ? zero : null;
        int n = scale.Shape.Size;
        if (scale.Rank == 0) return dtype == DType.Int8 ? Tensor.Scalar((sbyte)0) : Tensor.Scalar((byte)0);
        return dtype == DType.Int8 ? Tensor.From(new sbyte[n]) : Tensor.From(new byte[n]);
    }

    private static int ZeroOf(Tensor zero) => zero.DType == DType.UInt8 ? zero.Contiguous().ToArray<byte>()[0] : zero.Contiguous().ToArray<sbyte>()[0];

    /// <summary>A float bias vector as int32 at scale inputScale * weightScale[o] (the scale ONNX Runtime gives an int32
    /// bias); a bias dequantised from int32 at that scale comes back exactly. Null when it is not a known float32 vector
    /// of one value per output or does not fit int32.</summary>
    private static Tensor? IntegerBias(Tensor? bias, Tensor inputScale, Tensor weightScale, int outputs)
    {
        if (bias is null || bias.DType != DType.Float32 || bias.Rank != 1 || bias.Shape[0] != outputs) return null;
        float sx = inputScale.Contiguous().ToArray<float>()[0];
        var sw = weightScale.Contiguous().ToArray<float>();
        var b = bias.Contiguous().ToArray<float>();
        var q = new int[outputs];
        for (int o = 0; o < outputs; o++)
        {
            float scale = sx * sw[sw.Length == 1 ? 0 : o];
            double v = Math.Round(b[o] / (double)scale, MidpointRounding.ToEven);
            if (!(scale > 0) || double.IsNaN(v) || v < int.MinValue || v > int.MaxValue) return null;
            q[o] = (int)v;
        }
        return Tensor.From(q);
    }
}
