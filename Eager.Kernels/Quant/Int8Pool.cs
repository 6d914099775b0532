using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Eager.Kernels.Conv;

namespace Eager.Kernels.Quant;

/// <summary>Max pooling of 8-bit NHWC tensors (quantised activations: the maximum commutes with dequantisation, so the
/// pool runs on the integers). Padding cells never win, as in the float kernel.</summary>
public static class Int8Pool
{
    /// <summary>y = the maximum of each window's in-bounds cells, per channel.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry needs, or <typeparamref name="T"/> is not byte/sbyte.</exception>
    public static unsafe void MaxForward<T>(in ConvGeometry g, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(sbyte))
            throw new ArgumentException($"Int8Pool: the element type must be byte or sbyte, got {typeof(T).Name}.");
        long outLength = (long)g.OutPixels * g.InChannels;
        if (x.Length < g.InputLength || y.Length < outLength)
            throw new ArgumentException($"Int8Pool: spans ({x.Length}, {y.Length}) are too short for input {g.InputLength} and output {outLength}.");
        var geo = g;
        fixed (T* px = x) fixed (T* py = y)
        {
            nint src = (nint)px, dst = (nint)py;
            Workers.For(g.Batch * g.OutHeight, (long)g.OutWidth * g.KernelHeight * g.KernelWidth * g.InChannels,
                (r0, r1) => { for (int r = r0; r < r1; r++) Row<T>(geo, (byte*)src, (byte*)dst, r); });
        }
    }

    private static unsafe void Row<T>(in ConvGeometry g, byte* x, byte* y, int r) where T : unmanaged
    {
        int c = g.InChannels, n = r / g.OutHeight, oh = r - n * g.OutHeight;
        int ih0 = oh * g.StrideH - g.PadTop;
        byte* o = y + (nint)r * g.OutWidth * c;
        for (int ow = 0; ow < g.OutWidth; ow++, o += c)
        {
            int iw0 = ow * g.StrideW - g.PadLeft;
            bool first = true;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int ih = ih0 + i * g.DilationH;
                if ((uint)ih >= (uint)g.InHeight) continue;
                for (int j = 0; j < g.KernelWidth; j++)
                {
                    int iw = iw0 + j * g.DilationW;
                    if ((uint)iw >= (uint)g.InWidth) continue;
                    byte* s = x + (nint)g.InputOffset(n, ih, iw);
                    if (first) { Copy(o, s, c); first = false; }
                    else Max<T>(o, s, c);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(byte* o, byte* s, int count)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8) *(ulong*)(o + i) = *(ulong*)(s + i);
        for (; i < count; i++) o[i] = s[i];
    }

    /// <summary>o = max(o, s) over <paramref name="count"/> elements, 16 or 8 at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Max<T>(byte* o, byte* s, int count) where T : unmanaged
    {
        int i = 0;
        for (; i + 16 <= count; i += 16)
        {
            if (typeof(T) == typeof(sbyte)) Vector128.Max(Vector128.Load((sbyte*)o + i), Vector128.Load((sbyte*)s + i)).Store((sbyte*)o + i);
            else Vector128.Max(Vector128.Load(o + i), Vector128.Load(s + i)).Store(o + i);
        }
        for (; i + 8 <= count; i += 8)
        {
            var a = Vector128.CreateScalar(*(ulong*)(o + i));
            var b = Vector128.CreateScalar(*(ulong*)(s + i));
            var m = typeof(T) == typeof(sbyte) ? Vector128.Max(a.AsSByte(), b.AsSByte()).AsUInt64() : Vector128.Max(a.AsByte(), b.AsByte()).AsUInt64();
            *(ulong*)(o + i) = m.ToScalar();
        }
        for (; i < count; i++)
            o[i] = typeof(T) == typeof(sbyte) ? (byte)Math.Max((sbyte)o[i], (sbyte)s[i]) : Math.Max(o[i], s[i]);
    }
}
