using Eager.Kernels;
using Eager.Kernels.Conv;
using Eager.Kernels.Quant;

namespace Eager.Tests.Kernels;

/// <summary>The int8 convolution kernels (the direct kernel for narrow outputs and im2col + GEMM for wide ones) on every
/// kernel family against an int64 reference, with padding, strides, dilation, zero points, extreme values and
/// requantisation against a float64 reference of ONNX's arithmetic.</summary>
[NonParallelizable]
public class Int8ConvTests
{
    private static IEnumerable<Int8GemmPath> Paths() => Enum.GetValues<Int8GemmPath>().Where(Int8Gemm.IsSupported);

    [TearDown]
    public void Restore()
    {
        Int8Gemm.Path = Int8GemmPath.Auto;
        Workers.Count = Environment.ProcessorCount;
    }

    // (batch, h, w, c, kh, kw, outChannels, stride, dilation, pad): outputs 1..33 wide cross the direct kernel's 8 and 16 lanes
    // and its limit; one input channel is the digits CNN's first layer.
    private static readonly (int N, int H, int W, int C, int KH, int KW, int O, int S, int D, int P)[] Shapes =
    [
        (2, 7, 6, 1, 3, 3, 8, 1, 1, 0), (1, 5, 5, 3, 3, 3, 1, 1, 1, 1), (3, 6, 7, 8, 3, 3, 16, 1, 1, 1), (1, 9, 8, 5, 3, 2, 7, 2, 1, 1),
        (2, 8, 8, 2, 3, 3, 9, 1, 2, 2), (1, 6, 6, 17, 1, 1, 15, 1, 1, 0), (1, 6, 5, 4, 3, 3, 17, 1, 1, 1), (2, 5, 5, 3, 2, 2, 33, 2, 1, 0),
        (1, 4, 4, 1, 4, 4, 3, 1, 1, 0), (1, 30, 2, 9, 3, 1, 12, 1, 1, 1),
    ];

    [Test]
    public void MatchesReferenceOnEveryPath([ValueSource(nameof(Paths))] Int8GemmPath path, [Values] bool extremes)
    {
        Int8Gemm.Path = path;
        var rng = new Random(13);
        foreach (var s in Shapes)
        {
            Check<byte, sbyte>(s, rng, extremes, perChannel: s.O % 2 == 1);
            Check<sbyte, byte>(s, rng, extremes, perChannel: true);
        }
    }

    [Test]
    public void SplitsAcrossCores([ValueSource(nameof(Paths))] Int8GemmPath path)
    {
        Int8Gemm.Path = path;
        Workers.Count = 4;
        Check<byte, sbyte>((3, 20, 21, 3, 3, 3, 11, 1, 1, 1), new Random(2), extremes: false, perChannel: true);
        Check<byte, sbyte>((2, 12, 13, 8, 3, 3, 24, 1, 1, 1), new Random(3), extremes: false, perChannel: false);
    }

    private static void Check<TX, TW>((int N, int H, int W, int C, int KH, int KW, int O, int S, int D, int P) s, Random rng, bool extremes, bool perChannel)
        where TX : unmanaged where TW : unmanaged
    {
        bool xs = typeof(TX) == typeof(sbyte), ws = typeof(TW) == typeof(sbyte);
        int span = (s.KH - 1) * s.D + 1, oh = (s.H + 2 * s.P - span) / s.S + 1, ow = (s.W + 2 * s.P - ((s.KW - 1) * s.D + 1)) / s.S + 1;
        var g = new ConvGeometry(s.N, s.H, s.W, s.C, s.KH, s.KW, s.O, oh, ow, s.S, s.S, s.D, s.D, s.P, s.P);
        var x = Values(rng, g.InputLength, xs, extremes);
        var w = Values(rng, g.PatchSize * s.O, ws, extremes);
        int xz = extremes ? (xs ? -128 : 255) : rng.Next(xs ? -128 : 0, xs ? 128 : 256);
        var wz = Enumerable.Range(0, perChannel ? s.O : 1).Select(_ => extremes ? (ws ? 127 : 0) : rng.Next(ws ? -128 : 0, ws ? 128 : 256)).ToArray();
        var want = Reference(g, x, xz, w, wz);
        var got = new int[want.Length];
        Int8Conv.Forward(g, Cast<TX>(x), xz, Cast<TW>(w), wz, got);
        for (int i = 0; i < want.Length; i++)
            if (got[i] != want[i]) Assert.Fail($"{Int8Gemm.Path} {s} {typeof(TX).Name}x{typeof(TW).Name} extremes={extremes}: y[{i}] = {got[i]}, want {want[i]}");

        // Requantised: per-channel multipliers and biases, to uint8 and int8.
        var mult = Enumerable.Range(0, s.O).Select(_ => (float)(rng.NextDouble() * 2e-4 + 1e-6)).ToArray();
        var bias = Enumerable.Range(0, s.O).Select(_ => rng.Next(-5000, 5000)).ToArray();
        var yu = new byte[want.Length];
        Int8Conv.ForwardRequantized(g, Cast<TX>(x), xz, Cast<TW>(w), wz, bias, mult, 7, yu.AsSpan());
        var yi = new sbyte[want.Length];
        Int8Conv.ForwardRequantized(g, Cast<TX>(x), xz, Cast<TW>(w), wz, bias, [mult[0]], -3, yi.AsSpan());
        for (int i = 0; i < want.Length; i++)
        {
            int j = i % s.O;
            Assert.That(yu[i], Is.EqualTo(Requant(want[i] + bias[j], mult[j], 7, 0, 255)), $"{Int8Gemm.Path} {s} uint8 y[{i}]");
            Assert.That(yi[i], Is.EqualTo(Requant(want[i] + bias[j], mult[0], -3, -128, 127)), $"{Int8Gemm.Path} {s} int8 y[{i}]");
        }
    }

    /// <summary>ONNX's requantisation in float32 (the product rounded half to even), as ONNX Runtime computes it.</summary>
    private static int Requant(long acc, float mult, int zero, int lo, int hi) =>
        (int)Math.Clamp(MathF.Round((float)acc * mult) + zero, lo, hi);

    private static long[] Reference(in ConvGeometry g, int[] x, int xz, int[] w, int[] wz)
    {
        var y = new long[g.OutPixels * g.OutChannels];
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < g.OutHeight; i++)
                for (int j = 0; j < g.OutWidth; j++)
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        long acc = 0;
                        for (int u = 0; u < g.KernelHeight; u++)
                            for (int v = 0; v < g.KernelWidth; v++)
                            {
                                int ih = i * g.StrideH - g.PadTop + u * g.DilationH, iw = j * g.StrideW - g.PadLeft + v * g.DilationW;
                                if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                for (int c = 0; c < g.InChannels; c++)
                                    acc += (long)(x[g.InputOffset(n, ih, iw) + c] - xz) * (w[((u * g.KernelWidth + v) * g.InChannels + c) * g.OutChannels + o] - wz[wz.Length == 1 ? 0 : o]);
                            }
                        y[((n * g.OutHeight + i) * g.OutWidth + j) * g.OutChannels + o] = acc;
                    }
        return y;
    }

    private static int[] Values(Random rng, int count, bool signed, bool extremes)
    {
        int lo = signed ? -128 : 0, hi = signed ? 127 : 255;
        return Enumerable.Range(0, count).Select(_ => extremes ? (rng.Next(2) == 0 ? lo : hi) : rng.Next(lo, hi + 1)).ToArray();
    }

    private static T[] Cast<T>(int[] v) where T : unmanaged =>
        typeof(T) == typeof(byte) ? (T[])(object)v.Select(x => (byte)x).ToArray() : (T[])(object)v.Select(x => (sbyte)x).ToArray();
}
