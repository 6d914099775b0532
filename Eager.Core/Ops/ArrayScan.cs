using Eager.Kernels.Layout;
using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>Cumulative sum along an axis (tf.math.cumsum, ONNX CumSum).</summary>
public static partial class Ops
{
    /// <summary>
    /// Running sum along <paramref name="axis"/>: y[..., j, ...] = x[..., 0, ...] + ... + x[..., j, ...]. With
    /// <paramref name="exclusive"/> the j-th term is left out (the first output is 0); with <paramref name="reverse"/>
    /// the sum runs from the end. Shape and dtype are the input's.
    /// </summary>
    /// <exception cref="ArgumentException">A scalar, a bool tensor, or an axis out of range.</exception>
    public static Tensor CumSum(Tensor x, int axis, bool exclusive = false, bool reverse = false) =>
        Dispatcher.Apply1(CumSumDef, new Attrs { { "axis", axis }, { "exclusive", exclusive }, { "reverse", reverse } }, x);
}

internal static partial class ArrayOps
{
    private static TensorSpec[] CumSumInfer(Tensor x, Attrs a)
    {
        if (!x.DType.IsNumeric) throw new ArgumentException($"CumSum: expects a numeric tensor, got {x.DType.Name()}{x.Shape}.");
        if (x.Rank == 0) throw new ArgumentException($"CumSum: needs rank >= 1, got a scalar {x.DType.Name()}.");
        x.Shape.NormalizeAxis(a.Int("axis"), "CumSum");
        return [TensorSpec.Of(x)];
    }

    internal static readonly OpDef CumSumDef = new("CumSum",
        (x, a) => CumSumInfer(x[0], a),
        (x, a) =>
        {
            CumSumInfer(x[0], a);
            var src = x[0].Contiguous();
            int axis = src.Shape.NormalizeAxis(a.Int("axis"), "CumSum");
            var (outer, n, inner) = AxisBlocks(src.Shape, axis);
            var y = Tensor.Empty(src.Shape, src.DType);
            bool exclusive = a.Bool("exclusive"), reverse = a.Bool("reverse");
            switch (src.DType)
            {
                case DType.Float32: AxisScan.CumSum(src.Span<float>(), y.Span<float>(), outer, n, inner, exclusive, reverse); break;
                case DType.Float64: AxisScan.CumSum(src.Span<double>(), y.Span<double>(), outer, n, inner, exclusive, reverse); break;
                case DType.Int32: AxisScan.CumSum(src.Span<int>(), y.Span<int>(), outer, n, inner, exclusive, reverse); break;
                case DType.Int64: AxisScan.CumSum(src.Span<long>(), y.Span<long>(), outer, n, inner, exclusive, reverse); break;
            }
            src.KeepAlive();
            return [y];
        })
    {
        // Each input adds into every output at or after it: the adjoint is the same sum run the other way.
        Gradient = c => [CumSum(c.Grad, c.Attrs.Int("axis"), c.Attrs.Bool("exclusive"), !c.Attrs.Bool("reverse"))],
        Onnx = e => e.Add("CumSum", [e.Input(0), e.Constant(Tensor.Scalar((long)e.Node.Attrs.Int("axis")), "axis")], [e.Output(0)],
            ("exclusive", e.Node.Attrs.Bool("exclusive") ? 1L : 0L), ("reverse", e.Node.Attrs.Bool("reverse") ? 1L : 0L)),
    };
}
