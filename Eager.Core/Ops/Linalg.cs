using Eager.Kernels.Gemm;
using static Eager.Ops;
using static Eager.LinalgOps;

namespace Eager;

/// <summary>Matrix products.</summary>
public static partial class Ops
{
    /// <summary>Matrix product over the last two dims; leading (batch) dims broadcast.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) =>
        Dispatcher.Apply1(MatMulDef, new Attrs { { "transposeA", transposeA }, { "transposeB", transposeB } }, a, b);
}

internal static partial class LinalgOps
{
    private static TensorSpec[] MatMulInfer(Tensor[] x, Attrs a)
    {
        var (l, r) = (x[0], x[1]);
        Broadcasting.SameDType(MatMulName, l, r);
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
        // Transposed and broadcast operands stay views: GEMM packing reads any non-negative strides.
        var lb = NonNegativeStrides(ArrayOps.BroadcastView(l, Shape.Wrap([.. batchShape, m, k])));
        var rb = NonNegativeStrides(ArrayOps.BroadcastView(r, Shape.Wrap([.. batchShape, k, n])));
        var result = Tensor.Empty(outShape, l.DType);
        switch (l.DType)
        {
            case DType.Float32: MatMulBatches<float>(lb, rb, result, m, n, k); break;
            case DType.Float64: MatMulBatches<double>(lb, rb, result, m, n, k); break;
            case DType.Int32: MatMulBatches<int>(lb, rb, result, m, n, k); break;
            case DType.Int64: MatMulBatches<long>(lb, rb, result, m, n, k); break;
        }
        lb.KeepAlive(); rb.KeepAlive();
        return result;
    }

    private static Tensor NonNegativeStrides(Tensor t)
    {
        foreach (var s in t.Strides) if (s < 0) return t.Contiguous();
        return t;
    }

    /// <summary>One GEMM per batch element; one batched call when the batch offsets step evenly.</summary>
    private static void MatMulBatches<T>(Tensor l, Tensor r, Tensor result, int m, int n, int k) where T : unmanaged, System.Numerics.INumber<T>
    {
        T[] la = Broadcasting.Arr<T>(l), ra = Broadcasting.Arr<T>(r);
        var c = result.Span<T>();
        ReadOnlySpan<int> ls = l.Strides, rs = r.Strides;
        int rank = result.Rank, batchRank = rank - 2;
        int batches = 1;
        for (int d = 0; d < batchRank; d++) batches *= result.Shape[d];
        if (batches == 0) return;
        var lOff = new int[batches];
        var rOff = new int[batches];
        Span<int> idx = stackalloc int[Math.Max(batchRank, 1)];
        idx.Clear();
        for (int bi = 0, lo = l.Offset, ro = r.Offset; bi < batches; bi++)
        {
            lOff[bi] = lo; rOff[bi] = ro;
            for (int d = batchRank - 1; d >= 0; d--)
            {
                lo += ls[d]; ro += rs[d];
                if (++idx[d] < result.Shape[d]) break;
                lo -= ls[d] * idx[d]; ro -= rs[d] * idx[d]; idx[d] = 0;
            }
        }
        int lStep = batches > 1 ? lOff[1] - lOff[0] : 0, rStep = batches > 1 ? rOff[1] - rOff[0] : 0;
        bool even = lStep >= 0 && rStep >= 0;
        for (int bi = 1; bi < batches && even; bi++)
            even = lOff[bi] - lOff[bi - 1] == lStep && rOff[bi] - rOff[bi - 1] == rStep;
        if (even)
        {
            Gemm.MultiplyBatched<T>(batches, m, n, k, la.AsSpan(lOff[0]), lStep, ls[rank - 2], ls[rank - 1],
                ra.AsSpan(rOff[0]), rStep, rs[rank - 2], rs[rank - 1], c, m * n, n);
            return;
        }
        for (int bi = 0; bi < batches; bi++)
            Gemm.MultiplyStrided<T>(m, n, k, la.AsSpan(lOff[bi]), ls[rank - 2], ls[rank - 1],
                ra.AsSpan(rOff[bi]), rs[rank - 2], rs[rank - 1], c.Slice(bi * m * n, m * n), n);
    }

    internal const string MatMulName = "MatMul";
    internal static readonly OpDef MatMulDef = new(MatMulName,
        MatMulInfer,
        (x, a) => [MatMulCompute(x[0], x[1], a.Bool("transposeA"), a.Bool("transposeB"), MatMulInfer(x, a)[0])])
    {
        FusedForm = () => FusedKernelOps.FusedMatMulDef!,
        Gradient = c =>
        {
            bool ta = c.Attrs.Bool("transposeA"), tb = c.Attrs.Bool("transposeB");
            var (a, b, g) = (c.X(0), c.X(1), c.Grad);
            Tensor? ga = !c.Needs(0) ? null : (ta, tb) switch
            {
                (false, false) => MatMul(g, b, transposeB: true),
                (false, true) => MatMul(g, b),
                (true, false) => MatMul(b, g, transposeB: true),
                (true, true) => MatMul(b, g, transposeA: true, transposeB: true),
            };
            Tensor? gb = !c.Needs(1) ? null : (ta, tb) switch
            {
                (false, false) => MatMul(a, g, transposeA: true),
                (false, true) => MatMul(g, a, transposeA: true),
                (true, false) => MatMul(a, g),
                (true, true) => MatMul(g, a, transposeA: true, transposeB: true),
            };
            return [ga is null ? null : Broadcasting.UnBroadcast(ga, a), gb is null ? null : Broadcasting.UnBroadcast(gb, b)];
        },
        Onnx = OnnxMatMul,
    };

    /// <summary>
    /// a @ b + a @ c -> a @ (b + c), and b @ a + c @ a -> (b + c) @ a, for two rank-2 products that only this sum reads and
    /// that share one operand (the same tensor, transposed alike). A Gram matrix's gradient has this form (F g^T + F g):
    /// the rewrite multiplies the large operand once instead of twice and needs one large buffer where the sum needed three.
    /// The other operands are brought to the same orientation by a transpose (a view) before they are added.
    /// </summary>
    internal static Rewrite? SumOfProductsRewrite(RewriteSite s)
    {
        if (!s.IsSoleReaderOf(0) || !s.IsSoleReaderOf(1)) return null;
        if (RewriteSite.Producer(s.X(0), MatMulDef) is not { } p || RewriteSite.Producer(s.X(1), MatMulDef) is not { } q) return null;
        if (ReferenceEquals(p, q) || !s.SameSpec(p.Outputs[0]) || !s.SameSpec(q.Outputs[0]) || !s.Output.DType.IsFloating) return null;
        foreach (var t in (Tensor[])[.. p.Inputs, .. q.Inputs])
            if (t.Rank != 2) return null;
        bool pa = p.Attrs.Bool("transposeA"), pb = p.Attrs.Bool("transposeB"), qa = q.Attrs.Bool("transposeA"), qb = q.Attrs.Bool("transposeB");
        Tensor Upright(Tensor t, bool transposed) => transposed ? s.Emit(ArrayOps.TransposeDef, new Attrs { { "perm", new[] { 1, 0 } } }, t) : t;
        if (ReferenceEquals(p.Inputs[0], q.Inputs[0]) && pa == qa)
        {
            var sum = pb == qb ? s.Emit(MathOps.AddDef, Attrs.Empty, p.Inputs[1], q.Inputs[1]) : s.Emit(MathOps.AddDef, Attrs.Empty, Upright(p.Inputs[1], pb), Upright(q.Inputs[1], qb));
            return Rewrite.ToOp("a @ b + a @ c -> a @ (b + c)", MatMulDef, new Attrs { { "transposeA", pa }, { "transposeB", pb == qb && pb } }, p.Inputs[0], sum);
        }
        if (ReferenceEquals(p.Inputs[1], q.Inputs[1]) && pb == qb)
        {
            var sum = pa == qa ? s.Emit(MathOps.AddDef, Attrs.Empty, p.Inputs[0], q.Inputs[0]) : s.Emit(MathOps.AddDef, Attrs.Empty, Upright(p.Inputs[0], pa), Upright(q.Inputs[0], qa));
            return Rewrite.ToOp("b @ a + c @ a -> (b + c) @ a", MatMulDef, new Attrs { { "transposeA", pa == qa && pa }, { "transposeB", pb } }, sum, p.Inputs[1]);
        }
        return null;
    }

    private static void OnnxMatMul(IOnnxEmitter e)
    {
        string Side(int i, string flag)
        {
            if (!e.Node.Attrs.Bool(flag)) return e.Input(i);
            int r = e.Node.Inputs[i].Rank;
            var perm = Enumerable.Range(0, r).ToArray();
            (perm[r - 1], perm[r - 2]) = (perm[r - 2], perm[r - 1]);
            return OnnxMap.Transpose(e, e.Input(i), perm, $"t{i}");
        }
        e.Add("MatMul", [Side(0, "transposeA"), Side(1, "transposeB")], [e.Output(0)]);
    }
}
