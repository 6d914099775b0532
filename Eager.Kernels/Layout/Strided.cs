namespace Eager.Kernels.Layout;

/// <summary>Copies between strided layouts (views) and contiguous buffers.</summary>
public static class Strided
{
    /// <summary>
    /// Gathers the elements of a strided view (shape, strides in elements, offset) into a contiguous
    /// row-major destination of shape.Product elements. Strides may be 0 (broadcast).
    /// </summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int offset, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<T> dst)
    {
        int rank = shape.Length;
        int total = 1;
        foreach (var d in shape) total *= d;
        if (total == 0) return;
        if (rank == 0) { dst[0] = src[offset]; return; }
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int o = 0, s = offset;
        while (o < total)
        {
            if (innerStride == 1) { src.Slice(s, inner).CopyTo(dst.Slice(o, inner)); }
            else if (innerStride == 0) { dst.Slice(o, inner).Fill(src[s]); }
            else { for (int j = 0, p = s; j < inner; j++, p += innerStride) dst[o + j] = src[p]; }
            o += inner;
            // advance the outer index (odometer)
            int ax = rank - 2;
            while (ax >= 0)
            {
                idx[ax]++;
                s += strides[ax];
                if (idx[ax] < shape[ax]) break;
                s -= strides[ax] * shape[ax];
                idx[ax] = 0;
                ax--;
            }
            if (ax < 0) break;
        }
    }
}
