using Eager.Kernels.Layout;
using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>The k largest or smallest entries along an axis, with their positions (tf.math.top_k, ONNX TopK).</summary>
public static partial class Ops
{
    /// <summary>
    /// The <paramref name="k"/> largest entries (smallest when <paramref name="largest"/> is false) along
    /// <paramref name="axis"/>, sorted from the most extreme, and their int64 positions along that axis. Equal values
    /// keep the lower position first; NaN counts as the largest value. The gradient flows to the selected positions.
    /// </summary>
    /// <exception cref="ArgumentException">A scalar or bool tensor, an axis out of range, or k outside 0 .. length of the axis.</exception>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, int k, int axis = -1, bool largest = true)
    {
        var r = Dispatcher.Apply(TopKDef, [x], new Attrs { { "k", k }, { "axis", axis }, { "largest", largest } });
        return (r[0], r[1]);
    }
}

internal static partial class ArrayOps
{
    private static TensorSpec[] TopKInfer(Tensor x, Attrs a)
    {
        if (!x.DType.IsNumeric) throw new ArgumentException($"TopK: expects a numeric tensor, got {x.DType.Name()}{x.Shape}.");
        if (x.Rank == 0) throw new ArgumentException($"TopK: needs rank >= 1, got a scalar {x.DType.Name()}.");
        int axis = x.Shape.NormalizeAxis(a.Int("axis"), "TopK");
        int k = a.Int("k");
        if (k < 0 || (x.Shape[axis] >= 0 && k > x.Shape[axis]))
            throw new ArgumentException($"TopK: k = {k} must be between 0 and the length {x.Shape[axis]} of axis {axis} of {x.DType.Name()}{x.Shape}.");
        var dims = x.Shape.ToArray();
        dims[axis] = k;
        return [new TensorSpec(new Shape(dims), x.DType), new TensorSpec(new Shape(dims), DType.Int64)];
    }

    internal static readonly OpDef TopKDef = new("TopK",
        (x, a) => TopKInfer(x[0], a),
        (x, a) =>
        {
            var specs = TopKInfer(x[0], a);
            var src = x[0].Contiguous();
            int axis = src.Shape.NormalizeAxis(a.Int("axis"), "TopK");
            var (outer, n, inner) = AxisBlocks(src.Shape, axis);
            int k = a.Int("k");
            bool largest = a.Bool("largest");
            var values = Tensor.Empty(specs[0].Shape, src.DType);
            var indices = Tensor.Empty(specs[1].Shape, DType.Int64);
            switch (src.DType)
            {
                case DType.Float32: AxisScan.TopK(src.Span<float>(), values.Span<float>(), indices.Span<long>(), outer, n, inner, k, largest); break;
                case DType.Float64: AxisScan.TopK(src.Span<double>(), values.Span<double>(), indices.Span<long>(), outer, n, inner, k, largest); break;
                case DType.Int32: AxisScan.TopK(src.Span<int>(), values.Span<int>(), indices.Span<long>(), outer, n, inner, k, largest); break;
                case DType.Int64: AxisScan.TopK(src.Span<long>(), values.Span<long>(), indices.Span<long>(), outer, n, inner, k, largest); break;
            }
            src.KeepAlive();
            return [values, indices];
        })
    {
        // The values are a gather of x at the indices: the gradient goes back to those positions.
        Gradient = c => [ScatterElementsAdd(ZerosLike(c.X()), c.Outputs[1], c.GradOf(0), c.Attrs.Int("axis"))],
        Onnx = e => e.Add("TopK", [e.Input(0), OnnxMap.Ints(e, "k", e.Node.Attrs.Int("k"))], [e.Output(0), e.Output(1)],
            ("axis", (long)e.Node.Inputs[0].Shape.NormalizeAxis(e.Node.Attrs.Int("axis"), "TopK")), ("largest", e.Node.Attrs.Bool("largest") ? 1L : 0L), ("sorted", 1L)),
    };
}
