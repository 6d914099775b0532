namespace Eager.Kernels.Conv;

/// <summary>Allocation-free enumeration of one output pixel's in-bounds window taps, row by row, skipping padding:
/// each item is (input offset of channel 0, tap index kh * KernelWidth + kw).</summary>
public readonly struct WindowTaps
{
    private readonly ConvGeometry g;
    private readonly int n, ih0, iw0;

    /// <summary>The taps of output pixel (n, oh, ow).</summary>
    public WindowTaps(in ConvGeometry geometry, int n, int oh, int ow)
    {
        g = geometry;
        this.n = n;
        ih0 = oh * g.StrideH - g.PadTop;
        iw0 = ow * g.StrideW - g.PadLeft;
    }

    /// <summary>Enumerator for foreach.</summary>
    public Enumerator GetEnumerator() => new(g, n, ih0, iw0);

    /// <summary>Walks the window.</summary>
    public struct Enumerator
    {
        private readonly ConvGeometry g;
        private readonly int n, ih0, iw0;
        private int tap;

        internal Enumerator(ConvGeometry g, int n, int ih0, int iw0)
        {
            this.g = g; this.n = n; this.ih0 = ih0; this.iw0 = iw0;
            tap = -1;
            Current = default;
        }

        /// <summary>(input offset of channel 0, tap index).</summary>
        public (int Offset, int Tap) Current { get; private set; }

        /// <summary>Advances to the next in-bounds tap.</summary>
        public bool MoveNext()
        {
            int total = g.KernelHeight * g.KernelWidth;
            while (++tap < total)
            {
                int kh = tap / g.KernelWidth, kw = tap - kh * g.KernelWidth;
                int ih = ih0 + kh * g.DilationH, iw = iw0 + kw * g.DilationW;
                if ((uint)ih < (uint)g.InHeight && (uint)iw < (uint)g.InWidth)
                {
                    Current = (g.InputOffset(n, ih, iw), tap);
                    return true;
                }
            }
            return false;
        }
    }
}
