using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Ops that rearrange axes without touching values: transpose, squeeze, broadcast, tile.</summary>
public static partial class Ops
{
    /// <summary>Permutes the axes: output axis i is input axis perm[i]. Null perm reverses the axes (a matrix
    /// transpose for rank 2). Returns a view sharing storage.</summary>
    /// <exception cref="ArgumentException">perm is not a permutation of the input's axes.</exception>
    public static Tensor Transpose(Tensor x, int[]? perm = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (perm is null && x.Shape.IsUnknownRank)
            throw new ArgumentException($"Transpose: the input {x.DType.Name()}{x.Shape} has unknown rank (a placeholder made without a shape), so the axes to reverse are unknown; pass perm, or give the placeholder a shape.");
        perm ??= Enumerable.Range(0, x.Rank).Reverse().ToArray();
        return Dispatcher.Apply1(TransposeDef, new Attrs { { "perm", (int[])perm.Clone() } }, x);
    }

    /// <summary>Removes size-1 axes: those listed, or every axis of (statically known) size 1 when
    /// <paramref name="axes"/> is null. A view sharing storage.</summary>
    /// <exception cref="ArgumentException">An axis is out of range, repeated, or not of size 1.</exception>
    public static Tensor Squeeze(Tensor x, int[]? axes = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.IsUnknownRank)
        {
            if (axes is null)
                throw new ArgumentException($"Squeeze: the input {x.DType.Name()}{x.Shape} has unknown rank (a placeholder made without a shape), so its size-1 axes are unknown; pass the axes, or give the placeholder a shape.");
            return Dispatcher.Apply1(SqueezeDef, PendingAxes.List(axes), x);
        }
        // Resolved now, from the static shape, so a graph's unknown dims are never squeezed by surprise.
        var resolved = axes is null
            ? Enumerable.Range(0, x.Rank).Where(i => x.Shape[i] == 1).ToArray()
            : ReductionOps.NormalizeAxes(SqueezeName, x.Shape, axes);
        return Dispatcher.Apply1(SqueezeDef, new Attrs { { "axes", resolved } }, x);
    }

    /// <summary>Removes one size-1 axis.</summary>
    public static Tensor Squeeze(Tensor x, int axis) => Squeeze(x, [axis]);

    /// <summary>Broadcasts x to <paramref name="shape"/> (NumPy rules) as a zero-stride view; no data is copied.</summary>
    /// <exception cref="ArgumentException">The shapes are not broadcast-compatible.</exception>
    public static Tensor BroadcastTo(Tensor x, Shape shape) => Dispatcher.Apply1(BroadcastToDef, new Attrs { { "shape", shape.ToArray() } }, x);

    /// <summary>Repeats x: output dimension i is x.Shape[i] * multiples[i] (TensorFlow's tile).</summary>
    /// <exception cref="ArgumentException">multiples does not have one non-negative entry per axis.</exception>
    public static Tensor Tile(Tensor x, params int[] multiples) => Dispatcher.Apply1(TileDef, new Attrs { { "multiples", (int[])multiples.Clone() } }, x);
}

internal static partial class ArrayOps
{
    /// <summary>Checks that perm is a permutation of the axes of <paramref name="s"/>; returns it normalised.</summary>
    private static int[] CheckPerm(Shape s, int[] perm)
    {
        if (perm.Length != s.Rank)
            throw new ArgumentException($"Transpose: perm {ArrayText.Of(perm)} has {perm.Length} entries, but the input of shape {s} has rank {s.Rank}; expected a permutation of 0..{s.Rank - 1}.");
        var seen = new bool[s.Rank];
        var norm = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            int p = perm[i] < 0 ? perm[i] + s.Rank : perm[i];
            if ((uint)p >= (uint)s.Rank || seen[p])
                throw new ArgumentException($"Transpose: perm {ArrayText.Of(perm)} is not a permutation of 0..{s.Rank - 1} (input shape {s}).");
            seen[p] = true;
            norm[i] = p;
        }
        return norm;
    }

    internal const string TransposeName = "Transpose";
    internal static readonly OpDef TransposeDef = new(TransposeName,
        (x, a) =>
        {
            var perm = CheckPerm(x[0].Shape, a.Ints("perm"));
            return [new TensorSpec(Shape.Wrap(perm.Select(p => x[0].Shape[p]).ToArray()), x[0].DType)];
        },
        (x, a) => [ArrayLayout.Permute(x[0], CheckPerm(x[0].Shape, a.Ints("perm")))])
    {
        Gradient = c =>
        {
            var raw = c.Attrs.Ints("perm");
            // perm's length is the rank, also when the input's rank was unknown as the graph was built.
            var shape = c.X(0).Shape.IsUnknownRank ? new Shape([.. Enumerable.Repeat(-1, raw.Length)]) : c.X(0).Shape;
            var perm = CheckPerm(shape, raw);
            var inverse = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
            return [Transpose(c.Grad, inverse)];
        },
        Rewrites = [TransposeRewrite],
        Onnx = e => e.Add("Transpose", [e.Input(0)], [e.Output(0)], ("perm", e.Node.Attrs.Ints("perm"))),
    };

    /// <summary>A transpose by the identity disappears; a transpose of a transpose becomes one transpose (or none).</summary>
    private static Rewrite? TransposeRewrite(RewriteSite s)
    {
        var x = s.X(0);
        int rank = x.Rank;
        var outer = NormalizedPerm(s.Node.Attrs.Ints("perm"), rank);
        if (IsIdentityPerm(outer)) return Rewrite.To("transpose by the identity removed", x);
        if (RewriteSite.Producer(x, TransposeDef!) is not { } inner) return null;
        var first = NormalizedPerm(inner.Attrs.Ints("perm"), rank);
        // Output axis i of the outer transpose is its input's axis outer[i], which is the original axis first[outer[i]].
        var combined = outer.Select(p => first[p]).ToArray();
        if (IsIdentityPerm(combined)) return Rewrite.To("transpose of transpose -> x", inner.Inputs[0]);
        return Rewrite.ToOp("transpose of transpose -> one transpose", TransposeDef!, new Attrs { { "perm", combined } }, inner.Inputs[0]);
    }

    private static int[] NormalizedPerm(int[] perm, int rank) => [.. perm.Select(p => p < 0 ? p + rank : p)];

    private static bool IsIdentityPerm(int[] perm)
    {
        for (int i = 0; i < perm.Length; i++) if (perm[i] != i) return false;
        return true;
    }

    private static Shape SqueezedShape(Shape s, int[] axes)
    {
        foreach (var ax in axes)
            if (s[ax] != 1 && s[ax] != -1)
                throw new ArgumentException($"Squeeze: axis {ax} of shape {s} has size {s[ax]}; only size-1 axes can be squeezed.");
        return Shape.Wrap(Enumerable.Range(0, s.Rank).Where(i => Array.IndexOf(axes, i) < 0).Select(i => s[i]).ToArray());
    }

    internal const string SqueezeName = "Squeeze";
    internal static readonly OpDef SqueezeDef = new(SqueezeName,
        (x, a) => [new TensorSpec(SqueezedShape(x[0].Shape, ReductionOps.NormalizeAxes(SqueezeName, x[0].Shape, a.Ints("axes"))), x[0].DType)],
        (x, a) =>
        {
            var axes = ReductionOps.NormalizeAxes(SqueezeName, x[0].Shape, a.Ints("axes"));
            var shape = SqueezedShape(x[0].Shape, axes);
            var st = Enumerable.Range(0, x[0].Rank).Where(i => Array.IndexOf(axes, i) < 0).Select(i => x[0].Strides[i]).ToArray();
            return [x[0].View(shape, st, x[0].Offset)];
        })
    {
        Gradient = c => [ReshapeLike(c.Grad, c.X(0))],
        Onnx = e => e.Add("Squeeze", [e.Input(0), OnnxMap.Ints(e, "axes", e.Node.Attrs.Ints("axes"))], [e.Output(0)]),
    };

    private static Shape BroadcastTarget(Shape from, int[] to)
    {
        var target = Shape.Wrap(to);
        foreach (var d in to)
            if (d < 0) throw new ArgumentException($"BroadcastTo: target shape {target} has an unknown or negative dimension; use Ops.BroadcastLike for shapes known only at run time.");
        if (from.Rank > target.Rank || Broadcasting.Shape(BroadcastToName, from, target) != target)
            throw new ArgumentException($"BroadcastTo: shape {from} cannot be broadcast to {target} (each dimension must equal the target's or be 1, aligned from the right).");
        return target;
    }

    internal const string BroadcastToName = "BroadcastTo";
    internal static readonly OpDef BroadcastToDef = new(BroadcastToName,
        (x, a) => [new TensorSpec(BroadcastTarget(x[0].Shape, a.Ints("shape")), x[0].DType)],
        (x, a) => [BroadcastView(x[0], BroadcastTarget(x[0].Shape, a.Ints("shape")))])
    {
        Gradient = c => [Broadcasting.UnBroadcast(c.Grad, c.X(0))],
        Onnx = e => e.Add("Expand", [e.Input(0), OnnxMap.Ints(e, "shape", e.Node.Attrs.Ints("shape"))], [e.Output(0)]),
    };

    private static Shape TiledShape(Shape s, int[] multiples)
    {
        if (multiples.Length != s.Rank)
            throw new ArgumentException($"Tile: multiples {ArrayText.Of(multiples)} has {multiples.Length} entries; the input of shape {s} has rank {s.Rank}.");
        var dims = new int[s.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            if (multiples[i] < 0) throw new ArgumentException($"Tile: multiples {ArrayText.Of(multiples)} has a negative entry (input shape {s}).");
            dims[i] = s[i] < 0 ? -1 : checked(s[i] * multiples[i]);
        }
        return Shape.Wrap(dims);
    }

    internal const string TileName = "Tile";
    internal static readonly OpDef TileDef = new(TileName,
        (x, a) => [new TensorSpec(TiledShape(x[0].Shape, a.Ints("multiples")), x[0].DType)],
        (x, a) =>
        {
            var m = a.Ints("multiples");
            var shape = TiledShape(x[0].Shape, m);
            // View the input as [m0, d0, m1, d1, ...] with zero strides on the m axes; its row-major copy is the tiling.
            int r = x[0].Rank;
            var dims = new int[2 * r]; var st = new int[2 * r];
            for (int i = 0; i < r; i++) { dims[2 * i] = m[i]; dims[2 * i + 1] = x[0].Shape[i]; st[2 * i + 1] = x[0].Strides[i]; }
            var result = Tensor.Empty(shape, x[0].DType);
            ArrayLayout.CopyInto(x[0].View(Shape.Wrap(dims), st, x[0].Offset), result.View(Shape.Wrap(dims), Shape.Wrap(dims).ContiguousStrides(), 0));
            return [result];
        })
    {
        Gradient = c =>
        {
            var x = c.X(0); var m = c.Attrs.Ints("multiples");
            // Sum the copies: reshape the gradient to [m0, d0, m1, d1, ...] and reduce the m axes.
            var split = new List<int>(); var sumAxes = new List<int>();
            for (int i = 0; i < x.Rank; i++)
            {
                if (m[i] != 1) { sumAxes.Add(split.Count); split.Add(m[i]); }
                split.Add(x.Shape[i]);
            }
            // Reshape allows one unknown dim; otherwise sum the copies with the run-time shape.
            if (split.Count(d => d < 0) > 1) return [TileGrad(c.Grad, x, m)];
            return [ReshapeLike(ReduceSum(Reshape(c.Grad, [.. split]), [.. sumAxes]), x)];
        },
        Onnx = e => e.Add("Tile", [e.Input(0), OnnxMap.Ints(e, "repeats", e.Node.Attrs.Ints("multiples"))], [e.Output(0)]),
    };

    /// <summary>The gradient of Tile: the sum of the <paramref name="multiples"/> copies of x's shape in
    /// <paramref name="grad"/>, using x's run-time shape.</summary>
    internal static Tensor TileGrad(Tensor grad, Tensor x, int[] multiples) =>
        Dispatcher.Apply1(TileGradDef, new Attrs { { "multiples", (int[])multiples.Clone() } }, grad, x);

    internal const string TileGradName = "TileGrad";
    internal static readonly OpDef TileGradDef = new(TileGradName,
        (x, a) =>
        {
            var want = TiledShape(x[1].Shape, a.Ints("multiples"));
            if (!want.IsCompatibleWith(x[0].Shape) || x[0].DType != x[1].DType || !x[0].DType.IsNumeric)
                throw new ArgumentException($"TileGrad: the gradient is {x[0].DType.Name()}{x[0].Shape}, but tiling {x[1].DType.Name()}{x[1].Shape} by {ArrayText.Of(a.Ints("multiples"))} gives {want}.");
            return [TensorSpec.Of(x[1])];
        },
        (x, a) =>
        {
            var (g, like, m) = (x[0].Contiguous(), x[1], a.Ints("multiples"));
            int r = like.Rank;
            var dims = new int[2 * r];
            for (int i = 0; i < r; i++) { dims[2 * i] = m[i]; dims[2 * i + 1] = like.Shape[i]; }
            var split = Shape.Wrap(dims);
            var view = g.View(split, split.ContiguousStrides(), g.Offset);
            var copies = Enumerable.Range(0, r).Select(i => 2 * i).ToArray();
            return [ReductionOps.ReduceWith<Kernels.Reduce.SumOp<float>, Kernels.Reduce.SumOp<double>, Kernels.Reduce.SumOp<int>, Kernels.Reduce.SumOp<long>>(view, copies, false)];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [Tile(c.Grad, c.Attrs.Ints("multiples")), null],
    };
}

/// <summary>Formats int lists for error messages: "(1, 2, 3)".</summary>
internal static class ArrayText
{
    public static string Of(IEnumerable<int> values) => "(" + string.Join(", ", values) + ")";
}
