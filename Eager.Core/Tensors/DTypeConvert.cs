using System.Numerics;
using System.Runtime.InteropServices;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// Element conversions between every pair of dtypes, on raw contiguous buffers (the Cast op, tensor creation, and the
/// float32 path that ops take for the 16-bit floats). The rules: floats narrow by rounding to nearest, ties to even,
/// and overflow to infinity; every cast to int8 or uint8 saturates (floats truncate toward zero, NaN gives 0); the
/// older integer casts keep TensorFlow's rules (int64 to int32 wraps, floats truncate and saturate); bool is 1 and 0
/// one way and "not zero" the other. Casts from the 16-bit floats widen to float32 first (exact), casts into them
/// round once from the source value.
/// </summary>
internal static class DTypeConvert
{
    private const int Block = 512;

    /// <summary>Converts <paramref name="src"/> (elements of <paramref name="from"/>) into <paramref name="dst"/>
    /// (elements of <paramref name="to"/>); both hold the same number of elements.</summary>
    public static void Convert(DType from, ReadOnlySpan<byte> src, DType to, Span<byte> dst)
    {
        if (from == to) { src.CopyTo(dst); return; }
        if (from.IsHalfPrecision)
        {
            if (to == DType.Float32) { Widen(from, src, As<float>(dst)); return; }
            // Through float32 in blocks: exact, and every value of a 16-bit float is a float32.
            Span<float> buffer = stackalloc float[Block];
            int n = src.Length / 2, size = to.Size();
            for (int i = 0; i < n; i += Block)
            {
                int len = Math.Min(Block, n - i);
                var part = buffer[..len];
                Widen(from, src.Slice(i * 2, len * 2), part);
                Convert(DType.Float32, MemoryMarshal.AsBytes(part), to, dst.Slice(i * size, len * size));
            }
            return;
        }
        switch (to)
        {
            case DType.Float16: ToHalf(from, src, As<Half>(dst)); return;
            case DType.BFloat16: ToBFloat16(from, src, As<ushort>(dst)); return;
        }
        switch (from)
        {
            case DType.Float32: Numbers(Of<float>(src), to, dst); break;
            case DType.Float64: Numbers(Of<double>(src), to, dst); break;
            case DType.Int32: Numbers(Of<int>(src), to, dst); break;
            case DType.Int64: Numbers(Of<long>(src), to, dst); break;
            case DType.Int8: Numbers(Of<sbyte>(src), to, dst); break;
            case DType.UInt8: Numbers(Of<byte>(src), to, dst); break;
            case DType.Bool: FromBool(Of<bool>(src), to, dst); break;
            default: throw new ArgumentOutOfRangeException(nameof(from));
        }
    }

    /// <summary>A converted copy of a tensor (contiguous, same shape).</summary>
    public static Tensor Convert(Tensor x, DType to)
    {
        var src = x.Contiguous();
        var r = Tensor.Empty(x.Shape, to);
        Convert(src.DType, src.Bytes(), to, r.WritableBytes());
        src.KeepAlive();
        return r;
    }

    private static void Widen(DType from, ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (from == DType.Float16) TypeConvert.FromHalf(Of<Half>(src), dst);
        else BFloat16Bits.ToSingle(Of<ushort>(src), dst);
    }

    private static void ToHalf(DType from, ReadOnlySpan<byte> src, Span<Half> dst)
    {
        switch (from)
        {
            case DType.Float32: TypeConvert.ToHalf(Of<float>(src), dst); return;
            case DType.Float64: TypeConvert.ToHalf(Of<double>(src), dst); return;
        }
        // Integers and bool through float32: exact up to 2^24, and anything larger is beyond float16's range
        // (65504) either way, so rounding once or twice gives the same infinity.
        ThroughSingle(from, src, MemoryMarshal.AsBytes(dst), DType.Float16);
    }

    private static void ToBFloat16(DType from, ReadOnlySpan<byte> src, Span<ushort> dst)
    {
        switch (from)
        {
            case DType.Float32: BFloat16Bits.FromSingle(Of<float>(src), dst); return;
            case DType.Float64: BFloat16Bits.FromDouble(Of<double>(src), dst); return;
            case DType.Int32: BFloat16Bits.FromInt32(Of<int>(src), dst); return;
            case DType.Int64: BFloat16Bits.FromInt64(Of<long>(src), dst); return;
        }
        ThroughSingle(from, src, MemoryMarshal.AsBytes(dst), DType.BFloat16); // int8, uint8, bool: exact in float32
    }

    private static void ThroughSingle(DType from, ReadOnlySpan<byte> src, Span<byte> dst, DType to)
    {
        Span<float> buffer = stackalloc float[Block];
        int size = from.Size(), n = src.Length / size;
        for (int i = 0; i < n; i += Block)
        {
            int len = Math.Min(Block, n - i);
            var part = buffer[..len];
            Convert(from, src.Slice(i * size, len * size), DType.Float32, MemoryMarshal.AsBytes(part));
            Convert(DType.Float32, MemoryMarshal.AsBytes(part), to, dst.Slice(i * 2, len * 2));
        }
    }

    private static void Numbers<TFrom>(ReadOnlySpan<TFrom> s, DType to, Span<byte> d) where TFrom : unmanaged, INumberBase<TFrom>
    {
        switch (to)
        {
            case DType.Float32: TypeConvert.Numbers(s, As<float>(d)); break;
            case DType.Float64: TypeConvert.Numbers(s, As<double>(d)); break;
            case DType.Int32: TypeConvert.Numbers(s, As<int>(d)); break;
            case DType.Int64: TypeConvert.Numbers(s, As<long>(d)); break;
            case DType.Int8: TypeConvert.Saturating(s, As<sbyte>(d)); break;
            case DType.UInt8: TypeConvert.Saturating(s, As<byte>(d)); break;
            case DType.Bool: TypeConvert.ToBool(s, As<bool>(d)); break;
            default: throw new ArgumentOutOfRangeException(nameof(to));
        }
    }

    private static void FromBool(ReadOnlySpan<bool> b, DType to, Span<byte> d)
    {
        switch (to)
        {
            case DType.Float32: TypeConvert.FromBool(b, As<float>(d)); break;
            case DType.Float64: TypeConvert.FromBool(b, As<double>(d)); break;
            case DType.Int32: TypeConvert.FromBool(b, As<int>(d)); break;
            case DType.Int64: TypeConvert.FromBool(b, As<long>(d)); break;
            case DType.Int8: TypeConvert.FromBool(b, As<sbyte>(d)); break;
            case DType.UInt8: TypeConvert.FromBool(b, As<byte>(d)); break;
            default: throw new ArgumentOutOfRangeException(nameof(to));
        }
    }

    private static ReadOnlySpan<T> Of<T>(ReadOnlySpan<byte> b) where T : unmanaged => MemoryMarshal.Cast<byte, T>(b);

    private static Span<T> As<T>(Span<byte> b) where T : unmanaged => MemoryMarshal.Cast<byte, T>(b);
}
