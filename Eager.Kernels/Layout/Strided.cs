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

    /// <summary>
    /// Copies a strided view of <paramref name="src"/> into a strided view of <paramref name="dst"/> of the same
    /// shape. Source strides may be 0 (broadcast) or negative; destination strides must not alias (no zeros).
    /// Adjacent dimensions that are contiguous in both views are merged so rows are as long as possible.
    /// </summary>
    public static void Copy<T>(ReadOnlySpan<T> src, int srcOffset, ReadOnlySpan<int> srcStrides,
                               Span<T> dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        int rank = shape.Length;
        long total = 1;
        foreach (var d in shape) total *= d;
        if (total == 0) return;
        if (rank == 0) { dst[dstOffset] = src[srcOffset]; return; }

        // Coalesce: drop size-1 dims, merge a dim into the next inner one when both views step evenly across it.
        Span<int> n = stackalloc int[rank];
        Span<int> ss = stackalloc int[rank];
        Span<int> ds = stackalloc int[rank];
        int r = 0;
        for (int i = 0; i < rank; i++)
        {
            if (shape[i] == 1) continue;
            if (r > 0 && ss[r - 1] == srcStrides[i] * shape[i] && ds[r - 1] == dstStrides[i] * shape[i])
            {
                n[r - 1] *= shape[i];
                ss[r - 1] = srcStrides[i];
                ds[r - 1] = dstStrides[i];
                continue;
            }
            n[r] = shape[i]; ss[r] = srcStrides[i]; ds[r] = dstStrides[i]; r++;
        }
        if (r == 0) { dst[dstOffset] = src[srcOffset]; return; }

        int inner = n[r - 1], si = ss[r - 1], di = ds[r - 1];
        Span<int> idx = stackalloc int[r];
        idx.Clear();
        int ps = srcOffset, pd = dstOffset;
        while (true)
        {
            if (si == 1 && di == 1) src.Slice(ps, inner).CopyTo(dst.Slice(pd, inner));
            else if (si == 0 && di == 1) dst.Slice(pd, inner).Fill(src[ps]);
            else for (int j = 0, a = ps, b = pd; j < inner; j++, a += si, b += di) dst[b] = src[a];
            int ax = r - 2;
            while (ax >= 0)
            {
                idx[ax]++;
                ps += ss[ax]; pd += ds[ax];
                if (idx[ax] < n[ax]) break;
                ps -= ss[ax] * n[ax]; pd -= ds[ax] * n[ax];
                idx[ax] = 0;
                ax--;
            }
            if (ax < 0) break;
        }
    }
}
