namespace Eager;

/// <summary>
/// Axis attributes of an op built on an input of unknown rank (a placeholder made without a shape). Negative axes and
/// "all axes" cannot be turned into the positive axes the kernels read until the rank is known, so such a node keeps
/// the axes as the caller wrote them, marked pending; when a Session specialises the graph for the fed ranks
/// (<see cref="GraphCopy.Specialize"/>) the marker goes and the axes are normalised against the node's first input.
/// Shape inference reads the raw axes (it only runs on such a node to learn its output dtypes), and gradient rules pass
/// them on with <see cref="Axes"/>, so a gradient built before the rank is known is resolved the same way.
/// </summary>
internal static class PendingAxes
{
    /// <summary>The marker attribute: "axes" (a list of raw axes), "all" (every axis) or "axis" (one raw axis).</summary>
    public const string Marker = "pendingAxes";

    /// <summary>Attributes of a reduction over <paramref name="axes"/> (null: all) of an input of unknown rank.</summary>
    public static Attrs Reduction(int[]? axes, bool keepDims) =>
        new() { { "axes", axes is null ? [] : (int[])axes.Clone() }, { "keepDims", keepDims }, { Marker, axes is null ? "all" : "axes" } };

    /// <summary>Attributes of an op over <paramref name="axes"/> (a list, no other attributes) of an input of unknown rank.</summary>
    public static Attrs List(int[] axes) => new() { { "axes", (int[])axes.Clone() }, { Marker, "axes" } };

    /// <summary>Attributes of an op along one <paramref name="axis"/> of an input of unknown rank.</summary>
    public static Attrs Axis(int axis) => new() { { "axis", axis }, { Marker, "axis" } };

    /// <summary>True when the node's axes wait for the rank.</summary>
    public static bool IsPending(Attrs a) => a.Has(Marker);

    /// <summary>The axes to pass on to another reduction (a gradient rule): null for all axes, otherwise the axes as stored
    /// (normalised on a resolved node, raw on a pending one).</summary>
    public static int[]? Axes(Attrs a) => a.Has(Marker) && a.String(Marker) == "all" ? null : a.Ints("axes");

    /// <summary>The axes-only attributes of <paramref name="a"/> (marker included) for a helper op over the same axes.</summary>
    public static Attrs AxesOnly(Attrs a)
    {
        var r = new Attrs { { "axes", a.Ints("axes") } };
        if (a.Has(Marker)) r.Add(Marker, a.String(Marker));
        return r;
    }

    /// <summary>Normalises pending axes against <paramref name="input"/>'s now known shape; other attributes are returned
    /// unchanged (also while the rank is still unknown).</summary>
    /// <exception cref="ArgumentException">An axis is out of range or repeated for the fed rank (naming the op).</exception>
    public static Attrs Resolve(string op, Shape input, Attrs a)
    {
        if (!a.Has(Marker) || input.IsUnknownRank) return a;
        var kind = a.String(Marker);
        var r = new Attrs();
        foreach (var (k, v) in a)
            if (k != Marker) r.Add(k, v);
        if (kind == "axis") r["axis"] = input.NormalizeAxis(a.Int("axis"), op);
        else r["axes"] = ReductionOps.NormalizeAxes(op, input, kind == "all" ? null : a.Ints("axes"));
        return r;
    }
}
