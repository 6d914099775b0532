using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Conv;

/// <summary>
/// The im2col matrix of an NHWC convolution and its adjoint. Row m is output pixel m (n, oh, ow flattened);
/// its PatchSize columns are the window taps in (kh, kw, c) order, which is the row order of an HWIO filter
/// seen as a [PatchSize, OutChannels] matrix, so a convolution is one GEMM. Padding taps are zeros.
/// </summary>
public static class Im2Col
{
    /// <summary>Writes im2col rows [m0, m0 + rows) into <paramref name="col"/> ([rows, PatchSize], row-major).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather<T>(in ConvGeometry g, ReadOnlySpan<T> input, int m0, int rows, Span<T> col) where T : unmanaged
    {
        int c = g.InChannels, kw = g.KernelWidth, k = g.PatchSize, hw = g.OutHeight * g.OutWidth;
        for (int r = 0; r < rows; r++)
        {
            int m = m0 + r, n = m / hw, rem = m - n * hw, oh = rem / g.OutWidth, ow = rem - oh * g.OutWidth;
            var dst = col.Slice(r * k, k);
            int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
            // A whole window row is one contiguous run of the input when it is dense and fully inside.
            bool rowInside = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= g.InWidth;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int ih = ih0 + i * g.DilationH;
                var seg = dst.Slice(i * kw * c, kw * c);
                if ((uint)ih >= (uint)g.InHeight) { seg.Clear(); continue; }
                if (rowInside) { input.Slice(g.InputOffset(n, ih, iw0), kw * c).CopyTo(seg); continue; }
                for (int j = 0; j < kw; j++)
                {
                    int iw = iw0 + j * g.DilationW;
                    var tap = seg.Slice(j * c, c);
                    if ((uint)iw >= (uint)g.InWidth) tap.Clear();
                    else input.Slice(g.InputOffset(n, ih, iw), c).CopyTo(tap);
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Gather"/>: adds im2col rows [m0, m0 + rows) back into the input-shaped
    /// <paramref name="inputGrad"/> (padding taps are dropped). Rows of different output pixels overlap in the
    /// input, so callers must not run two calls that touch the same image at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAdd<T>(in ConvGeometry g, ReadOnlySpan<T> col, int m0, int rows, Span<T> inputGrad)
        where T : unmanaged, IAdditionOperators<T, T, T>, IAdditiveIdentity<T, T>
    {
        int c = g.InChannels, kw = g.KernelWidth, k = g.PatchSize, hw = g.OutHeight * g.OutWidth;
        for (int r = 0; r < rows; r++)
        {
            int m = m0 + r, n = m / hw, rem = m - n * hw, oh = rem / g.OutWidth, ow = rem - oh * g.OutWidth;
            var src = col.Slice(r * k, k);
            int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
            bool rowInside = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= g.InWidth;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int ih = ih0 + i * g.DilationH;
                if ((uint)ih >= (uint)g.InHeight) continue;
                var seg = src.Slice(i * kw * c, kw * c);
                if (rowInside)
                {
                    var d = inputGrad.Slice(g.InputOffset(n, ih, iw0), kw * c);
                    TensorPrimitives.Add(d, seg, d);
                    continue;
                }
                for (int j = 0; j < kw; j++)
                {
                    int iw = iw0 + j * g.DilationW;
                    if ((uint)iw >= (uint)g.InWidth) continue;
                    var d = inputGrad.Slice(g.InputOffset(n, ih, iw), c);
                    TensorPrimitives.Add(d, seg.Slice(j * c, c), d);
                }
            }
        }
    }
}
