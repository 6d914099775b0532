using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Eager.Kernels.Conv;
using Eager.Kernels.Memory;

namespace Eager.Kernels.Quant;

/// <summary>
/// 8-bit NHWC convolution with an HWIO filter, ONNX's ConvInteger: y = sum (x - xZero) * (w - wZero[o]) in int32.
/// Outputs up to 16 channels wide run a direct kernel (<see cref="Int8ConvDirect"/>); wider ones one <see cref="Int8Gemm"/>
/// over the im2col matrix (the input itself for a pointwise window). Padding taps hold the input's zero point, so they
/// add nothing, as ONNX specifies.
/// </summary>
public static class Int8Conv
{
    /// <summary>Forward convolution. <paramref name="wZero"/> has one value or one per output channel.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry needs, or a type is not byte/sbyte.</exception>
    public static void Forward<TX, TW>(in ConvGeometry g, ReadOnlySpan<TX> x, int xZero, ReadOnlySpan<TW> w, ReadOnlySpan<int> wZero, Span<int> y)
        where TX : unmanaged where TW : unmanaged
    {
        Check(g, x.Length, w.Length, y.Length, "Forward");
        Pad<TX>(xZero);
        Pad<TW>(0);
        if (Int8ConvDirect.Takes(g))
        {
            unsafe
            {
                fixed (int* py = y) Int8ConvDirect.Run(DirectPath(g), g, x, xZero, w, wZero, [], [], 0, false, (byte*)py);
            }
            return;
        }
        Accumulate(g, x, xZero, w, wZero, y);
    }

    /// <summary>
    /// ONNX's QLinearConv arithmetic without the int32 tensor: y = saturate(round((acc + bias[o]) * multiplier[o]) +
    /// yZero) with acc the convolution of <see cref="Forward"/>, computed in float32 as
    /// <see cref="Quantize.Requantize"/> does. Narrow outputs requantise each pixel as it is computed.
    /// </summary>
    /// <exception cref="ArgumentException">A span is too short, a list has the wrong length, or a type is not byte/sbyte.</exception>
    public static void ForwardRequantized<TX, TW, TY>(in ConvGeometry g, ReadOnlySpan<TX> x, int xZero, ReadOnlySpan<TW> w, ReadOnlySpan<int> wZero,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multiplier, int yZero, Span<TY> y)
        where TX : unmanaged where TW : unmanaged where TY : unmanaged
    {
        Check(g, x.Length, w.Length, y.Length, "ForwardRequantized");
        Pad<TX>(xZero);
        Pad<TW>(0);
        Pad<TY>(yZero);
        int n = g.OutChannels;
        if (bias.Length != 0 && bias.Length != n || multiplier.Length != 1 && multiplier.Length != n)
            throw new ArgumentException($"Int8Conv: {n} output channels need 0 or {n} biases and 1 or {n} multipliers, got {bias.Length} and {multiplier.Length}.");
        if (Int8ConvDirect.Takes(g))
        {
            unsafe
            {
                fixed (TY* py = y) Int8ConvDirect.Run(DirectPath(g), g, x, xZero, w, wZero, bias, multiplier, yZero, typeof(TY) == typeof(sbyte), (byte*)py);
            }
            return;
        }
        int size = g.OutPixels * n;
        var acc = BufferPool<int>.Rent(Math.Max(1, size));
        try
        {
            Accumulate(g, x, xZero, w, wZero, acc.AsSpan(0, size));
            Quantize.Requantize(acc.AsSpan(0, size), y[..size], g.OutPixels, n, bias, multiplier, yZero);
        }
        finally
        {
            BufferPool<int>.Return(acc);
        }
    }

    private static void Check(in ConvGeometry g, int x, int w, int y, string what)
    {
        long k = g.PatchSize, n = g.OutChannels, m = g.OutPixels;
        if (x < g.InputLength || w < k * n || y < m * n)
            throw new ArgumentException($"Int8Conv.{what}: spans ({x}, {w}, {y}) are too short for input {g.InputLength}, filter {k * n}, output {m * n}.");
    }

    /// <summary>The direct kernel's vector width: 256-bit when 8 channels fill it (or when forced), else 512-bit.</summary>
    private static Int8GemmPath DirectPath(in ConvGeometry g)
    {
        var p = Int8Gemm.Path;
        if (p == Int8GemmPath.Auto)
            p = Avx512BW.IsSupported && Vector512.IsHardwareAccelerated && g.OutChannels > 8 ? Int8GemmPath.Avx512BW
                : Avx2.IsSupported ? Int8GemmPath.Avx2 : Int8GemmPath.Portable;
        if (p == Int8GemmPath.AvxVnni) p = Int8GemmPath.Avx2;
        return Int8Gemm.IsSupported(p) ? p : Int8GemmPath.Portable;
    }

    /// <summary>im2col (the input itself for a pointwise window), then one GEMM.</summary>
    private static void Accumulate<TX, TW>(in ConvGeometry g, ReadOnlySpan<TX> x, int xZero, ReadOnlySpan<TW> w, ReadOnlySpan<int> wZero, Span<int> y)
        where TX : unmanaged where TW : unmanaged
    {
        int k = g.PatchSize, n = g.OutChannels, m = g.OutPixels;
        if (g.IsPointwise)
        {
            Int8Gemm.Multiply(m, n, k, x, k, [xZero], w, n, wZero, y, n);
            return;
        }
        var col = BufferPool<TX>.Rent(Math.Max(1, m * k));
        try
        {
            TX pad = Pad<TX>(xZero);
            var colSpan = col.AsSpan(0, m * k);
            Gather(g, x, colSpan, pad);
            Int8Gemm.Multiply(m, n, k, (ReadOnlySpan<TX>)colSpan, k, [xZero], w, n, wZero, y, n);
        }
        finally
        {
            BufferPool<TX>.Return(col);
        }
    }

    private static T Pad<T>(int zero) where T : unmanaged
    {
        if (typeof(T) == typeof(byte)) return (T)(object)(byte)zero;
        if (typeof(T) == typeof(sbyte)) return (T)(object)(sbyte)zero;
        throw new ArgumentException($"Int8Conv: 8-bit operands must be byte or sbyte, got {typeof(T).Name}.");
    }

    /// <summary>The im2col rows with padding taps set to <paramref name="pad"/>, one output row of pixels per work item.
    /// A window row inside the input is one run of KernelWidth * InChannels bytes (when DilationW is 1): copying runs
    /// rather than taps matters for narrow inputs, where a tap is a single byte.</summary>
    private static unsafe void Gather<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> col, T pad) where T : unmanaged
    {
        var geo = g;
        byte padByte = Unsafe.As<T, byte>(ref pad);
        fixed (T* pin = input) fixed (T* pcol = col)
        {
            nint src = (nint)pin, dst = (nint)pcol;
            Workers.For(g.Batch * g.OutHeight, (long)g.OutWidth * g.PatchSize, (r0, r1) =>
            {
                for (int r = r0; r < r1; r++) GatherRow(geo, (byte*)src, (byte*)dst, r, padByte);
            });
        }
    }

    private static unsafe void GatherRow(in ConvGeometry g, byte* input, byte* col, int r, byte pad)
    {
        int c = g.InChannels, kw = g.KernelWidth, k = g.PatchSize, run = kw * c;
        int n = r / g.OutHeight, oh = r - n * g.OutHeight;
        int ih0 = oh * g.StrideH - g.PadTop;
        byte* dst = col + (nint)r * g.OutWidth * k;
        for (int ow = 0; ow < g.OutWidth; ow++, dst += k)
        {
            int iw0 = ow * g.StrideW - g.PadLeft;
            bool whole = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= g.InWidth;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int ih = ih0 + i * g.DilationH;
                byte* seg = dst + i * run;
                if ((uint)ih >= (uint)g.InHeight) { Fill(seg, run, pad); continue; }
                byte* row = input + (nint)g.InputOffset(n, ih, 0);
                if (whole) { Copy(seg, row + (nint)iw0 * c, run); continue; }
                for (int j = 0; j < kw; j++)
                {
                    int iw = iw0 + j * g.DilationW;
                    if ((uint)iw >= (uint)g.InWidth) Fill(seg + j * c, c, pad);
                    else Copy(seg + j * c, row + (nint)iw * c, c);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(byte* dst, byte* src, int count)
    {
        // Runs are short (a 3x3 window of one channel is 3 bytes): a call to memmove per run costs more than the copy.
        if (count < 16) { for (int i = 0; i < count; i++) dst[i] = src[i]; }
        else Buffer.MemoryCopy(src, dst, count, count);
    }

    private static unsafe void Fill(byte* dst, int count, byte value) => new Span<byte>(dst, count).Fill(value);
}
