namespace Eager.Onnx.Import;

/// <summary>
/// ONNX operator importers, keyed by ONNX op type. This is ONNX's vocabulary mapped onto Eager ops
/// (the reverse of each op's own export mapping); each entry returns the node's outputs.
/// </summary>
internal static partial class OnnxOps
{
    public static readonly Dictionary<string, Func<ImportContext, Tensor[]>> Handlers = Build();

    private static Dictionary<string, Func<ImportContext, Tensor[]>> Build()
    {
        var h = new Dictionary<string, Func<ImportContext, Tensor[]>>(StringComparer.Ordinal);
        AddElementwise(h);
        AddShapeOps(h);
        AddShapeOps2(h);
        AddMath(h);
        AddNN(h);
        AddModelOps(h);
        AddIndexing(h);
        AddQuantization(h);
        AddRecurrent(h);
        AddControlFlow(h);
        return h;
    }

    private static void AddElementwise(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["Add"] = c => [Ops.Add(c.In(0), c.In(1))];
        h["Sub"] = c => [Ops.Subtract(c.In(0), c.In(1))];
        h["Mul"] = c => [Ops.Multiply(c.In(0), c.In(1))];
        h["Div"] = c => [Ops.Divide(c.In(0), c.In(1))];
        h["Neg"] = c => [Ops.Negate(c.In(0))];
        h["Identity"] = c => [c.In(0)];
        h["MatMul"] = c => [MatMulNumpy(c.In(0), c.In(1))];
        h["Sum"] = c => [c.Inputs.Select((_, i) => c.In(i)).Aggregate(Ops.Add)];
    }

    private static void AddShapeOps(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["Constant"] = c =>
        {
            // Opset 12 added the scalar and list forms beside the tensor.
            if (c.TensorAttr("value") is { } t) return [t];
            if (c.Has("value_float")) return [Tensor.Scalar(c.Float("value_float", 0f))];
            if (c.Has("value_int")) return [Tensor.Scalar(c.Int("value_int", 0))];
            if (c.Floats("value_floats") is { } fs) return [Tensor.From(fs)];
            if (c.Ints("value_ints") is { } ls) return [Tensor.From(ls)];
            throw c.Unsupported("a Constant without a value, value_float(s) or value_int(s) (sparse or string constants)");
        };
        h["Reshape"] = c =>
        {
            var x = c.In(0);
            bool allowZero = c.Int("allowzero", 0) != 0;
            long?[] target = c.Opset >= 5
                ? KnownValues.Of(c.In(1)) ?? Enumerable.Repeat<long?>(null, c.In(1).Shape[0] >= 0 ? c.In(1).Shape[0] : 0).ToArray()
                : (c.Ints("shape") ?? throw c.Unsupported("Reshape without a shape")).Select(v => (long?)v).ToArray();
            var dims = new int[target.Length];
            for (int i = 0; i < dims.Length; i++)
                dims[i] = target[i] is not { } v ? -1 : v == 0 && !allowZero ? (i < x.Rank ? x.Shape[i] : throw new ArgumentException($"Reshape: a 0 at {i} copies a dimension the input {x.Shape} does not have."))
                    : v is < -1 or > int.MaxValue ? throw new ArgumentException($"Reshape: target dimension {v} at {i} is out of range.") : (int)v;
            if (dims.Count(d => d == -1) <= 1 && (c.Opset < 5 || c.In(1).Shape[0] == dims.Length)) return [Ops.Reshape(x, dims)];
            // Two or more entries known only at run time: the shape tensor goes to the graph.
            var known = target.Select((v, i) => v is null || v == -1 ? -1 : dims[i]).ToArray();
            return [Ops.Reshape(x, c.In(1), copyZeros: !allowZero, knownDims: known)];
        };
    }

    /// <summary>ONNX MatMul follows numpy.matmul: 1-D operands are promoted and the added dim removed.</summary>
    private static Tensor MatMulNumpy(Tensor a, Tensor b)
    {
        bool va = a.Rank == 1, vb = b.Rank == 1;
        if (va) a = Ops.ExpandDims(a, 0);
        if (vb) b = Ops.ExpandDims(b, 1);
        var r = Ops.MatMul(a, b);
        if (va && vb) return Ops.Reshape(r, []);
        if (va) return Ops.Squeeze(r, r.Rank - 2);
        if (vb) return Ops.Squeeze(r, r.Rank - 1);
        return r;
    }
}
