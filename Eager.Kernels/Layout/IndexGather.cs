using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Layout;

/// <summary>
/// Gather and scatter-add along one axis of a contiguous block seen as [outer, axis, inner].
/// Indices are already validated (0 &lt;= index &lt; axis) by the caller, so the loops stay check-free.
/// </summary>
public static class IndexGather
{
    /// <summary>dst[o, j, :] = src[o, indices[j], :] for a source of shape [outer, axis, inner].</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int outer, int axis, int inner, ReadOnlySpan<long> indices, Span<T> dst)
    {
        int n = indices.Length;
        for (int o = 0; o < outer; o++)
        {
            int srcBase = o * axis * inner, dstBase = o * n * inner;
            for (int j = 0; j < n; j++)
                src.Slice(srcBase + (int)indices[j] * inner, inner).CopyTo(dst.Slice(dstBase + j * inner, inner));
        }
    }

    /// <summary>dst[o, indices[j], :] += src[o, j, :]; dst has shape [outer, axis, inner] and is not cleared here.
    /// Repeated indices accumulate (the gradient of <see cref="Gather{T}"/>).</summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> src, int outer, int axis, int inner, ReadOnlySpan<long> indices, Span<T> dst)
        where T : unmanaged, INumber<T>
    {
        int n = indices.Length;
        for (int o = 0; o < outer; o++)
        {
            int srcBase = o * n * inner, dstBase = o * axis * inner;
            for (int j = 0; j < n; j++)
            {
                var d = dst.Slice(dstBase + (int)indices[j] * inner, inner);
                TensorPrimitives.Add(d, src.Slice(srcBase + j * inner, inner), d);
            }
        }
    }

    /// <summary>One-hot encoding: dst[o, k, i] = k == indices[o, i] ? on : off, for dst of shape [outer, depth, inner].
    /// Indices outside [0, depth) give a row of <paramref name="off"/> (TensorFlow's rule).</summary>
    public static void OneHot<T>(ReadOnlySpan<long> indices, int outer, int depth, int inner, T on, T off, Span<T> dst)
    {
        dst.Fill(off);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long k = indices[o * inner + i];
                if ((ulong)k < (ulong)depth) dst[(o * depth + (int)k) * inner + i] = on;
            }
        }
    }
}
