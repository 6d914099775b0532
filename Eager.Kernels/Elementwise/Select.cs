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
}
