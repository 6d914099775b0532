namespace Eager.Kernels.Conv;

/// <summary>
/// The geometry of one 2-D sliding-window op in NHWC layout: input [Batch, InHeight, InWidth, InChannels],
/// a KernelHeight x KernelWidth window, output [Batch, OutHeight, OutWidth, ...]. Output pixel (oh, ow)
/// reads input rows oh*StrideH - PadTop + kh*DilationH and columns ow*StrideW - PadLeft + kw*DilationW;
/// taps outside the input are padding. The op layer validates every field; kernels trust them.
/// </summary>
/// <param name="Batch">N.</param>
/// <param name="InHeight">Input height.</param>
/// <param name="InWidth">Input width.</param>
/// <param name="InChannels">Input channels (contiguous in memory).</param>
/// <param name="KernelHeight">Window height.</param>
/// <param name="KernelWidth">Window width.</param>
/// <param name="OutChannels">Output channels (filter's last dimension; the channel multiplier for depthwise).</param>
/// <param name="OutHeight">Output height.</param>
/// <param name="OutWidth">Output width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="DilationH">Vertical dilation (1 = dense window).</param>
/// <param name="DilationW">Horizontal dilation.</param>
/// <param name="PadTop">Rows of padding before the input.</param>
/// <param name="PadLeft">Columns of padding before the input.</param>
public readonly record struct ConvGeometry(
    int Batch, int InHeight, int InWidth, int InChannels,
    int KernelHeight, int KernelWidth, int OutChannels,
    int OutHeight, int OutWidth,
    int StrideH, int StrideW, int DilationH, int DilationW, int PadTop, int PadLeft)
{
    /// <summary>Elements of one im2col row: KernelHeight * KernelWidth * InChannels.</summary>
    public int PatchSize => KernelHeight * KernelWidth * InChannels;

    /// <summary>Output pixels over the whole batch: Batch * OutHeight * OutWidth.</summary>
    public int OutPixels => Batch * OutHeight * OutWidth;

    /// <summary>Elements of the input.</summary>
    public int InputLength => Batch * InHeight * InWidth * InChannels;

    /// <summary>True when the window is 1x1 with stride 1 and no padding: the input is already the im2col matrix.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0
                               && OutHeight == InHeight && OutWidth == InWidth;

    /// <summary>Offset of input pixel (n, ih, iw) channel 0.</summary>
    public int InputOffset(int n, int ih, int iw) => ((n * InHeight + ih) * InWidth + iw) * InChannels;

    /// <summary>The in-bounds window taps of output pixel (n, oh, ow).</summary>
    public WindowTaps Taps(int n, int oh, int ow) => new(this, n, oh, ow);

    /// <summary>Writes the input offsets (of channel 0) of output pixel (n, oh, ow)'s in-bounds taps in <see cref="Taps"/>'
    /// order, and their tap indices (kh * KernelWidth + kw) when <paramref name="taps"/> is not empty; returns how many.
    /// For kernels that walk many small windows: the tap enumerator copies the geometry per pixel, which costs more than
    /// a small window's arithmetic.</summary>
    public int ListTaps(int n, int oh, int ow, Span<int> offsets, Span<int> taps)
    {
        int count = 0, ih0 = oh * StrideH - PadTop, iw0 = ow * StrideW - PadLeft;
        for (int kh = 0; kh < KernelHeight; kh++)
        {
            int ih = ih0 + kh * DilationH;
            if ((uint)ih >= (uint)InHeight) continue;
            int row = (n * InHeight + ih) * InWidth;
            for (int kw = 0; kw < KernelWidth; kw++)
            {
                int iw = iw0 + kw * DilationW;
                if ((uint)iw >= (uint)InWidth) continue;
                if (!taps.IsEmpty) taps[count] = kh * KernelWidth + kw;
                offsets[count++] = (row + iw) * InChannels;
            }
        }
        return count;
    }
}
