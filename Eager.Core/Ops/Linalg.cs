using Eager.Kernels.Gemm;

namespace Eager;

/// <summary>Matrix products.</summary>
public static partial class Ops
{
    private static TensorSpec[] MatMulInfer(Tensor[] x, Attrs a)
    {
        var (l, r) = (x[0], x[1]);
        Broadcasting.SameDType("MatMul", l, r);
        if (l.DType == DType.Bool) throw new ArgumentException("MatMul: bool tensors cannot be multiplied.");
        if (l.Rank < 2 || r.Rank < 2)
            throw new ArgumentException($"MatMul: both inputs need rank >= 2, got {l.Shape} and {r.Shape}.");
        bool ta = a.Bool("transposeA"), tb = a.Bool("transposeB");
        int m = ta ? l.Shape[-1] : l.Shape[-2], k1 = ta ? l.Shape[-2] : l.Shape[-1];
        int k2 = tb ? r.Shape[-1] : r.Shape[-2], n = tb ? r.Shape[-2] : r.Shape[-1];
        if (k1 >= 0 && k2 >= 0 && k1 != k2)
            throw new ArgumentException($"MatMul: inner dimensions differ: {l.Shape}{(ta ? "^T" : "")} x {r.Shape}{(tb ? "^T" : "")} gives {k1} vs {k2}.");
        var batchL = Shape.Wrap(l.Shape.ToArray()[..^2]);
        var batchR = Shape.Wrap(r.Shape.ToArray()[..^2]);
        var batch = Broadcasting.Shape("MatMul (batch dimensions)", batchL, batchR);
        return [new TensorSpec(Shape.Wrap([.. batch, m, n]), l.DType)];
    }

    /// <summary>Last two dims swapped, as a view.</summary>
    internal static Tensor SwapLastTwo(Tensor t)
    {
        var dims = t.Shape.ToArray(); var st = t.Strides.ToArray();
        (dims[^1], dims[^2]) = (dims[^2], dims[^1]);
        (st[^1], st[^2]) = (st[^2], st[^1]);
        return t.View(Shape.Wrap(dims), st, t.Offset);
    }

    private static Tensor MatMulCompute(Tensor l, Tensor r, bool ta, bool tb, TensorSpec spec)
    {
        if (ta) l = SwapLastTwo(l);
        if (tb) r = SwapLastTwo(r);
        var outShape = spec.Shape;
        int m = outShape[-2], n = outShape[-1], k = l.Shape[-1];
        var batchShape = Shape.Wrap(outShape.ToArray()[..^2]);
        var lb = BroadcastView(l, Shape.Wrap([.. batchShape, m, k])).Contiguous();
        var rb = BroadcastView(r, Shape.Wrap([.. batchShape, k, n])).Contiguous();
        var result = Tensor.Empty(outShape, l.DType);
        int batches = batchShape.Size;
        for (int bi = 0; bi < batches; bi++)
        {
            switch (l.DType)
            {
                case DType.Float32: Gemm.Multiply<float>(m, n, k, lb.Span<float>().Slice(bi * m * k), k, rb.Span<float>().Slice(bi * k * n), n, result.Span<float>().Slice(bi * m * n), n); break;
                case DType.Float64: Gemm.Multiply<double>(m, n, k, lb.Span<double>().Slice(bi * m * k), k, rb.Span<double>().Slice(bi * k * n), n, result.Span<double>().Slice(bi * m * n), n); break;
                case DType.Int32: Gemm.Multiply<int>(m, n, k, lb.Span<int>().Slice(bi * m * k), k, rb.Span<int>().Slice(bi * k * n), n, result.Span<int>().Slice(bi * m * n), n); break;
                case DType.Int64: Gemm.Multiply<long>(m, n, k, lb.Span<long>().Slice(bi * m * k), k, rb.Span<long>().Slice(bi * k * n), n, result.Span<long>().Slice(bi * m * n), n); break;
            }
        }
        lb.KeepAlive(); rb.KeepAlive();
        return result;
    }

    internal static readonly OpDef MatMulDef = new("MatMul",
        MatMulInfer,
        (x, a) => [MatMulCompute(x[0], x[1], a.Bool("transposeA"), a.Bool("transposeB"), MatMulInfer(x, a)[0])])
    {
        Gradient = c =>
        {
            bool ta = c.Attrs.Bool("transposeA"), tb = c.Attrs.Bool("transposeB");
            var (a, b, g) = (c.X(0), c.X(1), c.Grad);
            Tensor ga = (ta, tb) switch
            {
                (false, false) => MatMul(g, b, transposeB: true),
                (false, true) => MatMul(g, b),
                (true, false) => MatMul(b, g, transposeB: true),
                (true, true) => MatMul(b, g, transposeA: true, transposeB: true),
            };
            Tensor gb = (ta, tb) switch
            {
                (false, false) => MatMul(a, g, transposeA: true),
                (false, true) => MatMul(g, a, transposeA: true),
                (true, false) => MatMul(a, g),
                (true, true) => MatMul(g, a, transposeA: true, transposeB: true),
            };
            return [Broadcasting.UnBroadcast(ga, a), Broadcasting.UnBroadcast(gb, b)];
        },
    };

    /// <summary>Matrix product over the last two dims; leading (batch) dims broadcast.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) =>
        Dispatcher.Apply1(MatMulDef, new Attrs { { "transposeA", transposeA }, { "transposeB", transposeB } }, a, b);
}
