using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Slicing: TensorFlow's Slice and StridedSlice (views when every step is positive) and the op that
/// scatters a slice's gradient back into zeros.</summary>
public static partial class Ops
{
    /// <summary>
    /// TensorFlow's strided slice (x[begin:end:strides] per axis). Bit i of a mask applies to entry i:
    /// beginMask/endMask ignore begin[i]/end[i] (take from the start/to the end), shrinkAxisMask indexes with
    /// begin[i] and removes the axis, newAxisMask inserts a size-1 axis, ellipsisMask (one bit) stands for as
    /// many full axes as needed. Negative indices count from the end; out-of-range slice bounds are clamped.
    /// A view sharing storage when every stride is positive.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, a stride is 0, a shrunk index is out of range, or too many axes.</exception>
    public static Tensor StridedSlice(Tensor x, int[] begin, int[] end, int[]? strides = null,
        int beginMask = 0, int endMask = 0, int ellipsisMask = 0, int newAxisMask = 0, int shrinkAxisMask = 0)
    {
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(end);
        strides ??= Enumerable.Repeat(1, begin.Length).ToArray();
        return Dispatcher.Apply1(StridedSliceDef, StridedSliceAttrs((int[])begin.Clone(), (int[])end.Clone(), (int[])strides.Clone(),
            beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask), x);
    }

    /// <summary>The block of x starting at <paramref name="begin"/> with <paramref name="size"/> elements per axis
    /// (-1: to the end of the axis). A view sharing storage.</summary>
    /// <exception cref="ArgumentException">begin/size do not have one entry per axis or run past the input.</exception>
    public static Tensor Slice(Tensor x, int[] begin, int[] size)
    {
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(size);
        return Dispatcher.Apply1(SliceDef, new Attrs { { "begin", (int[])begin.Clone() }, { "size", (int[])size.Clone() } }, x);
    }
}

internal static partial class ArrayOps
{
    private static Tensor SliceOf(Tensor x, StridedSliceSpec spec)
    {
        var shape = spec.OutputShape;
        if (shape.Size == 0) return Tensor.Empty(shape, x.DType);
        var (s, st, off) = spec.ViewOf(x.Strides, x.Offset);
        var view = x.View(s, st, off);
        // Negative steps would hand other kernels negative strides; copy those instead.
        return spec.ForwardOnly ? view : view.Contiguous();
    }

    internal const string StridedSliceName = "StridedSlice";
    internal static readonly OpDef StridedSliceDef = new(StridedSliceName,
        (x, a) => [new TensorSpec(StridedSliceSpec.FromAttrs(StridedSliceName, x[0].Shape, a).OutputShape, x[0].DType)],
        (x, a) => [SliceOf(x[0], StridedSliceSpec.FromAttrs(StridedSliceName, x[0].Shape, a))])
    {
        Gradient = c => [SliceGrad(c.Grad, c.X(0), c.Attrs)],
        Onnx = OnnxStridedSlice,
    };

    internal const string StridedSliceGradName = "StridedSliceGrad";
    internal static readonly OpDef StridedSliceGradDef = new(StridedSliceGradName,
        (x, a) =>
        {
            var spec = StridedSliceSpec.FromAttrs(StridedSliceGradName, x[1].Shape, a);
            if (!spec.OutputShape.IsCompatibleWith(x[0].Shape) || x[0].DType != x[1].DType)
                throw new ArgumentException($"StridedSliceGrad: the gradient is {x[0].DType.Name()}{x[0].Shape}, but slicing {x[1].DType.Name()}{x[1].Shape} gives {spec.OutputShape}.");
            return [TensorSpec.Of(x[1])];
        },
        (x, a) =>
        {
            var like = x[1];
            var spec = StridedSliceSpec.FromAttrs(StridedSliceGradName, like.Shape, a);
            var result = ArrayLayout.Zeros(like.Shape, like.DType);
            if (spec.OutputShape.Size > 0)
            {
                var (s, st, off) = spec.ViewOf(like.Shape.ContiguousStrides(), 0);
                ArrayLayout.CopyInto(x[0], result.View(s, st, off));
            }
            return [result];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [Dispatcher.Apply1(StridedSliceDef, c.Attrs, c.Grad), null],
    };

    /// <summary>Zeros shaped like <paramref name="x"/> with <paramref name="grad"/> written where the strided slice
    /// described by <paramref name="sliceAttrs"/> reads: the gradient of a slice.</summary>
    internal static Tensor SliceGrad(Tensor grad, Tensor x, Attrs sliceAttrs) => Dispatcher.Apply1(StridedSliceGradDef, sliceAttrs, grad, x);

    /// <summary>The gradient op of <see cref="StridedSlice"/> called directly (tests and samples).</summary>
    internal static Tensor StridedSliceGrad(Tensor grad, Tensor x, int[] begin, int[] end, int[] strides,
        int beginMask = 0, int endMask = 0, int ellipsisMask = 0, int newAxisMask = 0, int shrinkAxisMask = 0) =>
        SliceGrad(grad, x, StridedSliceAttrs(begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask));

    internal static Attrs StridedSliceAttrs(int[] begin, int[] end, int[] strides, int beginMask, int endMask, int ellipsisMask, int newAxisMask, int shrinkAxisMask) => new()
    {
        { "begin", begin }, { "end", end }, { "strides", strides },
        { "beginMask", beginMask }, { "endMask", endMask }, { "ellipsisMask", ellipsisMask },
        { "newAxisMask", newAxisMask }, { "shrinkAxisMask", shrinkAxisMask },
    };

    /// <summary>The strided-slice attrs equivalent to Slice(begin, size), so both share one gradient op.</summary>
    private static Attrs SliceAsStrided(int[] begin, int[] size)
    {
        int endMask = 0;
        var end = new int[begin.Length];
        for (int i = 0; i < begin.Length; i++)
        {
            if (size[i] == -1) endMask |= 1 << i;
            else end[i] = begin[i] + size[i];
        }
        return StridedSliceAttrs(begin, end, Enumerable.Repeat(1, begin.Length).ToArray(), 0, endMask, 0, 0, 0);
    }

    private static Shape SliceShape(Shape s, int[] begin, int[] size)
    {
        string Ctx() => $"input shape {s}, begin {ArrayText.Of(begin)}, size {ArrayText.Of(size)}";
        if (begin.Length != s.Rank || size.Length != s.Rank)
            throw new ArgumentException($"Slice: begin and size need one entry per axis ({Ctx()}).");
        var dims = new int[s.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = s[i], b = begin[i], n = size[i];
            if (b < 0 || (d >= 0 && b > d))
                throw new ArgumentException($"Slice: begin {b} is out of range for axis {i} of size {d} ({Ctx()}).");
            if (n < -1 || (d >= 0 && n >= 0 && (long)b + n > d))
                throw new ArgumentException($"Slice: size {n} from begin {b} runs past axis {i} of size {d} ({Ctx()}); use -1 for 'to the end'.");
            dims[i] = n >= 0 ? n : d < 0 ? -1 : d - b;
        }
        return Shape.Wrap(dims);
    }

    internal const string SliceName = "Slice";
    internal static readonly OpDef SliceDef = new(SliceName,
        (x, a) => [new TensorSpec(SliceShape(x[0].Shape, a.Ints("begin"), a.Ints("size")), x[0].DType)],
        (x, a) =>
        {
            SliceShape(x[0].Shape, a.Ints("begin"), a.Ints("size"));
            return [SliceOf(x[0], StridedSliceSpec.FromAttrs(SliceName, x[0].Shape, SliceAsStrided(a.Ints("begin"), a.Ints("size"))))];
        })
    {
        Relayout = Relayouts.SliceBounds,
        Gradient = c => [SliceGrad(c.Grad, c.X(0), SliceAsStrided(c.Attrs.Ints("begin"), c.Attrs.Ints("size")))],
        Onnx = e => { var b = e.Node.Attrs.Ints("begin"); var sz = e.Node.Attrs.Ints("size"); var ends = b.Select((v, i) => sz[i] < 0 ? int.MaxValue : v + sz[i]).ToArray(); e.Add("Slice", [e.Input(0), OnnxMap.Ints(e, "starts", b), OnnxMap.Ints(e, "ends", ends), OnnxMap.Ints(e, "axes", Enumerable.Range(0, b.Length).ToArray())], [e.Output(0)]); },
    };
}
