using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Eager.Kernels.Elementwise;

/// <summary>Element-wise choice between two tensors by a bool condition, with broadcasting of all three.</summary>
public static class Select
{
    /// <summary>dst[i] = cond[ic] ? x[ix] : y[iy] over the broadcast output <paramref name="shape"/>;
    /// each operand has strides over that shape (0 on broadcast dimensions).</summary>
    public static void Apply<T>(ReadOnlySpan<bool> cond, int cOffset, ReadOnlySpan<int> cStrides,
                                ReadOnlySpan<T> x, int xOffset, ReadOnlySpan<int> xStrides,
                                ReadOnlySpan<T> y, int yOffset, ReadOnlySpan<int> yStrides,
                                ReadOnlySpan<int> shape, Span<T> dst) where T : unmanaged
    {
        if (dst.Length == 0) return;
        // Dense operands (a ReLU or max-pool gradient) choose a vector at a time without branches: the walk below
        // mispredicts on every other element of a random mask and ran at 3.5 ns per element on NHWC activations.
        if (Avx2.IsSupported && (Unsafe.SizeOf<T>() == 4 || Unsafe.SizeOf<T>() == 8) && dst.Length >= 8
            && RowWalker.FlatStep(shape, cStrides) == 1)
        {
            int fx = RowWalker.FlatStep(shape, xStrides), fy = RowWalker.FlatStep(shape, yStrides);
            if (fx >= 0 && fy >= 0)
            {
                Flat(cond[cOffset..], x[xOffset..], fx, y[yOffset..], fy, dst);
                return;
            }
        }
        Span<int> idx = stackalloc int[Math.Max(shape.Length, 1)];
        var w = new RowWalker(shape, idx, cOffset, cStrides, xOffset, xStrides, yOffset, yStrides);
        int inner = w.Inner, sc = w.Step0, sx = w.Step1, sy = w.Step2, o = 0;
        do
        {
            for (int j = 0, pc = w.P0, px = w.P1, py = w.P2; j < inner; j++, pc += sc, px += sx, py += sy)
                dst[o + j] = cond[pc] ? x[px] : y[py];
            o += inner;
        }
        while (w.Next());
    }

    /// <summary>The condition's bytes widened to lane masks (vpmovzxbd / vpmovzxbq), then a blend. A step of 0 repeats element 0.</summary>
    private static unsafe void Flat<T>(ReadOnlySpan<bool> cond, ReadOnlySpan<T> x, int sx, ReadOnlySpan<T> y, int sy, Span<T> dst) where T : unmanaged
    {
        int n = dst.Length, i = 0, w = Vector256<T>.Count;
        var cx = Vector256.Create(x[0]);
        var cy = Vector256.Create(y[0]);
        fixed (bool* pc = cond)
        fixed (T* px = x, py = y, pd = dst)
        {
            for (; i <= n - w; i += w)
            {
                var vx = sx == 0 ? cx : Vector256.Load(px + i);
                var vy = sy == 0 ? cy : Vector256.Load(py + i);
                Vector256<T> keep = Unsafe.SizeOf<T>() == 4
                    ? Vector256.GreaterThan(Avx2.ConvertToVector256Int32((byte*)pc + i), Vector256<int>.Zero).As<int, T>()
                    : Vector256.GreaterThan(Avx2.ConvertToVector256Int64((byte*)pc + i), Vector256<long>.Zero).As<long, T>();
                Vector256.ConditionalSelect(keep, vx, vy).Store(pd + i);
            }
        }
        for (; i < n; i++) dst[i] = cond[i] ? x[sx * i] : y[sy * i];
    }
}
