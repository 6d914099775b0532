using Eager.Kernels.Layout;

namespace Eager;

public sealed partial class Tensor
{
    /// <summary>The elements in row-major order, as a new array. T must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var storage = RequireStorage("ToArray");
        if (storage is not Storage<T> typed)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}>: the tensor's dtype is {DType.Name()}; use ToArray<{DType.ClrType().Name}>() or Ops.Cast first.");
        var result = new T[Shape.Size];
        if (IsContiguous) typed.Array.AsSpan(Offset, result.Length).CopyTo(result);
        else Strided.Gather<T>(typed.Array, Offset, Shape.Span, strides, result);
        GC.KeepAlive(typed);
        return result;
    }

    /// <summary>The single value of a tensor with one element.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Shape.Size != 1)
            throw new InvalidOperationException($"Item: the tensor has shape {Shape} ({Shape.Size} elements); Item needs exactly one.");
        return ToArray<T>()[0];
    }

    /// <summary>Every element converted to float64 (any dtype), row-major.</summary>
    public double[] ToDoubleArray() => DType switch
    {
        DType.Float32 => Array.ConvertAll(ToArray<float>(), v => (double)v),
        DType.Float64 => ToArray<double>(),
        DType.Int32 => Array.ConvertAll(ToArray<int>(), v => (double)v),
        DType.Int64 => Array.ConvertAll(ToArray<long>(), v => (double)v),
        DType.Bool => Array.ConvertAll(ToArray<bool>(), v => v ? 1.0 : 0.0),
        _ => throw new InvalidOperationException(),
    };
}

/// <summary>Strided-to-contiguous copies for any dtype.</summary>
internal static class StridedCopy
{
    public static void Copy(Tensor src, Tensor dst)
    {
        var s = src.RequireStorage("Copy");
        switch (s)
        {
            case Storage<float> f: Strided.Gather<float>(f.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<float>()); break;
            case Storage<double> d: Strided.Gather<double>(d.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<double>()); break;
            case Storage<int> i: Strided.Gather<int>(i.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<int>()); break;
            case Storage<long> l: Strided.Gather<long>(l.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<long>()); break;
            case Storage<bool> b: Strided.Gather<bool>(b.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<bool>()); break;
        }
        GC.KeepAlive(s);
    }
}
