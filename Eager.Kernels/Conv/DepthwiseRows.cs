using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Eager.Kernels.Gemm;

namespace Eager.Kernels.Conv;

/// <summary>
/// The depthwise forward pass with a channel multiplier of 1 (every MobileNet-style block): one output pixel's
/// channels are cut into vector-wide blocks, and each block's accumulator takes every window tap's multiply-add
/// before it is stored once. Taps are added in (kh, kw) order from zero with fused multiply-adds, as the per-tap
/// loop did, so results are the same. One row of output pixels is one work item; the tap offsets of pixels whose
/// window lies inside the input are listed once per row.
/// </summary>
public static unsafe partial class Depthwise
{
    private static void ForwardByChannel<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var path = VectorPath<T>();
        var geo = g;
        fixed (T* pIn = input, pF = filter, pOut = output)
        {
            nint px = (nint)pIn, pw = (nint)pF, py = (nint)pOut;
            int taps = g.KernelHeight * g.KernelWidth;
            Workers.ForEach(g.Batch * g.OutHeight, (long)g.OutPixels * taps * g.InChannels, row =>
            {
                Span<int> xOff = stackalloc int[taps];
                Span<int> wOff = stackalloc int[taps];
                Span<int> inner = stackalloc int[taps];
                Span<int> innerW = stackalloc int[taps];
                Row(geo, row, (T*)px, (T*)pw, (T*)py, path, xOff, wOff, inner, innerW);
            });
        }
    }

    /// <summary>The widest accelerated vector path for float32/float64, or the one <see cref="Gemm.Gemm.Path"/> forces
    /// (tests run every path on every machine that way); the scalar loop for other element types.</summary>
    private static GemmPath VectorPath<T>() where T : unmanaged =>
        typeof(T) != typeof(float) && typeof(T) != typeof(double) ? GemmPath.Simple : GemmDriver.PackedPath<T>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row<T>(in ConvGeometry g, int row, T* x, T* w, T* y, GemmPath path,
        Span<int> xOff, Span<int> wOff, Span<int> inner, Span<int> innerW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = g.InChannels, kw = g.KernelWidth;
        int n = row / g.OutHeight, oh = row - n * g.OutHeight;
        int ih0 = oh * g.StrideH - g.PadTop;
        // Taps of a pixel whose window is inside the input horizontally, relative to its first column.
        int innerCount = 0;
        for (int i = 0; i < g.KernelHeight; i++)
        {
            int ih = ih0 + i * g.DilationH;
            if ((uint)ih >= (uint)g.InHeight) continue;
            for (int j = 0; j < kw; j++)
            {
                inner[innerCount] = ((n * g.InHeight + ih) * g.InWidth + j * g.DilationW) * c;
                innerW[innerCount++] = (i * kw + j) * c;
            }
        }
        int span = (kw - 1) * g.DilationW;
        T* dst = y + (nint)row * g.OutWidth * c;
        for (int ow = 0; ow < g.OutWidth; ow++, dst += c)
        {
            int iw0 = ow * g.StrideW - g.PadLeft;
            if (iw0 >= 0 && iw0 + span < g.InWidth)
            {
                Pixel(x + (nint)iw0 * c, w, inner, innerW, innerCount, c, dst, path);
                continue;
            }
            int count = g.ListTaps(n, oh, ow, xOff, wOff);
            for (int t = 0; t < count; t++) wOff[t] *= c;
            Pixel(x, w, xOff, wOff, count, c, dst, path);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixel<T>(T* x, T* w, Span<int> xOff, Span<int> wOff, int count, int c, T* dst, GemmPath path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (path == GemmPath.Vector512)
        {
            for (; i + Vector512<T>.Count <= c; i += Vector512<T>.Count)
            {
                var acc = Vector512<T>.Zero;
                for (int t = 0; t < count; t++)
                    acc = Fma(Vector512.Load(x + xOff[t] + i), Vector512.Load(w + wOff[t] + i), acc);
                acc.Store(dst + i);
            }
        }
        if (path != GemmPath.Simple)
        {
            for (; i + Vector256<T>.Count <= c; i += Vector256<T>.Count)
            {
                var acc = Vector256<T>.Zero;
                for (int t = 0; t < count; t++)
                    acc = Fma(Vector256.Load(x + xOff[t] + i), Vector256.Load(w + wOff[t] + i), acc);
                acc.Store(dst + i);
            }
        }
        for (; i < c; i++)
        {
            T acc = T.Zero;
            for (int t = 0; t < count; t++) acc = T.FusedMultiplyAdd(x[xOff[t] + i], w[wOff[t] + i], acc);
            dst[i] = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), acc.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Depthwise: no vector path for {typeof(T).Name}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), acc.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Depthwise: no vector path for {typeof(T).Name}.");
    }
}
