using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Shape-changing ops: views where the layout allows, copies otherwise.</summary>
public static partial class Ops
{
    /// <summary>Inserts a size-1 dimension at <paramref name="axis"/> (negative counts from the end).</summary>
    public static Tensor ExpandDims(Tensor x, int axis) => Dispatcher.Apply1(ExpandDimsDef, new Attrs { { "axis", axis } }, x);

    /// <summary>Reshapes x (a view when x is contiguous). One dimension may be -1.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => Dispatcher.Apply1(ReshapeDef, new Attrs { { "shape", (int[])shape.Clone() } }, x);

    /// <summary>Reshapes x to the (run-time) shape of <paramref name="like"/>.</summary>
    public static Tensor ReshapeLike(Tensor x, Tensor like) => Dispatcher.Apply1(ReshapeLikeDef, Attrs.Empty, x, like);

    /// <summary>Broadcasts x to the (run-time) shape of <paramref name="like"/>.</summary>
    public static Tensor BroadcastLike(Tensor x, Tensor like) => Dispatcher.Apply1(BroadcastLikeDef, Attrs.Empty, x, like);
}

internal static partial class ArrayOps
{
    /// <summary>Resolves a reshape target (one -1 allowed) against a source shape; unknown source dims give -1.</summary>
    internal static Shape ResolveReshape(string op, Shape from, int[] to)
    {
        int unknownAt = -1; long known = 1;
        for (int i = 0; i < to.Length; i++)
        {
            if (to[i] == -1)
            {
                if (unknownAt >= 0) throw new ArgumentException($"{op}: target shape ({string.Join(", ", to)}) has more than one -1.");
                unknownAt = i;
            }
            else if (to[i] < 0) throw new ArgumentException($"{op}: target shape ({string.Join(", ", to)}) has a negative dimension {to[i]}.");
            else known *= to[i];
        }
        var dims = (int[])to.Clone();
        int size = from.Size;
        if (size < 0) return Shape.Wrap(dims); // partially known input: leave the -1 to run time
        if (unknownAt >= 0)
        {
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"{op}: cannot reshape a tensor of shape {from} ({size} elements) to ({string.Join(", ", to)}).");
            dims[unknownAt] = (int)(size / known);
        }
        else if (known != size)
            throw new ArgumentException($"{op}: cannot reshape a tensor of shape {from} ({size} elements) to ({string.Join(", ", to)}) ({known} elements).");
        return Shape.Wrap(dims);
    }

    /// <summary>A view of x with a new shape over the same (contiguous) elements.</summary>
    internal static Tensor ReshapeView(Tensor x, Shape shape)
    {
        var c = x.Contiguous();
        return c.View(shape, shape.ContiguousStrides(), c.Offset);
    }

    /// <summary>A reshape to its own shape disappears; a reshape of a reshape becomes one reshape (or none).</summary>
    private static Rewrite? ReshapeRewrite(RewriteSite s)
    {
        var output = s.Output;
        var source = s.X(0);
        if ((RewriteSite.Producer(source, ReshapeDef!) ?? RewriteSite.Producer(source, ReshapeLikeDef!)) is { } inner) source = inner.Inputs[0];
        if (output.Shape.IsFullyDefined && s.SameSpec(source)) return Rewrite.To("reshape to its own shape removed", source);
        if (ReferenceEquals(source, s.X(0))) return null;
        var rewritten = s.Node.Op == ReshapeDef
            ? Rewrite.ToOp("reshape of reshape -> one reshape", ReshapeDef, s.Node.Attrs, source)
            : Rewrite.ToOp("reshape of reshape -> one reshape", ReshapeLikeDef!, Attrs.Empty, source, s.X(1));
        // The single reshape must infer a shape the graph already promised.
        try { if (!rewritten.Op!.Infer(rewritten.Inputs!, rewritten.Attrs!)[0].Shape.IsCompatibleWith(output.Shape)) return null; }
        catch (ArgumentException) { return null; }
        return rewritten;
    }

    internal const string ReshapeName = "Reshape";
    internal static readonly OpDef ReshapeDef = new(ReshapeName,
        (x, a) => [new TensorSpec(ResolveReshape(ReshapeName, x[0].Shape, a.Ints("shape")), x[0].DType)],
        (x, a) => [ReshapeView(x[0], ResolveReshape(ReshapeName, x[0].Shape, a.Ints("shape")))])
    {
        Gradient = c => [ReshapeLike(c.Grad, c.X(0))],
        Rewrites = [ReshapeRewrite],
        Onnx = e => e.Add("Reshape", [e.Input(0), OnnxMap.Ints(e, "shape", e.Node.Attrs.Ints("shape"))], [e.Output(0)]),
    };

    internal const string ReshapeLikeName = "ReshapeLike";
    internal static readonly OpDef ReshapeLikeDef = new(ReshapeLikeName,
        (x, _) =>
        {
            if (x[0].Shape.Size >= 0 && x[1].Shape.Size >= 0 && x[0].Shape.Size != x[1].Shape.Size)
                throw new ArgumentException($"ReshapeLike: a tensor of shape {x[0].Shape} cannot take the shape {x[1].Shape}.");
            return [new TensorSpec(x[1].Shape, x[0].DType)];
        },
        (x, _) => [ReshapeView(x[0], x[1].Shape)])
    {
        Gradient = c => [ReshapeLike(c.Grad, c.X(0)), null],
        Rewrites = [ReshapeRewrite],
        Onnx = e => { var s = e.Temp("shape"); e.Add("Shape", [e.Input(1)], [s]); e.Add("Reshape", [e.Input(0), s], [e.Output(0)]); },
    };

    internal const string BroadcastLikeName = "BroadcastLike";
    internal static readonly OpDef BroadcastLikeDef = new(BroadcastLikeName,
        (x, _) =>
        {
            var s = Broadcasting.Shape(BroadcastLikeName, x[0].Shape, x[1].Shape);
            if (s.Rank != x[1].Rank) throw new ArgumentException($"BroadcastLike: {x[0].Shape} has more dimensions than the target {x[1].Shape}.");
            return [new TensorSpec(x[1].Shape, x[0].DType)];
        },
        (x, _) => [BroadcastView(x[0], x[1].Shape)])
    {
        Gradient = c => [Broadcasting.UnBroadcast(c.Grad, c.X(0)), null],
        Onnx = e => { var s = e.Temp("shape"); e.Add("Shape", [e.Input(1)], [s]); e.Add("Expand", [e.Input(0), s], [e.Output(0)]); },
    };

    /// <summary>A zero-stride view of x at a larger broadcast shape.</summary>
    internal static Tensor BroadcastView(Tensor x, Shape shape)
    {
        var s = Broadcasting.Shape(BroadcastToName, x.Shape, shape);
        if (s != shape) throw new ArgumentException($"BroadcastTo: shape {x.Shape} cannot be broadcast to {shape}.");
        return x.View(shape, Broadcasting.StridesFor(x, shape), x.Offset);
    }

    internal const string ExpandDimsName = "ExpandDims";
    internal static readonly OpDef ExpandDimsDef = new(ExpandDimsName,
        (x, a) => [new TensorSpec(ExpandedShape(x[0].Shape, a.Int("axis")), x[0].DType)],
        (x, a) =>
        {
            var shape = ExpandedShape(x[0].Shape, a.Int("axis"));
            int ax = a.Int("axis") < 0 ? a.Int("axis") + x[0].Rank + 1 : a.Int("axis");
            var st = x[0].Strides.ToArray().ToList();
            st.Insert(ax, ax < x[0].Rank ? st[ax] * x[0].Shape[ax] : 1);
            return [x[0].View(shape, [.. st], x[0].Offset)];
        })
    {
        Gradient = c => [ReshapeLike(c.Grad, c.X(0))],
        Onnx = e => { int ax = e.Node.Attrs.Int("axis"); if (ax < 0) ax += e.Node.Outputs[0].Rank; e.Add("Unsqueeze", [e.Input(0), OnnxMap.Ints(e, "axes", ax)], [e.Output(0)]); },
    };

    private static Shape ExpandedShape(Shape s, int axis)
    {
        int r = s.Rank;
        int ax = axis < 0 ? axis + r + 1 : axis;
        if (ax < 0 || ax > r) throw new ArgumentException($"ExpandDims: axis {axis} is out of range for shape {s} (valid: {-r - 1} to {r}).");
        var d = s.ToArray().ToList();
        d.Insert(ax, 1);
        return Shape.Wrap([.. d]);
    }
}
