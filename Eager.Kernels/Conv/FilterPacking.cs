using Eager.Kernels.Gemm;

namespace Eager.Kernels.Conv;

/// <summary>
/// How a convolution path lays out its filter once packed: the kernel family, the micro-kernel's panel width, and the
/// filter seen as a [<see cref="Taps"/> * <see cref="Rows"/>, <see cref="Columns"/>] matrix, spatially flipped and
/// transposed for the input gradient. Two equal values pack the same filter into the same bytes, so a caller that
/// keeps a packed filter (<see cref="Convolution.PackFilter{T}"/>) may reuse it for every call whose geometry asks
/// for an equal packing, whatever the batch and image size.
/// </summary>
/// <param name="Path">The kernel family that reads the packed filter.</param>
/// <param name="PanelWidth">Columns per packed panel (the micro-kernel's NR).</param>
/// <param name="Taps">KernelHeight * KernelWidth.</param>
/// <param name="Rows">Input channels of the correlation the kernel runs (the forward's output channels when flipped).</param>
/// <param name="Columns">Output channels of that correlation.</param>
/// <param name="Flipped">True for the input gradient's packing.</param>
public readonly record struct FilterPacking(GemmPath Path, int PanelWidth, int Taps, int Rows, int Columns, bool Flipped)
{
    /// <summary>Elements of the packed filter: every panel is <see cref="PanelWidth"/> wide, the last one zero-padded.</summary>
    public long Length => (long)(Columns + PanelWidth - 1) / PanelWidth * PanelWidth * Taps * Rows;
}
