using Eager.Kernels.Reduce;

namespace Eager;

/// <summary>Reductions over any set of axes, with keepDims.</summary>
public static partial class Ops
{
    /// <summary>Normalised, sorted, distinct axes; null means all axes.</summary>
    internal static int[] NormalizeAxes(string op, Shape shape, int[]? axes)
    {
        if (axes is null) return Enumerable.Range(0, shape.Rank).ToArray();
        var set = new SortedSet<int>();
        foreach (var ax in axes)
            if (!set.Add(shape.NormalizeAxis(ax, op))) throw new ArgumentException($"{op}: axis {ax} is repeated in ({string.Join(", ", axes)}) for shape {shape}.");
        return [.. set];
    }

    internal static Shape ReducedShape(Shape shape, int[] axes, bool keepDims)
    {
        var dims = new List<int>();
        for (int i = 0; i < shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(shape[i]);
            else if (keepDims) dims.Add(1);
        }
        return Shape.Wrap([.. dims]);
    }

    private static TensorSpec[] ReduceInfer(string op, Tensor[] x, Attrs a, bool numericOnly = true)
    {
        if (numericOnly && x[0].DType == DType.Bool) throw new ArgumentException($"{op}: bool tensor {x[0].Shape} cannot be reduced arithmetically; cast it first.");
        var axes = a.Ints("axes");
        foreach (var ax in axes) x[0].Shape.NormalizeAxis(ax, op);
        return [new TensorSpec(ReducedShape(x[0].Shape, axes, a.Bool("keepDims")), x[0].DType)];
    }

    /// <summary>Gathers x so the reduced axes are innermost: returns (contiguous copy, rows, rowLength).</summary>
    internal static (Tensor Data, int Rows, int RowLength) ReduceLayout(Tensor x, int[] axes)
    {
        var kept = Enumerable.Range(0, x.Rank).Where(i => Array.IndexOf(axes, i) < 0).ToArray();
        var perm = kept.Concat(axes).ToArray();
        int rowLen = 1;
        foreach (var ax in axes) rowLen *= x.Shape[ax];
        int rows = rowLen == 0 ? ReducedShape(x.Shape, axes, false).Size : x.Shape.Size / rowLen;
        var permShape = Shape.Wrap(perm.Select(p => x.Shape[p]).ToArray());
        var permStrides = perm.Select(p => x.Strides[p]).ToArray();
        var data = x.View(permShape, permStrides, x.Offset).Contiguous();
        return (data, rows, rowLen);
    }

    /// <summary>Restores the reduced axes of a gradient as size-1 dims, then broadcasts to x's shape.</summary>
    internal static Tensor ReduceGradBroadcast(Tensor grad, Tensor x, Attrs a)
    {
        var axes = NormalizeAxes("Reduce", x.Shape, a.Ints("axes"));
        var g = grad;
        if (!a.Bool("keepDims"))
        {
            // Kept dims may be unknown (-1) in a graph, so restore the reduced axes one at a time.
            foreach (var ax in axes) g = ExpandDims(g, ax);
        }
        return BroadcastLike(g, x);
    }

    internal static readonly OpDef ReduceSumDef = new("ReduceSum",
        (x, a) => ReduceInfer("ReduceSum", x, a),
        (x, a) =>
        {
            var axes = NormalizeAxes("ReduceSum", x[0].Shape, a.Ints("axes"));
            var outShape = ReducedShape(x[0].Shape, axes, a.Bool("keepDims"));
            var (data, rows, len) = ReduceLayout(x[0], axes);
            var r = Tensor.Empty(outShape, x[0].DType);
            switch (x[0].DType)
            {
                case DType.Float32: RowReduce.Sum<float>(data.Span<float>(), rows, len, r.Span<float>()); break;
                case DType.Float64: RowReduce.Sum<double>(data.Span<double>(), rows, len, r.Span<double>()); break;
                case DType.Int32: RowReduce.Sum<int>(data.Span<int>(), rows, len, r.Span<int>()); break;
                case DType.Int64: RowReduce.Sum<long>(data.Span<long>(), rows, len, r.Span<long>()); break;
            }
            data.KeepAlive();
            return [r];
        })
    {
        Gradient = c => [ReduceGradBroadcast(c.Grad, c.X(0), c.Attrs)],
    };

    /// <summary>Sum over <paramref name="axes"/> (all when null).</summary>
    public static Tensor ReduceSum(Tensor x, int[]? axes = null, bool keepDims = false) =>
        Dispatcher.Apply1(ReduceSumDef, new Attrs { { "axes", NormalizeAxes("ReduceSum", x.Shape, axes) }, { "keepDims", keepDims } }, x);

    /// <summary>Sum over one axis.</summary>
    public static Tensor ReduceSum(Tensor x, int axis, bool keepDims = false) => ReduceSum(x, [axis], keepDims);
}
