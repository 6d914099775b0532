using Eager.Kernels.Layout;
using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Padding (constant, reflect, symmetric) and Fill.</summary>
public static partial class Ops
{
    /// <summary>Pads x: paddings[i, 0] elements before and paddings[i, 1] after axis i. Mode "CONSTANT" fills with
    /// <paramref name="constantValue"/>; "REFLECT" mirrors without repeating the edge (pad at most dim-1);
    /// "SYMMETRIC" mirrors including the edge (pad at most dim).</summary>
    /// <exception cref="ArgumentException">paddings is not [rank, 2], negative or too large for the mode, or the mode is unknown.</exception>
    public static Tensor Pad(Tensor x, int[,] paddings, string mode = "CONSTANT", double constantValue = 0) =>
        Dispatcher.Apply1(PadDef, new Attrs { { "paddings", FlattenPaddings(paddings) }, { "mode", mode.ToUpperInvariant() }, { "constantValue", constantValue } }, x);

    /// <summary>Pads x with one (before, after) pair per axis; see <see cref="Pad(Tensor, int[,], string, double)"/>.</summary>
    public static Tensor Pad(Tensor x, int[][] paddings, string mode = "CONSTANT", double constantValue = 0)
    {
        ArgumentNullException.ThrowIfNull(paddings);
        var grid = new int[paddings.Length, 2];
        for (int i = 0; i < paddings.Length; i++)
        {
            if (paddings[i] is not { Length: 2 }) throw new ArgumentException($"Pad: paddings[{i}] must be a (before, after) pair.");
            grid[i, 0] = paddings[i][0]; grid[i, 1] = paddings[i][1];
        }
        return Pad(x, grid, mode, constantValue);
    }

    /// <summary>A tensor of <paramref name="shape"/> with every element equal to the scalar <paramref name="value"/>
    /// (its dtype). An op, so graphs and gradients see it (the gradient of value is the sum of the output gradient).</summary>
    /// <exception cref="ArgumentException">value is not a scalar, or the shape has unknown dimensions.</exception>
    public static Tensor Fill(Shape shape, Tensor value) => Dispatcher.Apply1(FillDef, new Attrs { { "shape", shape.ToArray() } }, value);

    /// <summary>A tensor of <paramref name="shape"/> and <paramref name="dtype"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Fill(Shape shape, double value, DType dtype = DType.Float32) => Fill(shape, Tensor.Scalar(value, dtype));
}

internal static partial class ArrayOps
{
    private static Shape PaddedShape(string op, Shape s, int[] pads, string mode)
    {
        if (pads.Length != 2 * s.Rank)
            throw new ArgumentException($"{op}: paddings need one (before, after) pair per axis; got {pads.Length / 2} pairs for shape {s}.");
        if (mode is not ("CONSTANT" or "REFLECT" or "SYMMETRIC"))
            throw new ArgumentException($"{op}: mode '{mode}' is not one of CONSTANT, REFLECT, SYMMETRIC.");
        var dims = new int[s.Rank];
        for (int i = 0; i < s.Rank; i++)
        {
            int b = pads[2 * i], e = pads[2 * i + 1], d = s[i];
            if (b < 0 || e < 0) throw new ArgumentException($"{op}: paddings ({b}, {e}) for axis {i} of shape {s} are negative.");
            int limit = mode == "REFLECT" ? d - 1 : d;
            if (mode != "CONSTANT" && d >= 0 && (b > limit || e > limit))
                throw new ArgumentException($"{op}: {mode} padding ({b}, {e}) on axis {i} of shape {s} may be at most {limit} on each side.");
            dims[i] = d < 0 ? -1 : checked(d + b + e);
        }
        return Shape.Wrap(dims);
    }

    /// <summary>For a mirror pad: the input index each output index along one axis reads.</summary>
    private static long[] MirrorMap(int d, int before, int after, bool reflect)
    {
        var map = new long[d + before + after];
        for (int o = 0; o < map.Length; o++)
        {
            int i = o - before;
            if (i < 0) i = reflect ? -i : -i - 1;
            else if (i >= d) i = reflect ? 2 * (d - 1) - i : 2 * d - 1 - i;
            map[o] = i;
        }
        return map;
    }

    /// <summary>Applies per-axis gathers (pad) or scatter-adds (its gradient) with the mirror maps, axis by axis.</summary>
    private static Tensor MirrorPass(Tensor x, Shape inShape, int[] pads, bool reflect, bool scatter)
    {
        var cur = x.Contiguous();
        for (int ax = 0; ax < inShape.Rank; ax++)
        {
            int b = pads[2 * ax], e = pads[2 * ax + 1];
            if (b == 0 && e == 0) continue;
            var map = MirrorMap(inShape[ax], b, e, reflect);
            var dims = cur.Shape.ToArray();
            dims[ax] = scatter ? inShape[ax] : map.Length;
            var next = scatter ? ArrayLayout.Zeros(Shape.Wrap(dims), cur.DType) : Tensor.Empty(Shape.Wrap(dims), cur.DType);
            if (Shape.Wrap(dims).Size > 0 && cur.Shape.Size > 0)
            {
                var (outer, _, inner) = AxisBlocks(cur.Shape, ax);
                int n = inShape[ax];
                switch (cur.DType)
                {
                    case DType.Float32: if (scatter) IndexGather.ScatterAdd<float>(cur.Span<float>(), outer, n, inner, map, next.Span<float>()); else IndexGather.Gather<float>(cur.Span<float>(), outer, n, inner, map, next.Span<float>()); break;
                    case DType.Float64: if (scatter) IndexGather.ScatterAdd<double>(cur.Span<double>(), outer, n, inner, map, next.Span<double>()); else IndexGather.Gather<double>(cur.Span<double>(), outer, n, inner, map, next.Span<double>()); break;
                    case DType.Int32: if (scatter) IndexGather.ScatterAdd<int>(cur.Span<int>(), outer, n, inner, map, next.Span<int>()); else IndexGather.Gather<int>(cur.Span<int>(), outer, n, inner, map, next.Span<int>()); break;
                    case DType.Int64: if (scatter) IndexGather.ScatterAdd<long>(cur.Span<long>(), outer, n, inner, map, next.Span<long>()); else IndexGather.Gather<long>(cur.Span<long>(), outer, n, inner, map, next.Span<long>()); break;
                    default: throw new ArgumentException($"Pad: {cur.DType.Name()} tensors support only CONSTANT padding.");
                }
            }
            cur.KeepAlive();
            cur = next;
        }
        return cur;
    }

    private static Tensor ConstantPad(Tensor x, Shape shape, int[] pads, double value)
    {
        var result = Tensor.Full(shape, value, x.DType);
        if (x.Shape.Size == 0) return result;
        var st = shape.ContiguousStrides();
        int offset = 0;
        for (int i = 0; i < x.Rank; i++) offset += pads[2 * i] * st[i];
        ArrayLayout.CopyInto(x, result.View(x.Shape, st, offset));
        return result;
    }

    internal const string PadName = "Pad";
    internal static readonly OpDef PadDef = new(PadName,
        (x, a) => [new TensorSpec(PaddedShape(PadName, x[0].Shape, a.Ints("paddings"), a.String("mode")), x[0].DType)],
        (x, a) =>
        {
            var pads = a.Ints("paddings"); var mode = a.String("mode");
            var shape = PaddedShape(PadName, x[0].Shape, pads, mode);
            return [mode == "CONSTANT"
                ? ConstantPad(x[0], shape, pads, a.Double("constantValue"))
                : MirrorPass(x[0], x[0].Shape, pads, mode == "REFLECT", scatter: false)];
        })
    {
        Relayout = Relayouts.Paddings,
        Gradient = c =>
        {
            var pads = c.Attrs.Ints("paddings");
            if (c.Attrs.String("mode") != "CONSTANT") return [MirrorPadGrad(c.Grad, c.X(0), c.Attrs)];
            // Slice the padding off; ends count from the back so unknown dims (graphs) need no shape.
            int r = c.X(0).Rank, endMask = 0;
            var begin = new int[r]; var end = new int[r];
            for (int i = 0; i < r; i++)
            {
                begin[i] = pads[2 * i];
                if (pads[2 * i + 1] == 0) endMask |= 1 << i; else end[i] = -pads[2 * i + 1];
            }
            return [StridedSlice(c.Grad, begin, end, null, endMask: endMask)];
        },
        Onnx = OnnxPad,
    };

    /// <summary>The gradient of a REFLECT/SYMMETRIC pad: each padded position's gradient added back onto the input
    /// element it copied.</summary>
    internal static Tensor MirrorPadGrad(Tensor grad, Tensor x, Attrs padAttrs) => Dispatcher.Apply1(MirrorPadGradDef, padAttrs, grad, x);

    internal const string MirrorPadGradName = "MirrorPadGrad";
    internal static readonly OpDef MirrorPadGradDef = new(MirrorPadGradName,
        (x, a) =>
        {
            var want = PaddedShape(MirrorPadGradName, x[1].Shape, a.Ints("paddings"), a.String("mode"));
            if (a.String("mode") == "CONSTANT" || !want.IsCompatibleWith(x[0].Shape) || x[0].DType != x[1].DType)
                throw new ArgumentException($"MirrorPadGrad: the gradient is {x[0].DType.Name()}{x[0].Shape}, but {a.String("mode")} padding of {x[1].DType.Name()}{x[1].Shape} gives {want}.");
            return [TensorSpec.Of(x[1])];
        },
        (x, a) => [MirrorPass(x[0], x[1].Shape, a.Ints("paddings"), a.String("mode") == "REFLECT", scatter: true)])
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [Dispatcher.Apply1(PadDef, c.Attrs, c.Grad), null],
    };

    internal static int[] FlattenPaddings(int[,] paddings)
    {
        ArgumentNullException.ThrowIfNull(paddings);
        if (paddings.GetLength(1) != 2) throw new ArgumentException($"Pad: paddings must have shape [rank, 2], got [{paddings.GetLength(0)}, {paddings.GetLength(1)}].");
        var flat = new int[paddings.Length];
        for (int i = 0; i < paddings.GetLength(0); i++) { flat[2 * i] = paddings[i, 0]; flat[2 * i + 1] = paddings[i, 1]; }
        return flat;
    }

    private static Shape FillShape(int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Fill: shape ({string.Join(", ", dims)}) has an unknown or negative dimension; use Ops.BroadcastLike for shapes known only at run time.");
        return Shape.Wrap(dims);
    }

    internal const string FillName = "Fill";
    internal static readonly OpDef FillDef = new(FillName,
        (x, a) =>
        {
            if (x[0].Rank != 0) throw new ArgumentException($"Fill: the value must be a scalar, got shape {x[0].Shape}.");
            return [new TensorSpec(FillShape(a.Ints("shape")), x[0].DType)];
        },
        (x, a) =>
        {
            var shape = FillShape(a.Ints("shape"));
            var result = Tensor.Empty(shape, x[0].DType);
            ArrayLayout.CopyInto(BroadcastView(x[0], shape), result);
            return [result];
        })
    {
        Gradient = c => [ReduceSum(c.Grad)],
        Onnx = e => e.Add("Expand", [e.Input(0), OnnxMap.Ints(e, "shape", e.Node.Attrs.Ints("shape"))], [e.Output(0)]),
    };

    /// <summary>Pad as ONNX Pad: pads are [begin..., end...]; SYMMETRIC has no ONNX equivalent.</summary>
    private static void OnnxPad(IOnnxEmitter e)
    {
        var p = e.Node.Attrs.Ints("paddings");
        int r = p.Length / 2;
        var pads = Enumerable.Range(0, r).Select(i => p[2 * i]).Concat(Enumerable.Range(0, r).Select(i => p[2 * i + 1])).ToArray();
        var mode = e.Node.Attrs.String("mode");
        if (mode == "SYMMETRIC") throw new NotSupportedException("ONNX export: SYMMETRIC padding has no ONNX equivalent (CONSTANT and REFLECT do).");
        var value = OnnxMap.Scalar(e, "value", e.Node.Attrs.Double("constantValue"), e.Node.Inputs[0].DType);
        e.Add("Pad", [e.Input(0), OnnxMap.Ints(e, "pads", pads), value], [e.Output(0)], ("mode", mode.ToLowerInvariant()));
    }
}
