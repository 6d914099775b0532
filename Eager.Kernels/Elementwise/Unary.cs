namespace Eager.Kernels.Elementwise;

/// <summary>
/// A unary element-wise operator: a scalar path and a contiguous-span path (usually TensorPrimitives).
/// Instance members rather than static ones so parameterised operators (LeakyRelu's alpha, Gelu's form)
/// carry their parameters; callers pass the struct by value and the JIT specialises and inlines it.
/// </summary>
public interface IUnaryOp<T> where T : unmanaged
{
    /// <summary>One element.</summary>
    T Apply(T x);

    /// <summary>A contiguous run: dst[i] = Apply(x[i]). <paramref name="x"/> and <paramref name="dst"/> have equal length.</summary>
    void Apply(ReadOnlySpan<T> x, Span<T> dst);
}

/// <summary>Applies a unary operator to a strided view into a contiguous destination.</summary>
public static class Unary
{
    /// <summary>
    /// dst[i] = op(src[offset + index(i) . strides]) over <paramref name="shape"/>; dst is row-major and
    /// holds exactly shape's element count. Contiguous input takes the operator's span path in one call;
    /// views take it row by row when rows are dense and the scalar path otherwise.
    /// </summary>
    public static void Apply<T, TOp>(ReadOnlySpan<T> src, int offset, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<T> dst, TOp op)
        where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        int total = dst.Length;
        if (total == 0) return;
        if (RowWalker.IsContiguous(shape, strides))
        {
            if (Workers.Chunks(total, Workers.ElementWork) > 1) Split(src.Slice(offset, total), dst, op);
            else op.Apply(src.Slice(offset, total), dst);
            return;
        }
        Span<int> idx = stackalloc int[Math.Max(shape.Length, 1)];
        var w = new RowWalker(shape, idx, offset, strides);
        int inner = w.Inner, step = w.Step0, o = 0;
        do
        {
            var row = dst.Slice(o, inner);
            if (step == 1) op.Apply(src.Slice(w.P0, inner), row);
            else for (int j = 0, p = w.P0; j < inner; j++, p += step) row[j] = op.Apply(src[p]);
            o += inner;
        }
        while (w.Next());
    }

    /// <summary>A large contiguous run cut into one chunk per core (chunks start on 64-byte multiples).</summary>
    private static unsafe void Split<T, TOp>(ReadOnlySpan<T> x, Span<T> dst, TOp op) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        fixed (T* px = x, pd = dst)
        {
            nint a = (nint)px, d = (nint)pd;
            Workers.For(x.Length, Workers.ElementWork, (s, e) => op.Apply(new ReadOnlySpan<T>((T*)a + s, e - s), new Span<T>((T*)d + s, e - s)), align: 64);
        }
    }

    /// <summary>The scalar loop, for operators without a vectorised span path.</summary>
    public static void Loop<T, TOp>(ReadOnlySpan<T> x, Span<T> dst, TOp op) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        for (int i = 0; i < x.Length; i++) dst[i] = op.Apply(x[i]);
    }
}
