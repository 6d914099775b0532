namespace Eager;

/// <summary>
/// Rewrites nodes into cheaper equal forms (TensorFlow Grappler's arithmetic optimiser in small), by the identities each
/// op declares beside its definition (<see cref="OpDef.Rewrites"/>): x * 1, x + 0, x - 0 and x / 1 become x (when the
/// constant does not broadcast x to a larger shape); -(-x) becomes x; x - (-y) becomes x + y; x / c becomes
/// x * (1 / c); (x * c1) * c2 becomes x * (c1 * c2); transposes and reshapes of their own kind merge; small integer
/// powers become multiplications; a @ b + a @ c becomes a @ (b + c) (the gradient of a Gram matrix: one product
/// of the large operand instead of two, and no third large buffer for their sum); Identity, StopGradient and casts to the same dtype disappear. The first rule of a
/// node's op that applies wins. Nodes with control inputs are left alone, so every ordering the graph asks for survives.
/// </summary>
public sealed class ArithmeticSimplification : GraphPass
{
    /// <inheritdoc/>
    public override string Name => "ArithmeticSimplification";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        GraphUses? uses = null;
        bool SoleUse(Tensor t) =>
            t.Node is { } p && p.Outputs.Length == 1 && !context.IsKept(p) &&
            (uses ??= new GraphUses(graph)).Count(t) == 1 && uses.ControlCount(p) == 0;
        return GraphRebuild.Rewrite(graph, context, (rb, n, inputs) =>
        {
            var rewrite = n.ControlInputs.Length == 0 && !n.Op.IsStateful && n.Outputs.Length == 1 ? Simplify(n, inputs, rb, SoleUse) : null;
            if (rewrite is null) return false;
            context.Note(Name, $"'{n.Name}' ({n.Op.Name}): {rewrite.What}");
            if (rewrite.Tensor is { } t) rb.Replace(n, t);
            else
            {
                var specs = rewrite.Op!.Infer(rewrite.Inputs!, rewrite.Attrs!);
                var m = rb.EmitNamed(n.Name, rewrite.Op, rewrite.Inputs!, rewrite.Attrs!, [], specs);
                rb.Bind(n, m, m.Outputs);
            }
            return true;
        }, out changed);
    }

    private static Rewrite? Simplify(Node n, Tensor[] inputs, GraphRebuild rb, Func<Tensor, bool> soleUse)
    {
        if (n.Op.Rewrites.Count == 0) return null;
        var site = new RewriteSite(n, inputs, rb, soleUse);
        foreach (var rule in n.Op.Rewrites)
            if (rule(site) is { } r) return r;
        return null;
    }
}
