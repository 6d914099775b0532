namespace Eager;

/// <summary>
/// Evaluates, once at compile time, every node whose inputs are all constants, with the op's own kernel, and
/// puts a Const in its place. Stateful nodes, nodes with control inputs, control flow and nodes whose result
/// would be much larger than their inputs (a broadcast or tile of a scalar) are left alone. A kernel that throws
/// leaves its node in place, so the error still surfaces when the graph runs, as it would unoptimised.
/// </summary>
public sealed class ConstantFolding : GraphPass
{
    /// <summary>Results above this many bytes are not folded (TensorFlow's limit is 10 MB).</summary>
    public long MaxConstantBytes { get; init; } = 16L << 20;

    /// <inheritdoc/>
    public override string Name => "ConstantFolding";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        return GraphRebuild.Rewrite(graph, context, (rb, n, inputs) =>
        {
            var values = Foldable(n, inputs, context) ? Evaluate(n, inputs) : null;
            if (values is null) return false;
            var consts = new Tensor[values.Length];
            for (int k = 0; k < values.Length; k++)
            {
                var attrs = new Attrs { { "value", values[k] } };
                var spec = TensorSpec.Of(values[k]);
                consts[k] = values.Length == 1
                    ? rb.EmitNamed(n.Name, StateOps.ConstDef, [], attrs, [], [spec]).Outputs[0]
                    : rb.Emit($"{n.Name}/{k}", StateOps.ConstDef, [], attrs, [], [spec]).Outputs[0];
            }
            context.Note(Name, $"folded '{n.Name}' ({n.Op.Name}) into a constant");
            if (values.Length == 1) BindSameName(rb, n, consts[0]);
            else rb.Replace(n, consts);
            return true;
        }, out changed);
    }

    /// <summary>A single-output node becomes a Const of the same name (so a kept node stays kept).</summary>
    private static void BindSameName(GraphRebuild rb, Node n, Tensor constant) => rb.Bind(n, constant.Node!, [constant]);

    private bool Foldable(Node n, Tensor[] inputs, PassContext context)
    {
        if (n.Op.IsStateful || n.Op == StateOps.ConstDef || n.Op == GraphOps.PlaceholderDef || n.Outputs.Length == 0) return false;
        if (n.ControlInputs.Length > 0 || inputs.Length == 0) return false;
        if (n.Outputs.Length > 1 && context.IsKept(n)) return false;
        foreach (var kv in n.Attrs) if (kv.Value is Subgraph or Variable) return false;
        long inputBytes = 0;
        foreach (var t in inputs)
        {
            if (t.Node!.Op != StateOps.ConstDef) return false;
            inputBytes += (long)t.Shape.Size * t.DType.Size();
        }
        // With known output shapes, refuse blow-ups before computing anything.
        foreach (var o in n.Outputs)
        {
            if (!o.Shape.IsFullyDefined) continue;
            long bytes = (long)o.Shape.Size * o.DType.Size();
            if (TooLarge(bytes, inputBytes)) return false;
        }
        return true;
    }

    private bool TooLarge(long outputBytes, long inputBytes) =>
        outputBytes > MaxConstantBytes || (outputBytes > 1 << 16 && outputBytes > 4 * inputBytes);

    /// <summary>The node's values from its kernel, or null when it fails or gives something unexpected.</summary>
    private Tensor[]? Evaluate(Node n, Tensor[] inputs)
    {
        var values = new Tensor[inputs.Length];
        long inputBytes = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            values[i] = inputs[i].Node!.Attrs.Get<Tensor>("value");
            inputBytes += (long)values[i].Shape.Size * values[i].DType.Size();
        }
        Tensor[] results;
        try
        {
            using (Graph.EagerScope())
            using (GradientTape.NoGradient())
            {
                n.Op.Infer(values, n.Attrs);
                results = n.Op.Compute(values, n.Attrs);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or ArithmeticException)
        {
            return null;
        }
        if (results.Length != n.Outputs.Length) return null;
        for (int k = 0; k < results.Length; k++)
        {
            var r = results[k];
            var o = n.Outputs[k];
            if (r.IsSymbolic || r.DType != o.DType || !o.Shape.IsCompatibleWith(r.Shape)) return null;
            if (TooLarge((long)r.Shape.Size * r.DType.Size(), inputBytes)) return null;
            // A folded Transpose is a strided view; every run would copy it (an imported filter, OIHW to HWIO, on
            // every convolution call), so the constant is laid out once here.
            if (!r.IsContiguous) results[k] = r.Contiguous();
        }
        return results;
    }
}
