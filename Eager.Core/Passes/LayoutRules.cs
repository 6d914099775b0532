namespace Eager;

/// <summary>
/// Which ops compute the same values in any layout, given their axis attributes permuted, for
/// <see cref="LayoutPropagation"/>: element-wise ops (<see cref="OpDef.IsElementwise"/>) whose operands are scalars,
/// constants or of the same rank, and ops that say in their own block how their attributes follow a permutation
/// (<see cref="OpDef.Relayout"/>: Concat, Split, Slice, Pad, reductions that keep their dimensions, Softmax).
/// </summary>
internal static class LayoutRules
{
    /// <summary>True when <paramref name="n"/> can run on operands of rank <paramref name="rank"/> held in another
    /// layout, and the pass may move it (no control edges, not stateful; a kept node has one output).</summary>
    public static bool IsAgnostic(Node n, int rank, GraphUses uses, PassContext context)
    {
        if (n.Op.IsStateful || n.ControlInputs.Length > 0 || uses.ControlCount(n) > 0) return false;
        if (context.IsKept(n) && n.Outputs.Length != 1) return false;
        if (n.Inputs.Length == 0 || n.Outputs.Length == 0 || PendingAxes.IsPending(n.Attrs)) return false;
        foreach (var o in n.Outputs) if (o.Shape.IsUnknownRank || o.Rank != rank) return false;
        var op = n.Op;
        if (op.IsElementwise)
        {
            // Operands from outside the region must be scalars, constants (broadcast after a permute) or full rank.
            foreach (var t in n.Inputs)
            {
                if (t.Shape.IsUnknownRank || t.Rank > rank) return false;
                if (t.Rank != rank && t.Rank != 0 && !ReferenceEquals(t.Node!.Op, StateOps.ConstDef)) return false;
            }
            return true;
        }
        if (op.Relayout is null) return false;
        foreach (var t in n.Inputs) if (t.Shape.IsUnknownRank || t.Rank != rank) return false;
        return op.Relayout(n, Identity(rank)) is not null;
    }

    private static int[] Identity(int rank)
    {
        var perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        return perm;
    }

    /// <summary>The attributes of <paramref name="n"/> for operands held as t' with t = Transpose(t', perm): axis i of t
    /// is axis perm[i] of t' (the op's own <see cref="OpDef.Relayout"/>; element-wise ops keep theirs).</summary>
    public static Attrs Remap(Node n, int[] perm) =>
        n.Op.Relayout?.Invoke(n, perm) ?? n.Attrs;

    /// <summary>The last reshape of a channel resize starting at <paramref name="first"/>, or null.</summary>
    public static Node? ChannelResizeFrom(Node first, GraphUses uses)
    {
        if (!ReferenceEquals(first.Op, ArrayOps.ReshapeDef) || uses.Count(first.Outputs[0]) != 1) return null;
        var resize = uses.Of(first.Outputs[0])[0].Node;
        if (!ReferenceEquals(resize.Op, ResizeOps.ResizeDef) || uses.Count(resize.Outputs[0]) != 1) return null;
        return uses.Of(resize.Outputs[0])[0].Node;
    }

    /// <summary>True when <paramref name="back"/> ends Reshape [N, C, H, W] -> [N*C, H, W, 1], Resize, Reshape -> [N, C, h, w]
    /// (how the importer resizes NCHW images without transposes), with nothing else reading the steps between.</summary>
    public static bool IsChannelResize(Node back, GraphUses uses, PassContext context, out Node first, out Node resize)
    {
        first = resize = back;
        if (!ReferenceEquals(back.Op, ArrayOps.ReshapeDef) || back.ControlInputs.Length > 0 || uses.ControlCount(back) > 0) return false;
        resize = back.Inputs[0].Node!;
        if (!ReferenceEquals(resize.Op, ResizeOps.ResizeDef) || !Private(resize, uses, context)) return false;
        first = resize.Inputs[0].Node!;
        if (!ReferenceEquals(first.Op, ArrayOps.ReshapeDef) || !Private(first, uses, context)) return false;
        var x = first.Inputs[0].Shape; var flat = first.Outputs[0].Shape; var y = resize.Outputs[0].Shape; var z = back.Outputs[0].Shape;
        if (x.IsUnknownRank || x.Rank != 4 || z.IsUnknownRank || z.Rank != 4 || x[0] < 0 || x[1] < 0) return false;
        return flat.Rank == 4 && flat[0] == x[0] * x[1] && flat[1] == x[2] && flat[2] == x[3] && flat[3] == 1
            && z[0] == x[0] && z[1] == x[1] && z[2] == y[1] && z[3] == y[2];
    }

    /// <summary>A node only its single consumer reads, which the pass may drop.</summary>
    private static bool Private(Node n, GraphUses uses, PassContext context) =>
        !context.IsKept(n) && n.ControlInputs.Length == 0 && uses.ControlCount(n) == 0 && uses.Count(n.Outputs[0]) == 1;
}
