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
    public double[] ToDoubleArray()
    {
        RequireStorage("ToDoubleArray");
        if (DType == DType.Float64) return ToArray<double>();
        var result = new double[Shape.Size];
        var src = Contiguous();
        DTypeConvert.Convert(DType, src.Bytes(), DType.Float64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        src.KeepAlive();
        return result;
    }

    /// <summary>The elements of a contiguous tensor as raw bytes (any dtype).</summary>
    internal ReadOnlySpan<byte> Bytes() => WritableBytes();

    /// <summary>The elements of a contiguous tensor as writable raw bytes, for filling a tensor just made.</summary>
    internal Span<byte> WritableBytes()
    {
        var s = RequireStorage("Bytes");
        if (!IsContiguous) throw new InvalidOperationException($"Bytes: the tensor of shape {Shape} is a non-contiguous view; call Contiguous() first.");
        return s.Bytes(Offset, Shape.Size);
    }
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
            case Storage<Half> h: Strided.Gather<Half>(h.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<Half>()); break;
            case Storage<BFloat16> h: Strided.Gather<BFloat16>(h.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<BFloat16>()); break;
            case Storage<sbyte> i8: Strided.Gather<sbyte>(i8.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<sbyte>()); break;
            case Storage<byte> u8: Strided.Gather<byte>(u8.Array, src.Offset, src.Shape.Span, src.Strides, dst.Span<byte>()); break;
            default: throw new NotSupportedException($"Copy: no strided copy for dtype {src.DType.Name()}.");
        }
        GC.KeepAlive(s);
    }
}
