namespace Eager;

/// <summary>
/// The ways an op's attributes follow its operands into another layout (<see cref="OpDef.Relayout"/>), for the op
/// blocks to name. Each takes a node and a permutation (axis i of the node's operands is axis perm[i] of the tensors
/// actually held) and gives the node's attributes for the held tensors, or null when this node cannot move.
/// </summary>
internal static class Relayouts
{
    /// <summary>Ops along one "axis" attribute (Concat, Split, Softmax).</summary>
    public static Attrs? Axis(Node n, int[] perm)
    {
        if (n.Inputs.Length < 1 || !n.Attrs.Has("axis")) return null;
        int axis = n.Attrs.Int("axis");
        if (axis < 0) axis += perm.Length;
        return n.Attrs.With("axis", perm[axis]);
    }

    /// <summary>Reductions over "axes" that keep their dimensions (without keepDims the result's layout changes rank).</summary>
    public static Attrs? KeptReduction(Node n, int[] perm)
    {
        var a = n.Attrs;
        if (n.Inputs.Length != 1 || !a.Has("axes") || !a.Has("keepDims") || !a.Bool("keepDims")) return null;
        int rank = perm.Length;
        return a.With("axes", a.Ints("axes").Select(x => perm[x < 0 ? x + rank : x]).Order().ToArray());
    }

    /// <summary>Slice with constant "begin" and "size" attributes.</summary>
    public static Attrs? SliceBounds(Node n, int[] perm) =>
        n.Inputs.Length != 1 ? null : n.Attrs.With("begin", Permute(n.Attrs.Ints("begin"), perm)).With("size", Permute(n.Attrs.Ints("size"), perm));

    /// <summary>Pad with constant "paddings" (two per axis).</summary>
    public static Attrs? Paddings(Node n, int[] perm)
    {
        int rank = perm.Length;
        var p = n.Attrs.Ints("paddings");
        if (n.Inputs.Length != 1 || p.Length != 2 * rank) return null;
        var q = new int[p.Length];
        for (int i = 0; i < rank; i++) { q[2 * perm[i]] = p[2 * i]; q[2 * perm[i] + 1] = p[2 * i + 1]; }
        return n.Attrs.With("paddings", q);
    }

    private static int[] Permute(int[] values, int[] perm)
    {
        var r = new int[values.Length];
        for (int i = 0; i < perm.Length; i++) r[perm[i]] = values[i];
        return r;
    }
}
