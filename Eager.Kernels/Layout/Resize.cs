using System.Numerics;

namespace Eager.Kernels.Layout;

/// <summary>
/// Where each output row or column of a resize reads from: two source indices and the weight of the second
/// (0 for nearest-neighbour). Built once per axis by <see cref="Resize.Map"/>.
/// </summary>
public sealed record ResizeAxis(int[] Lo, int[] Hi, double[] W);

/// <summary>
/// Image resizing over the two middle axes of a contiguous [N, H, W, C] buffer, nearest-neighbour or linear, with
/// ONNX's coordinate transformation modes (half_pixel, pytorch_half_pixel, align_corners, asymmetric,
/// tf_half_pixel_for_nn) and nearest rounding modes (round_prefer_floor, round_prefer_ceil, floor, ceil).
/// Linear reads past the edges clamp to the edge, as ONNX's reference.
/// </summary>
public static class Resize
{
    /// <summary>The source coordinate of output index <paramref name="o"/>. The resized length is input * scale before
    /// rounding, as in ONNX's reference (it differs from the output size when a scale does not divide evenly).</summary>
    public static double Source(string coordinateMode, int o, int inSize, double scale)
    {
        double resized = inSize * scale;
        return coordinateMode switch
        {
            "half_pixel" => (o + 0.5) / scale - 0.5,
            "pytorch_half_pixel" => resized > 1 ? (o + 0.5) / scale - 0.5 : 0,
            "align_corners" => resized == 1 ? 0 : o * (double)(inSize - 1) / (resized - 1),
            "asymmetric" => o / scale,
            "tf_half_pixel_for_nn" => (o + 0.5) / scale,
            _ => throw new ArgumentException($"Resize: coordinate transformation mode '{coordinateMode}' is not supported."),
        };
    }

    /// <summary>The sampling plan for one axis.</summary>
    public static ResizeAxis Map(bool linear, string coordinateMode, string nearestMode, int inSize, int outSize, double scale)
    {
        var lo = new int[outSize]; var hi = new int[outSize]; var w = new double[outSize];
        for (int o = 0; o < outSize; o++)
        {
            double x = Source(coordinateMode, o, inSize, scale);
            if (linear)
            {
                double f = Math.Floor(x);
                lo[o] = Math.Clamp((int)f, 0, inSize - 1);
                hi[o] = Math.Clamp((int)f + 1, 0, inSize - 1);
                w[o] = x - f;
            }
            else
            {
                double r = nearestMode switch
                {
                    "round_prefer_floor" => x - Math.Floor(x) == 0.5 ? Math.Floor(x) : Math.Round(x),
                    "round_prefer_ceil" => x - Math.Floor(x) == 0.5 ? Math.Ceiling(x) : Math.Round(x),
                    "floor" => Math.Floor(x),
                    "ceil" => Math.Ceiling(x),
                    _ => throw new ArgumentException($"Resize: nearest mode '{nearestMode}' is not supported."),
                };
                lo[o] = hi[o] = Math.Clamp((int)r, 0, inSize - 1);
            }
        }
        return new ResizeAxis(lo, hi, w);
    }

    /// <summary>dst[n, oy, ox, c] from src[n, ., ., c] through the two axis plans.</summary>
    public static void Forward<T>(ReadOnlySpan<T> src, Span<T> dst, int n, int inH, int inW, int c, ResizeAxis ys, ResizeAxis xs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = ys.Lo.Length, outW = xs.Lo.Length;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
            {
                T wy = T.CreateTruncating(ys.W[oy]);
                int r0 = (b * inH + ys.Lo[oy]) * inW, r1 = (b * inH + ys.Hi[oy]) * inW;
                for (int ox = 0; ox < outW; ox++)
                {
                    T wx = T.CreateTruncating(xs.W[ox]);
                    int a = (r0 + xs.Lo[ox]) * c, bb = (r0 + xs.Hi[ox]) * c, cc = (r1 + xs.Lo[ox]) * c, d = (r1 + xs.Hi[ox]) * c;
                    int o = ((b * outH + oy) * outW + ox) * c;
                    for (int k = 0; k < c; k++)
                    {
                        // Zero weights read one cell only, so an infinity in a neighbour cannot turn into NaN.
                        T top = wx == T.Zero ? src[a + k] : src[a + k] + wx * (src[bb + k] - src[a + k]);
                        if (wy == T.Zero) { dst[o + k] = top; continue; }
                        T bottom = wx == T.Zero ? src[cc + k] : src[cc + k] + wx * (src[d + k] - src[cc + k]);
                        dst[o + k] = top + wy * (bottom - top);
                    }
                }
            }
    }

    /// <summary>The adjoint of <see cref="Forward"/>: adds each output gradient back onto the source cells it read (dst must start zeroed).</summary>
    public static void Backward<T>(ReadOnlySpan<T> grad, Span<T> dst, int n, int inH, int inW, int c, ResizeAxis ys, ResizeAxis xs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = ys.Lo.Length, outW = xs.Lo.Length;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
            {
                T wy = T.CreateTruncating(ys.W[oy]), vy = T.One - wy;
                int r0 = (b * inH + ys.Lo[oy]) * inW, r1 = (b * inH + ys.Hi[oy]) * inW;
                for (int ox = 0; ox < outW; ox++)
                {
                    T wx = T.CreateTruncating(xs.W[ox]), vx = T.One - wx;
                    int a = (r0 + xs.Lo[ox]) * c, bb = (r0 + xs.Hi[ox]) * c, cc = (r1 + xs.Lo[ox]) * c, d = (r1 + xs.Hi[ox]) * c;
                    int o = ((b * outH + oy) * outW + ox) * c;
                    for (int k = 0; k < c; k++)
                    {
                        T g = grad[o + k];
                        dst[a + k] += g * vy * vx;
                        dst[bb + k] += g * vy * wx;
                        dst[cc + k] += g * wy * vx;
                        dst[d + k] += g * wy * wx;
                    }
                }
            }
    }
}
