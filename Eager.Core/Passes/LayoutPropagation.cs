namespace Eager;

/// <summary>
/// Removes the transposes that move activations between layouts (ONNX Runtime's transpose optimiser, TensorFlow
/// Grappler's layout optimiser in small). An imported NCHW model runs Eager's NHWC convolutions and pools between a
/// transpose to NHWC and one back; the element-wise ops, normalisations, concatenations, pads, slices, reductions and
/// softmaxes between two convolutions do not care which layout they see. This pass grows a region of such ops from a
/// transpose, computes the whole region in the transposed layout (axes, pads, slice bounds and broadcast constants
/// permuted to match) and drops the transposes at its edges, keeping one back only where a consumer outside the
/// region reads the original layout. A region is rewritten only when fewer transposes run afterwards; results are
/// unchanged (element-wise ops compute the same values, reductions only add in another order).
/// </summary>
public sealed class LayoutPropagation : GraphPass
{
    /// <inheritdoc/>
    public override string Name => "LayoutPropagation";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        changed = false;
        // Every applied region runs at least one transpose fewer, so this ends; the bound is a guard.
        for (int round = 0; round < 1000; round++)
        {
            var regions = LayoutRegion.FindAll(graph, context);
            if (regions.Count == 0) break;
            foreach (var r in regions)
                context.Note(Name, $"{r.Nodes.Count} nodes computed under perm [{string.Join(", ", r.Perm)}]: {r.Gain} fewer elements transposed");
            graph = Apply(graph, context, regions);
            changed = true;
        }
        if (changed) GraphUses.RemoveDead(graph, context);
        return graph;
    }

    private enum Role { Entry, Exit, Member, Dropped }

    private static Graph Apply(Graph graph, PassContext context, List<LayoutRegion> regions)
    {
        var rb = new GraphRebuild(graph, context);
        var roles = new Dictionary<Node, (LayoutRegion Region, Role Role)>(ReferenceEqualityComparer.Instance);
        foreach (var r in regions)
        {
            foreach (var n in r.Entries) roles[n] = (r, Role.Entry);
            foreach (var n in r.Exits) roles[n] = (r, Role.Exit);
            foreach (var n in r.Nodes) roles[n] = (r, Role.Member);
            foreach (var n in r.Dropped) roles[n] = (r, Role.Dropped);
        }
        // Source tensor of a region -> the target tensor holding it in the region's layout.
        var primed = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
        {
            if (!roles.TryGetValue(n, out var role)) { rb.Copy(n); continue; }
            var r = role.Region;
            switch (role.Role)
            {
                case Role.Entry:
                    primed[n.Outputs[0]] = rb.Map(n.Inputs[0]);
                    if (r.NeedOriginal.Contains(n.Outputs[0])) rb.Copy(n); else rb.Drop(n);
                    break;
                case Role.Dropped:
                    rb.Drop(n);
                    break;
                case Role.Exit:
                    {
                        var src = primed[n.Inputs[0]];
                        var perm = LayoutRegion.Compose(r.Perm, LayoutRegion.PermOf(n));
                        if (LayoutRegion.IsIdentity(perm)) rb.Replace(n, src);
                        else
                        {
                            var m = rb.EmitNamed(n.Name, ArrayOps.TransposeDef, [src], new Attrs { { "perm", perm } }, rb.MapControls(n), [TensorSpec.Of(n.Outputs[0])]);
                            rb.Bind(n, m, m.Outputs);
                        }
                        break;
                    }
                default:
                    {
                        var source = r.InputsOf(n);
                        var inputs = new Tensor[source.Length];
                        for (int i = 0; i < inputs.Length; i++)
                        {
                            var t = source[i];
                            inputs[i] = r.Tensors.Contains(t) ? primed[t] : Convert(rb, r, t);
                        }
                        // A channel resize becomes the Resize of its chain, run on the NHWC image.
                        bool chain = r.Composite.TryGetValue(n, out var steps);
                        var op = chain ? ResizeOps.ResizeDef : n.Op;
                        var attrs = chain ? steps.Resize.Attrs : LayoutRules.Remap(n, r.Perm);
                        // A kept node keeps its name and layout: the region's form gets a new name.
                        bool kept = context.IsKept(n);
                        var specs = op.Infer(inputs, attrs);
                        var m = kept ? rb.Emit($"{n.Name}/relayout", op, inputs, attrs, [], specs) : rb.EmitNamed(n.Name, op, inputs, attrs, [], specs);
                        var outs = new Tensor[n.Outputs.Length];
                        var transposeBack = new Attrs { { "perm", r.Perm } };
                        for (int i = 0; i < outs.Length; i++)
                        {
                            primed[n.Outputs[i]] = m.Outputs[i];
                            outs[i] = kept ? rb.EmitNamed(n.Name, ArrayOps.TransposeDef, [m.Outputs[i]], transposeBack, [], [TensorSpec.Of(n.Outputs[i])]).Outputs[0]
                                : r.NeedOriginal.Contains(n.Outputs[i]) ? rb.Emit($"{n.Name}/original_layout", ArrayOps.TransposeDef, [m.Outputs[i]], transposeBack).Outputs[0]
                                : m.Outputs[i];
                        }
                        rb.Bind(n, kept ? outs[0].Node : m, outs);
                        break;
                    }
            }
        }
        return rb.Target;
    }

    /// <summary>An operand from outside the region in the region's layout: a scalar as it is, a constant
    /// (right-aligned to the region's rank for broadcasting) transposed now, anything else by a transpose node.</summary>
    private static Tensor Convert(GraphRebuild rb, LayoutRegion r, Tensor t)
    {
        if (r.Converted.TryGetValue(t, out var done)) return done;
        var mapped = rb.Map(t);
        Tensor result;
        if (t.Rank == 0) result = mapped;
        else if (ReferenceEquals(t.Node!.Op, StateOps.ConstDef))
        {
            Tensor value;
            using (Graph.EagerScope())
            {
                value = t.Node.Attrs.Get<Tensor>("value");
                while (value.Rank < r.Perm.Length) value = Ops.ExpandDims(value, 0);
                value = Ops.Transpose(value, r.Inverse).Contiguous();
            }
            result = rb.Emit($"{t.Node.Name}/relayout", StateOps.ConstDef, [], new Attrs { { "value", value } }).Outputs[0];
        }
        else result = rb.Emit($"{t.Node.Name}/relayout", ArrayOps.TransposeDef, [mapped], new Attrs { { "perm", r.Inverse } }).Outputs[0];
        r.Converted[t] = result;
        return result;
    }
}
