namespace Eager;

/// <summary>
/// Fuses a matrix product or a convolution (an op with a <see cref="OpDef.FusedForm"/>) with the bias added to it and
/// the activation after it (Grappler's remapper): MatMul -> BiasAdd (or Add of a rank-1 bias) -> an epilogue activation
/// (<see cref="LaneDef.IsEpilogue"/>) becomes one FusedMatMul, and likewise Conv2D into FusedConv2D, so the bias and activation are applied to each row of the product while it
/// is still in cache, with no intermediate tensors. Either tail step may be missing. Intermediates must have no other
/// reader and not be kept; the fused node takes the name of the last node it replaces.
/// </summary>
public sealed class ContractionFusion : GraphPass
{
    /// <inheritdoc/>
    public override string Name => "ContractionFusion";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var uses = new GraphUses(graph);
        var chains = new Dictionary<Node, Chain>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
            if (Match(n, uses, context) is { } c) chains[c.Last] = c;
        changed = chains.Count > 0;
        if (!changed) return graph;
        var absorbed = new HashSet<Node>(chains.Values.SelectMany(c => new[] { c.Product, c.Bias }.Where(x => x is not null && x != c.Last))!, ReferenceEqualityComparer.Instance);
        var rb = new GraphRebuild(graph, context);
        foreach (var n in graph.Nodes)
        {
            if (absorbed.Contains(n)) { rb.Drop(n); continue; }
            if (!chains.TryGetValue(n, out var c)) { rb.Copy(n); continue; }
            var product = c.Product;
            var fusedOp = product.Op.FusedForm!();
            var attrs = product.Attrs.With("activation", c.Activation);
            Tensor[] inputs = c.BiasValue is null
                ? [rb.Map(product.Inputs[0]), rb.Map(product.Inputs[1])]
                : [rb.Map(product.Inputs[0]), rb.Map(product.Inputs[1]), rb.Map(c.BiasValue)];
            var fused = rb.EmitNamed(n.Name, fusedOp, inputs, attrs, [], [TensorSpec.Of(n.Outputs[0])]);
            rb.Bind(n, fused, fused.Outputs);
            context.Note(Name, $"fused '{product.Name}'{(c.Bias is null ? "" : $", '{c.Bias.Name}'")}{(c.Activation == "None" ? "" : $" and {c.Activation}")} into '{n.Name}' ({fusedOp.Name})");
        }
        return rb.Target;
    }

    /// <summary>A product, its optional bias node (and the bias tensor), and the activation ending the chain.</summary>
    private sealed record Chain(Node Product, Node? Bias, Tensor? BiasValue, string Activation, Node Last);

    /// <summary>The longest chain starting at <paramref name="n"/>, or null when there is nothing to fuse.</summary>
    private static Chain? Match(Node n, GraphUses uses, PassContext context)
    {
        if (n.Op.FusedForm is null || !Plain(n) || !n.Outputs[0].DType.IsFloating) return null;
        Node last = n;
        Node? biasNode = null;
        Tensor? bias = null;
        if (SoleReader(last, uses, context) is { } b && Plain(b) && BiasOf(b, last.Outputs[0]) is { } bv)
        {
            (biasNode, bias, last) = (b, bv, b);
        }
        string activation = "None";
        if (SoleReader(last, uses, context) is { } act && Plain(act) && FusedEpilogue.ActivationOf(act.Op) is { } name)
        {
            activation = name;
            last = act;
        }
        return last == n ? null : new Chain(n, biasNode, bias, activation, last);
    }

    private static bool Plain(Node n) => n.ControlInputs.Length == 0 && n.Outputs.Length == 1;

    /// <summary>The only node reading <paramref name="n"/>'s output, when nothing else depends on it and it is not kept.</summary>
    private static Node? SoleReader(Node n, GraphUses uses, PassContext context)
    {
        if (context.IsKept(n) || uses.ControlCount(n) > 0) return null;
        var readers = uses.Of(n.Outputs[0]);
        return readers.Count == 1 ? readers[0].Node : null;
    }

    /// <summary>The bias of BiasAdd(z, bias) or Add(z, bias) / Add(bias, z) with a rank-1 bias as long as z's last dimension.</summary>
    private static Tensor? BiasOf(Node b, Tensor z)
    {
        if (b.Op == NNOps.BiasAddDef) return ReferenceEquals(b.Inputs[0], z) ? b.Inputs[1] : null;
        if (b.Op != MathOps.AddDef) return null;
        var other = ReferenceEquals(b.Inputs[0], z) ? b.Inputs[1] : ReferenceEquals(b.Inputs[1], z) ? b.Inputs[0] : null;
        if (other is null || ReferenceEquals(other, z) || other.Rank != 1 || z.Rank < 1) return null;
        int d = z.Shape[-1];
        return d >= 0 && other.Shape[0] == d && b.Outputs[0].Shape == z.Shape ? other : null;
    }
}
