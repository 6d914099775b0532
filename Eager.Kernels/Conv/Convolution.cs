using System.Numerics;
using Eager.Kernels.Memory;
using GemmKernel = Eager.Kernels.Gemm.Gemm;

namespace Eager.Kernels.Conv;

/// <summary>
/// 2-D convolution in NHWC layout with an HWIO filter (seen as a [PatchSize, OutChannels] matrix), and its two
/// backward passes, by im2col into pooled scratch plus GEMM; a 1x1, stride-1, unpadded convolution is a plain
/// GEMM over the input. Each entry point takes spans and a validated <see cref="ConvGeometry"/>, so a direct or
/// Winograd path can replace one of them without touching the op layer.
/// </summary>
public static unsafe class Convolution
{
    /// <summary>Scratch elements per im2col chunk: large enough for GEMM efficiency, small enough to stay in cache levels.</summary>
    private const int ChunkElements = 1 << 18;

    /// <summary>Below this many multiply-adds a call stays on one thread.</summary>
    private const long ParallelWork = 1L << 21;

    /// <summary>output[OutPixels, OutChannels] = conv(input, filter).</summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        if (m == 0 || o == 0) return;
        if (k == 0) { output.Slice(0, m * o).Clear(); return; }
        if (g.IsPointwise) { GemmKernel.Multiply(m, o, k, input, k, filter, o, output, o); return; }
        int rows = ChunkRows(k, m);
        int chunks = (m + rows - 1) / rows;
        var geo = g;
        fixed (T* pIn = input, pF = filter, pOut = output)
        {
            T* inP = pIn, fP = pF, outP = pOut;
            int inLen = input.Length, fLen = filter.Length, outLen = output.Length;
            Run(chunks, (long)m * k * o, ci =>
            {
                int m0 = ci * rows, r = Math.Min(rows, m - m0);
                var col = BufferPool<T>.Rent(r * k);
                Im2Col.Gather(geo, new ReadOnlySpan<T>(inP, inLen), m0, r, col);
                GemmKernel.Multiply(r, o, k, col, k, new ReadOnlySpan<T>(fP, fLen), o, new Span<T>(outP, outLen).Slice(m0 * o), o);
                BufferPool<T>.Return(col);
            });
        }
    }

    /// <summary>inputGrad = d(sum(output * outGrad)) / d input: the transposed convolution of outGrad with the filter.</summary>
    public static void BackpropInput<T>(in ConvGeometry g, ReadOnlySpan<T> filter, ReadOnlySpan<T> outGrad, Span<T> inputGrad)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        inputGrad.Slice(0, g.InputLength).Clear();
        if (m == 0 || o == 0 || k == 0) return;
        var filterT = BufferPool<T>.Rent(o * k);
        Transpose2D.Copy(filter, k, o, filterT);
        if (g.IsPointwise)
        {
            GemmKernel.Multiply(m, k, o, outGrad, o, filterT, k, inputGrad, k);
            BufferPool<T>.Return(filterT);
            return;
        }
        // Windows overlap inside an image, so images run in parallel and each image's chunks in order.
        int hw = g.OutHeight * g.OutWidth;
        int rows = ChunkRows(k, hw);
        var geo = g;
        fixed (T* pG = outGrad, pIn = inputGrad, pFt = filterT)
        {
            T* gP = pG, inP = pIn, ftP = pFt;
            int gLen = outGrad.Length, inLen = inputGrad.Length;
            Run(g.Batch, (long)m * k * o, n =>
            {
                var col = BufferPool<T>.Rent(rows * k);
                var ft = new ReadOnlySpan<T>(ftP, o * k);
                for (int m0 = n * hw; m0 < (n + 1) * hw; m0 += rows)
                {
                    int r = Math.Min(rows, (n + 1) * hw - m0);
                    GemmKernel.Multiply(r, k, o, new ReadOnlySpan<T>(gP, gLen).Slice(m0 * o), o, ft, k, col, k);
                    Im2Col.ScatterAdd(geo, col, m0, r, new Span<T>(inP, inLen));
                }
                BufferPool<T>.Return(col);
            });
        }
        BufferPool<T>.Return(filterT);
    }

    /// <summary>filterGrad = d(sum(output * outGrad)) / d filter, as [PatchSize, OutChannels] (HWIO).</summary>
    public static void BackpropFilter<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> outGrad, Span<T> filterGrad)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        filterGrad.Slice(0, k * o).Clear();
        if (m == 0 || o == 0 || k == 0) return;
        // filterGrad^T [O, K] = outGrad^T [O, M] x col [M, K], accumulated over chunks of M. Transposing the
        // outGrad chunk is cheaper than transposing col, since K (= kh*kw*c) is usually larger than O.
        int rows = ChunkRows(Math.Max(k, o), m);
        int chunks = (m + rows - 1) / rows;
        int workers = (long)m * k * o < ParallelWork ? 1 : Math.Min(Environment.ProcessorCount, chunks);
        var partials = new T[workers][];
        var geo = g;
        fixed (T* pIn = input, pG = outGrad)
        {
            T* inP = pIn, gP = pG;
            int inLen = input.Length, gLen = outGrad.Length;
            Run(workers, workers > 1 ? ParallelWork : 0, w =>
            {
                var acc = BufferPool<T>.Rent(o * k);
                acc.AsSpan(0, o * k).Clear();
                var col = geo.IsPointwise ? null : BufferPool<T>.Rent(rows * k);
                var gT = BufferPool<T>.Rent(rows * o);
                var inSpan = new ReadOnlySpan<T>(inP, inLen);
                for (int ci = w; ci < chunks; ci += workers)
                {
                    int m0 = ci * rows, r = Math.Min(rows, m - m0);
                    ReadOnlySpan<T> c = col is null ? inSpan.Slice(m0 * k, r * k) : col;
                    if (col is not null) Im2Col.Gather(geo, inSpan, m0, r, col);
                    Transpose2D.Copy(new ReadOnlySpan<T>(gP, gLen).Slice(m0 * o, r * o), r, o, gT);
                    GemmKernel.Multiply(o, k, r, gT, r, c, k, acc, k, accumulate: true);
                }
                if (col is not null) BufferPool<T>.Return(col);
                BufferPool<T>.Return(gT);
                partials[w] = acc;
            });
        }
        for (int w = 1; w < workers; w++)
        {
            var a = partials[0].AsSpan(0, o * k);
            var b = partials[w].AsSpan(0, o * k);
            for (int i = 0; i < a.Length; i++) a[i] += b[i];
            BufferPool<T>.Return(partials[w]);
        }
        Transpose2D.Copy(partials[0], o, k, filterGrad);
        BufferPool<T>.Return(partials[0]);
    }

    private static int ChunkRows(int width, int total) => Math.Max(1, Math.Min(total, ChunkElements / Math.Max(width, 1)));

    /// <summary>Runs body(0..count-1), on the thread pool when the work is large enough to pay for it.</summary>
    internal static void Run(int count, long work, Action<int> body)
    {
        if (count <= 1 || work < ParallelWork || Environment.ProcessorCount == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, body);
    }
}
