using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Eager.Kernels.Conv;

namespace Eager.Kernels.Quant;

/// <summary>
/// 8-bit convolution for narrow outputs (up to <see cref="MaxChannels"/> channels), with no im2col matrix and no
/// packing: each output pixel's window is gathered once as int16 differences from the zero points ((x - xZero) and
/// (w - wZero) lie in [-255, 255]; padding taps are 0), and <c>vpmaddwd</c> sums two of their products into each int32
/// lane. That is exact for every 8-bit value (no <c>vpmaddubsw</c> saturation, no zero-point correction afterwards),
/// and the int32 sums are stored or requantised to 8 bits in the same pass. The im2col + GEMM route spends most of
/// its time moving bytes when a window is 9 bytes and the output 8 channels wide.
/// </summary>
internal static unsafe class Int8ConvDirect
{
    /// <summary>The widest output this kernel takes.</summary>
    public const int MaxChannels = 16;

    /// <summary>Pixels per tile: each filter vector loaded is used for this many pixels.</summary>
    private const int Rows = 4;

    /// <summary>Longest window (in elements) gathered on the stack.</summary>
    public const int MaxPatch = 2048;

    /// <summary>What the tile loops share; the output is int32 (<see cref="Requantize"/> false) or requantised bytes.</summary>
    private sealed class Context
    {
        public ConvGeometry G;
        public byte* X;
        public bool XSigned, Requantize, YSigned;
        public int XZero, Pairs, NPad, Lanes, YZero, Lo, Hi;
        public short* B;
        public int* Bias;
        public float* Mult;
        public byte* Y;
    }

    /// <summary>Whether this kernel runs a convolution with <paramref name="g"/>'s shape.</summary>
    public static bool Takes(in ConvGeometry g) => g.OutChannels <= MaxChannels && g.PatchSize <= MaxPatch;

    /// <summary>y (int32, or bytes when <paramref name="multiplier"/> is given) for <paramref name="path"/>
    /// (Avx512BW: 16 lanes, Avx2 or AvxVnni: 8 lanes, otherwise scalar).</summary>
    public static void Run<TX, TW>(Int8GemmPath path, in ConvGeometry g, ReadOnlySpan<TX> x, int xZero, ReadOnlySpan<TW> w, ReadOnlySpan<int> wZero,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multiplier, int yZero, bool ySigned, byte* y)
        where TX : unmanaged where TW : unmanaged
    {
        int n = g.OutChannels, k = g.PatchSize, m = g.OutPixels;
        if (m == 0 || n == 0) return;
        int lanes = path == Int8GemmPath.Avx512BW ? 16 : path is Int8GemmPath.Avx2 or Int8GemmPath.AvxVnni ? 8 : 1;
        int pairs = (k + 1) / 2, nPad = (n + lanes - 1) / lanes * lanes;
        var b = new short[Math.Max(1, pairs * nPad * 2)];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                b[((p >> 1) * nPad + j) * 2 + (p & 1)] = (short)(Widen(w[p * n + j]) - wZero[wZero.Length == 1 ? 0 : j]);
        var biasPad = new int[nPad];
        var multPad = new float[nPad];
        bool requantize = !multiplier.IsEmpty;
        for (int j = 0; j < n; j++)
        {
            biasPad[j] = bias.IsEmpty ? 0 : bias[j];
            multPad[j] = requantize ? multiplier[multiplier.Length == 1 ? 0 : j] : 0;
        }
        fixed (TX* px = x) fixed (short* pb = b) fixed (int* pbias = biasPad) fixed (float* pmult = multPad)
        {
            var c = new Context
            {
                G = g, X = (byte*)px, XSigned = typeof(TX) == typeof(sbyte), XZero = xZero, Pairs = pairs, NPad = nPad, Lanes = lanes,
                B = pb, Bias = pbias, Mult = pmult, Requantize = requantize, YSigned = ySigned, YZero = yZero,
                Lo = ySigned ? -128 : 0, Hi = ySigned ? 127 : 255, Y = y,
            };
            // One output row of pixels per work item, in tiles of Rows pixels: no division per pixel.
            Workers.For(g.Batch * g.OutHeight, (long)g.OutWidth * k * n, (r0, r1) => Tiles(c, r0, r1));
        }
    }

    private static int Widen<T>(T v) where T : unmanaged =>
        typeof(T) == typeof(sbyte) ? Unsafe.As<T, sbyte>(ref v) : Unsafe.As<T, byte>(ref v);

    private static void Tiles(Context c, int r0, int r1)
    {
        int pairs = c.Pairs, ow = c.G.OutWidth;
        int* a = stackalloc int[Rows * Math.Max(1, pairs)];
        for (int r = r0; r < r1; r++)
        {
            int n = r / c.G.OutHeight, oh = r - n * c.G.OutHeight;
            for (int x0 = 0; x0 < ow; x0 += Rows)
            {
                int rows = Math.Min(Rows, ow - x0), p0 = r * ow + x0;
                for (int t = 0; t < Rows; t++)
                {
                    short* dst = (short*)(a + t * pairs);
                    if (t < rows) Gather(c, n, oh, x0 + t, dst);
                    else new Span<short>(dst, pairs * 2).Clear();
                }
                if (c.Lanes == 16) Tile512(c, a, p0, rows);
                else if (c.Lanes == 8) Tile256(c, a, p0, rows);
                else TileScalar(c, a, p0, rows);
            }
        }
    }

    /// <summary>Output pixel (n, oh, ow)'s window as int16 (x - xZero), padding taps 0, padded to whole pairs.</summary>
    private static void Gather(Context c, int n, int oh, int ow, short* dst)
    {
        ref readonly var g = ref c.G;
        int ch = g.InChannels, kw = g.KernelWidth, run = kw * ch;
        int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
        bool whole = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= g.InWidth;
        for (int i = 0; i < g.KernelHeight; i++)
        {
            int ih = ih0 + i * g.DilationH;
            short* seg = dst + i * run;
            if ((uint)ih >= (uint)g.InHeight) { new Span<short>(seg, run).Clear(); continue; }
            byte* row = c.X + (nint)g.InputOffset(n, ih, 0);
            if (whole) { Widen(c, seg, row + (nint)iw0 * ch, run); continue; }
            for (int j = 0; j < kw; j++)
            {
                int iw = iw0 + j * g.DilationW;
                if ((uint)iw >= (uint)g.InWidth) new Span<short>(seg + j * ch, ch).Clear();
                else Widen(c, seg + j * ch, row + (nint)iw * ch, ch);
            }
        }
        int k = g.PatchSize;
        if ((k & 1) != 0) dst[k] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(Context c, short* dst, byte* src, int count)
    {
        int i = 0, z = c.XZero;
        if (count >= 8)
        {
            var vz = Vector128.Create((short)z);
            for (; i + 8 <= count; i += 8)
            {
                var bytes = Vector128.CreateScalar(*(ulong*)(src + i));
                var wide = c.XSigned ? Vector128.WidenLower(bytes.AsSByte()) : Vector128.WidenLower(bytes.AsByte()).AsInt16();
                (wide - vz).Store(dst + i);
            }
        }
        if (c.XSigned) for (; i < count; i++) dst[i] = (short)((sbyte)src[i] - z);
        else for (; i < count; i++) dst[i] = (short)(src[i] - z);
    }

    private static void Tile512(Context c, int* a, int p0, int rows)
    {
        int pairs = c.Pairs, n = c.G.OutChannels;
        for (int cb = 0; cb < n; cb += 16)
        {
            Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;
            short* b = c.B + cb * 2;
            int* a0 = a, a1 = a + pairs, a2 = a + 2 * pairs, a3 = a + 3 * pairs;
            for (int q = 0; q < pairs; q++, b += c.NPad * 2)
            {
                var bv = Vector512.Load(b);
                c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(a0[q]).AsInt16(), bv);
                c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(a1[q]).AsInt16(), bv);
                c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(a2[q]).AsInt16(), bv);
                c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(a3[q]).AsInt16(), bv);
            }
            int valid = Math.Min(16, n - cb);
            Store512(c, c0, p0, cb, valid);
            if (rows > 1) Store512(c, c1, p0 + 1, cb, valid);
            if (rows > 2) Store512(c, c2, p0 + 2, cb, valid);
            if (rows > 3) Store512(c, c3, p0 + 3, cb, valid);
        }
    }

    private static void Store512(Context c, Vector512<int> acc, int p, int cb, int valid)
    {
        int n = c.G.OutChannels;
        if (!c.Requantize)
        {
            int* dst = (int*)c.Y + (nint)p * n + cb;
            if (valid == 16) acc.Store(dst);
            else for (int j = 0; j < valid; j++) dst[j] = acc.GetElement(j);
            return;
        }
        var v = Vector512.ConvertToSingle(acc + Vector512.Load(c.Bias + cb)) * Vector512.Load(c.Mult + cb);
        v = Vector512.Round(v) + Vector512.Create((float)c.YZero);
        v = Vector512.Min(Vector512.Max(v, Vector512.Create((float)c.Lo)), Vector512.Create((float)c.Hi));
        var bytes = Avx512F.ConvertToVector128Byte(Vector512.ConvertToInt32(v));
        byte* o = c.Y + (nint)p * n + cb;
        if (valid == 16) bytes.Store(o);
        else for (int j = 0; j < valid; j++) o[j] = bytes.GetElement(j);
    }

    private static void Tile256(Context c, int* a, int p0, int rows)
    {
        int pairs = c.Pairs, n = c.G.OutChannels;
        for (int cb = 0; cb < n; cb += 8)
        {
            Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
            short* b = c.B + cb * 2;
            int* a0 = a, a1 = a + pairs, a2 = a + 2 * pairs, a3 = a + 3 * pairs;
            for (int q = 0; q < pairs; q++, b += c.NPad * 2)
            {
                var bv = Vector256.Load(b);
                c0 += Avx2.MultiplyAddAdjacent(Vector256.Create(a0[q]).AsInt16(), bv);
                c1 += Avx2.MultiplyAddAdjacent(Vector256.Create(a1[q]).AsInt16(), bv);
                c2 += Avx2.MultiplyAddAdjacent(Vector256.Create(a2[q]).AsInt16(), bv);
                c3 += Avx2.MultiplyAddAdjacent(Vector256.Create(a3[q]).AsInt16(), bv);
            }
            int valid = Math.Min(8, n - cb);
            Store256(c, c0, p0, cb, valid);
            if (rows > 1) Store256(c, c1, p0 + 1, cb, valid);
            if (rows > 2) Store256(c, c2, p0 + 2, cb, valid);
            if (rows > 3) Store256(c, c3, p0 + 3, cb, valid);
        }
    }

    private static void Store256(Context c, Vector256<int> acc, int p, int cb, int valid)
    {
        int n = c.G.OutChannels;
        if (!c.Requantize)
        {
            int* dst = (int*)c.Y + (nint)p * n + cb;
            if (valid == 8) acc.Store(dst);
            else for (int j = 0; j < valid; j++) dst[j] = acc.GetElement(j);
            return;
        }
        var v = Vector256.ConvertToSingle(acc + Vector256.Load(c.Bias + cb)) * Vector256.Load(c.Mult + cb);
        v = Vector256.Round(v) + Vector256.Create((float)c.YZero);
        v = Vector256.Min(Vector256.Max(v, Vector256.Create((float)c.Lo)), Vector256.Create((float)c.Hi));
        var q = Vector256.ConvertToInt32(v);
        // In range already, so truncating narrows exactly; the first 8 bytes are the 8 lanes.
        ulong eight;
        if (Avx512F.VL.IsSupported) eight = Avx512F.VL.ConvertToVector128Byte(q).AsUInt64().ToScalar();
        else
        {
            var shorts = Vector256.Narrow(q, q).AsUInt16();
            eight = Vector256.Narrow(shorts, shorts).AsUInt64().ToScalar();
        }
        byte* o = c.Y + (nint)p * n + cb;
        if (valid == 8) *(ulong*)o = eight;
        else for (int j = 0; j < valid; j++) o[j] = (byte)(eight >> (8 * j));
    }

    private static void TileScalar(Context c, int* a, int p0, int rows)
    {
        int pairs = c.Pairs, n = c.G.OutChannels;
        for (int r = 0; r < rows; r++)
        {
            short* ar = (short*)(a + r * pairs);
            for (int j = 0; j < n; j++)
            {
                int acc = 0;
                for (int q = 0; q < pairs; q++)
                {
                    short* bq = c.B + (q * c.NPad + j) * 2;
                    acc += ar[2 * q] * bq[0] + ar[2 * q + 1] * bq[1];
                }
                int p = p0 + r;
                if (!c.Requantize) { ((int*)c.Y)[(nint)p * n + j] = acc; continue; }
                float v = MathF.Round((float)(acc + c.Bias[j]) * c.Mult[j]) + c.YZero;
                c.Y[(nint)p * n + j] = (byte)(int)Math.Clamp(v, c.Lo, c.Hi);
            }
        }
    }
}
