namespace Eager;

/// <summary>
/// Which ops compute the same values in any layout, given their axis attributes permuted, for
/// <see cref="LayoutPropagation"/>: element-wise ops (the ops with lanes, and Cast, Identity and HardSigmoid, which have none) whose operands are
/// scalars, constants or of the same rank; Concat and Split along an axis; Slice; Pad; reductions that keep their
/// dimensions; Softmax and LogSoftmax.
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
        if (op.Lanes is not null || ReferenceEquals(op, CompareOps.CastDef) || ReferenceEquals(op, StateOps.IdentityDef)
            || ReferenceEquals(op, ActivationOps.HardSigmoidDef))
        {
            // Operands from outside the region must be scalars, constants (broadcast after a permute) or full rank.
            foreach (var t in n.Inputs)
            {
                if (t.Shape.IsUnknownRank || t.Rank > rank) return false;
                if (t.Rank != rank && t.Rank != 0 && !ReferenceEquals(t.Node!.Op, StateOps.ConstDef)) return false;
            }
            return true;
        }
        foreach (var t in n.Inputs) if (t.Shape.IsUnknownRank || t.Rank != rank) return false;
        if (ReferenceEquals(op, ArrayOps.ConcatDef) || ReferenceEquals(op, ArrayOps.SplitDef)
            || ReferenceEquals(op, NNOps.SoftmaxDef) || ReferenceEquals(op, NNOps.LogSoftmaxDef))
            return n.Inputs.Length >= 1 && n.Attrs.Has("axis");
        if (ReferenceEquals(op, ArrayOps.SliceDef)) return n.Inputs.Length == 1;
        if (ReferenceEquals(op, ArrayOps.PadDef)) return n.Inputs.Length == 1 && n.Attrs.Ints("paddings").Length == 2 * rank;
        if (IsReduction(op))
            return n.Inputs.Length == 1 && n.Attrs.Has("axes") && n.Attrs.Has("keepDims") && n.Attrs.Bool("keepDims");
        return false;
    }

    private static bool IsReduction(OpDef op) =>
        ReferenceEquals(op, ReductionOps.ReduceSumDef) || ReferenceEquals(op, ReductionOps.ReduceMeanDef)
        || ReferenceEquals(op, ReductionOps.ReduceMaxDef) || ReferenceEquals(op, ReductionOps.ReduceMinDef)
        || ReferenceEquals(op, ReductionOps.ReduceProdDef);

    /// <summary>The attributes of <paramref name="n"/> for operands held as t' with t = Transpose(t', perm): axis i of t
    /// is axis perm[i] of t'.</summary>
    public static Attrs Remap(Node n, int[] perm)
    {
        var a = n.Attrs;
        int rank = perm.Length;
        var op = n.Op;
        if (ReferenceEquals(op, ArrayOps.ConcatDef) || ReferenceEquals(op, ArrayOps.SplitDef)
            || ReferenceEquals(op, NNOps.SoftmaxDef) || ReferenceEquals(op, NNOps.LogSoftmaxDef))
        {
            int axis = a.Int("axis");
            if (axis < 0) axis += rank;
            return a.With("axis", perm[axis]);
        }
        if (ReferenceEquals(op, ArrayOps.SliceDef))
            return a.With("begin", Permute(a.Ints("begin"), perm)).With("size", Permute(a.Ints("size"), perm));
        if (ReferenceEquals(op, ArrayOps.PadDef))
        {
            var p = a.Ints("paddings");
            var q = new int[p.Length];
            for (int i = 0; i < rank; i++) { q[2 * perm[i]] = p[2 * i]; q[2 * perm[i] + 1] = p[2 * i + 1]; }
            return a.With("paddings", q);
        }
        if (IsReduction(op))
        {
            var axes = a.Ints("axes").Select(x => perm[x < 0 ? x + rank : x]).Order().ToArray();
            return a.With("axes", axes);
        }
        return a;
    }

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

    /// <summary>Per-axis values moved to the axes they have in the permuted layout.</summary>
    private static int[] Permute(int[] values, int[] perm)
    {
        var r = new int[values.Length];
        for (int i = 0; i < perm.Length; i++) r[perm[i]] = values[i];
        return r;
    }
}
