using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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

    /// <summary>output[OutPixels, OutChannels] = conv(input, filter).</summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        if (m == 0 || o == 0) return;
        if (g.IsPointwise) { GemmKernel.Multiply(m, o, k, input, k, filter, o, output, o); return; }
        if (NarrowConv.Applies<T>(g))
        {
            NarrowConv.Forward(g, MemoryMarshal.Cast<T, float>(input), MemoryMarshal.Cast<T, float>(filter), MemoryMarshal.Cast<T, float>(output));
            return;
        }
        if (ShiftedConv.AppliesForward<T>(g)) { ShiftedConv.Forward(g, input, filter, output); return; }
        int rows = ChunkRows(k, m);
        int chunks = (m + rows - 1) / rows;
        var geo = g;
        fixed (T* pIn = input, pF = filter, pOut = output)
        {
            T* inP = pIn, fP = pF, outP = pOut;
            int inLen = input.Length, fLen = filter.Length, outLen = output.Length;
            // Chunks of output pixels are independent: im2col and GEMM of different chunks run in parallel.
            Workers.For(chunks, (long)rows * k * o, (c0, c1) =>
            {
                var col = BufferPool<T>.Rent(rows * k);
                for (int ci = c0; ci < c1; ci++)
                {
                    int m0 = ci * rows, r = Math.Min(rows, m - m0);
                    Im2Col.Gather(geo, new ReadOnlySpan<T>(inP, inLen), m0, r, col);
                    GemmKernel.Multiply(r, o, k, col, k, new ReadOnlySpan<T>(fP, fLen), o, new Span<T>(outP, outLen).Slice(m0 * o), o);
                }
                BufferPool<T>.Return(col);
            });
        }
    }

    /// <summary>The packed filter layout <see cref="Forward{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, in FilterPacking, ReadOnlySpan{T})"/>
    /// reads for <paramref name="g"/>, or null when its path reads the filter as given (or packs only small pieces of it).</summary>
    public static FilterPacking? ForwardPacking<T>(in ConvGeometry g) where T : unmanaged =>
        g.IsPointwise || NarrowConv.Applies<T>(g) ? null : ShiftedConv.Packing<T>(g, flipped: false);

    /// <summary>The packed filter layout <see cref="BackpropInput{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, in FilterPacking, ReadOnlySpan{T})"/>
    /// reads for <paramref name="g"/>, or null.</summary>
    public static FilterPacking? BackpropInputPacking<T>(in ConvGeometry g) where T : unmanaged =>
        g.IsPointwise ? null : ShiftedConv.Packing<T>(g, flipped: true);

    /// <summary>Packs an HWIO <paramref name="filter"/> as <paramref name="packing"/> says into <paramref name="packed"/>
    /// (at least <see cref="FilterPacking.Length"/> elements; a 64-byte-aligned start runs fastest).</summary>
    /// <exception cref="ArgumentException">A span is shorter than the packing needs.</exception>
    public static void PackFilter<T>(in FilterPacking packing, ReadOnlySpan<T> filter, Span<T> packed) where T : unmanaged
    {
        if (filter.Length < (long)packing.Taps * packing.Rows * packing.Columns || packed.Length < packing.Length || packing.PanelWidth <= 0)
            throw new ArgumentException($"Convolution.PackFilter: {packing} needs a filter of {(long)packing.Taps * packing.Rows * packing.Columns} elements " +
                                        $"and {packing.Length} packed elements; got {filter.Length} and {packed.Length}.");
        ShiftedConv.Pack(packing, filter, packed);
    }

    /// <summary>The forward pass with the filter already packed: <paramref name="packed"/> holds <paramref name="filter"/>
    /// packed as <paramref name="packing"/>, which a caller got from <see cref="ForwardPacking{T}"/>. When the geometry
    /// now asks for another packing (the kernel family was switched since), the packed copy is ignored.</summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> filter, Span<T> output, in FilterPacking packing, ReadOnlySpan<T> packed)
        where T : unmanaged, INumber<T>
    {
        if (g.OutPixels == 0 || g.OutChannels == 0 || ForwardPacking<T>(g) != packing || packed.Length < packing.Length)
        {
            Forward(g, input, filter, output);
            return;
        }
        ShiftedConv.Forward(g, input, filter, output, packed);
    }

    /// <summary>The input gradient with the filter already packed as <see cref="BackpropInputPacking{T}"/> said.</summary>
    public static void BackpropInput<T>(in ConvGeometry g, ReadOnlySpan<T> filter, ReadOnlySpan<T> outGrad, Span<T> inputGrad, in FilterPacking packing, ReadOnlySpan<T> packed)
        where T : unmanaged, INumber<T>
    {
        if (g.OutPixels == 0 || g.OutChannels == 0 || g.PatchSize == 0 || BackpropInputPacking<T>(g) != packing || packed.Length < packing.Length)
        {
            BackpropInput(g, filter, outGrad, inputGrad);
            return;
        }
        inputGrad.Slice(0, g.InputLength).Clear();
        ShiftedConv.BackpropInput(g, filter, outGrad, inputGrad, packed);
    }

    /// <summary>inputGrad = d(sum(output * outGrad)) / d input: the transposed convolution of outGrad with the filter.</summary>
    public static void BackpropInput<T>(in ConvGeometry g, ReadOnlySpan<T> filter, ReadOnlySpan<T> outGrad, Span<T> inputGrad)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        inputGrad.Slice(0, g.InputLength).Clear();
        if (m == 0 || o == 0 || k == 0) return;
        // col [M, K] = outGrad [M, O] x filter^T; the GEMM reads the filter transposed in place.
        if (g.IsPointwise) { GemmKernel.Multiply(false, true, m, k, o, outGrad, o, filter, o, inputGrad, k); return; }
        if (ShiftedConv.Applies<T>(g)) { ShiftedConv.BackpropInput(g, filter, outGrad, inputGrad); return; }
        int hw = g.OutHeight * g.OutWidth;
        int rows = ChunkRows(k, hw);
        var geo = g;
        fixed (T* pG = outGrad, pF = filter, pIn = inputGrad)
        {
            T* gP = pG, fP = pF, inP = pIn;
            int gLen = outGrad.Length, fLen = filter.Length, inLen = inputGrad.Length;
            // Windows overlap inside an image, so images run in parallel and each image's chunks in order.
            Workers.For(g.Batch, (long)hw * k * o, (n0, n1) =>
            {
                var col = BufferPool<T>.Rent(rows * k);
                for (int n = n0; n < n1; n++)
                {
                    for (int m0 = n * hw; m0 < (n + 1) * hw; m0 += rows)
                    {
                        int r = Math.Min(rows, (n + 1) * hw - m0);
                        GemmKernel.Multiply(false, true, r, k, o, new ReadOnlySpan<T>(gP, gLen).Slice(m0 * o), o, new ReadOnlySpan<T>(fP, fLen), o, col, k);
                        Im2Col.ScatterAdd(geo, col, m0, r, new Span<T>(inP, inLen));
                    }
                }
                BufferPool<T>.Return(col);
            });
        }
    }

    /// <summary>filterGrad = d(sum(output * outGrad)) / d filter, as [PatchSize, OutChannels] (HWIO).</summary>
    public static void BackpropFilter<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> outGrad, Span<T> filterGrad)
        where T : unmanaged, INumber<T>
    {
        int m = g.OutPixels, k = g.PatchSize, o = g.OutChannels;
        filterGrad.Slice(0, k * o).Clear();
        if (m == 0 || o == 0 || k == 0) return;
        // filterGrad [K, O] += col^T [K, r] x outGrad [r, O] over chunks of output pixels; the GEMM reads col transposed.
        if (g.IsPointwise) { GemmKernel.Multiply(true, false, k, o, m, input, k, outGrad, o, filterGrad, o); return; }
        if (NarrowConv.Applies<T>(g))
        {
            NarrowConv.BackpropFilter(g, MemoryMarshal.Cast<T, float>(input), MemoryMarshal.Cast<T, float>(outGrad), MemoryMarshal.Cast<T, float>(filterGrad));
            return;
        }
        if (ShiftedConv.Applies<T>(g)) { ShiftedConv.BackpropFilter(g, input, outGrad, filterGrad); return; }
        int rows = ChunkRows(k, m);
        int chunks = (m + rows - 1) / rows;
        var geo = g;
        var gate = new object();
        fixed (T* pIn = input, pG = outGrad, pW = filterGrad)
        {
            T* inP = pIn, gP = pG, wP = pW;
            int inLen = input.Length, gLen = outGrad.Length;
            // Each worker sums its chunks into a private [K, O] block, added to the result once at the end.
            Workers.For(chunks, (long)rows * k * o, (c0, c1) =>
            {
                var acc = BufferPool<T>.Rent(k * o);
                var col = BufferPool<T>.Rent(rows * k);
                var accSpan = acc.AsSpan(0, k * o);
                accSpan.Clear();
                var inSpan = new ReadOnlySpan<T>(inP, inLen);
                for (int ci = c0; ci < c1; ci++)
                {
                    int m0 = ci * rows, r = Math.Min(rows, m - m0);
                    Im2Col.Gather(geo, inSpan, m0, r, col);
                    GemmKernel.Multiply(true, false, k, o, r, col, k, new ReadOnlySpan<T>(gP, gLen).Slice(m0 * o), o, accSpan, o, accumulate: true);
                }
                lock (gate)
                {
                    var w = new Span<T>(wP, k * o);
                    TensorPrimitives.Add(w, accSpan, w);
                }
                BufferPool<T>.Return(col);
                BufferPool<T>.Return(acc);
            });
        }
    }

    private static int ChunkRows(int width, int total) => Math.Max(1, Math.Min(total, ChunkElements / Math.Max(width, 1)));
}
