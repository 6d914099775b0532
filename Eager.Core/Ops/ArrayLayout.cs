using Eager.Kernels.Layout;

namespace Eager;

/// <summary>Strided copies between tensors of any dtype; the building block of concat, stack, pad, tile and the
/// gradients that scatter into zeros.</summary>
internal static class ArrayLayout
{
    /// <summary>Copies <paramref name="src"/> (any strides, broadcast allowed) into <paramref name="dst"/>, a view of
    /// freshly allocated storage with the same shape and dtype.</summary>
    public static void CopyInto(Tensor src, Tensor dst)
    {
        if (src.Shape.Size == 0) return;
        var s = src.RequireStorage("copy");
        var d = dst.RequireStorage("copy");
        switch (s)
        {
            case Storage<float> f: Strided.Copy<float>(f.Array, src.Offset, src.Strides, ((Storage<float>)d).Array, dst.Offset, dst.Strides, src.Shape.Span); break;
            case Storage<double> f: Strided.Copy<double>(f.Array, src.Offset, src.Strides, ((Storage<double>)d).Array, dst.Offset, dst.Strides, src.Shape.Span); break;
            case Storage<int> f: Strided.Copy<int>(f.Array, src.Offset, src.Strides, ((Storage<int>)d).Array, dst.Offset, dst.Strides, src.Shape.Span); break;
            case Storage<long> f: Strided.Copy<long>(f.Array, src.Offset, src.Strides, ((Storage<long>)d).Array, dst.Offset, dst.Strides, src.Shape.Span); break;
            case Storage<bool> f: Strided.Copy<bool>(f.Array, src.Offset, src.Strides, ((Storage<bool>)d).Array, dst.Offset, dst.Strides, src.Shape.Span); break;
        }
        GC.KeepAlive(s);
        GC.KeepAlive(d);
    }

    /// <summary>A new contiguous tensor of zeros (false for bool).</summary>
    public static Tensor Zeros(Shape shape, DType dtype)
    {
        var t = Tensor.Empty(shape, dtype);
        switch (t.Storage)
        {
            case Storage<float> f: f.Array.AsSpan(0, shape.Size).Clear(); break;
            case Storage<double> f: f.Array.AsSpan(0, shape.Size).Clear(); break;
            case Storage<int> f: f.Array.AsSpan(0, shape.Size).Clear(); break;
            case Storage<long> f: f.Array.AsSpan(0, shape.Size).Clear(); break;
            case Storage<bool> f: f.Array.AsSpan(0, shape.Size).Clear(); break;
        }
        return t;
    }

    /// <summary>Elements of an int32 or int64 tensor as int64, row-major.</summary>
    public static long[] Indices(Tensor t, string op)
    {
        return t.DType switch
        {
            DType.Int64 => t.ToArray<long>(),
            DType.Int32 => Array.ConvertAll(t.ToArray<int>(), v => (long)v),
            _ => throw new ArgumentException($"{op}: indices must be int32 or int64, got {t.DType.Name()}{t.Shape}."),
        };
    }

    /// <summary>A view with axes permuted (no copy).</summary>
    public static Tensor Permute(Tensor x, int[] perm)
    {
        var dims = new int[perm.Length];
        var st = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) { dims[i] = x.Shape[perm[i]]; st[i] = x.Strides[perm[i]]; }
        return x.View(Shape.Wrap(dims), st, x.Offset);
    }
}
