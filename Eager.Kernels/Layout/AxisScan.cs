using System.Numerics;

namespace Eager.Kernels.Layout;

/// <summary>
/// Running sums and top-k selection along the middle axis of a contiguous block seen as [outer, axis, inner].
/// </summary>
public static class AxisScan
{
    /// <summary>dst[o, j, i] = the sum of src[o, 0..j, i] (0..j-1 when <paramref name="exclusive"/>; counted from the end when
    /// <paramref name="reverse"/>).</summary>
    public static void CumSum<T>(ReadOnlySpan<T> src, Span<T> dst, int outer, int axis, int inner, bool exclusive, bool reverse)
        where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = T.Zero;
                for (int s = 0; s < axis; s++)
                {
                    int at = (o * axis + (reverse ? axis - 1 - s : s)) * inner + i;
                    if (exclusive) { dst[at] = acc; acc += src[at]; }
                    else { acc += src[at]; dst[at] = acc; }
                }
            }
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) entries of each lane, sorted, with their positions; equal
    /// values keep the lower position first (ONNX's rule). NaN counts as larger than every number.</summary>
    public static void TopK<T>(ReadOnlySpan<T> src, Span<T> values, Span<long> indices, int outer, int axis, int inner, int k, bool largest)
        where T : unmanaged, INumber<T>
    {
        var order = new int[axis];
        var lane = new T[axis];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int j = 0; j < axis; j++) { order[j] = j; lane[j] = src[(o * axis + j) * inner + i]; }
                Array.Sort(order, (a, b) =>
                {
                    int c = Compare(lane[a], lane[b]);
                    if (largest) c = -c;
                    return c != 0 ? c : a.CompareTo(b);
                });
                for (int j = 0; j < k; j++)
                {
                    int at = (o * k + j) * inner + i;
                    values[at] = lane[order[j]];
                    indices[at] = order[j];
                }
            }
    }

    private static int Compare<T>(T a, T b) where T : INumber<T>
    {
        bool na = T.IsNaN(a), nb = T.IsNaN(b);
        if (na || nb) return na == nb ? 0 : na ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }
}
