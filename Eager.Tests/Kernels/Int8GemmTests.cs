using Eager.Kernels;
using Eager.Kernels.Quant;

namespace Eager.Tests.Kernels;

/// <summary>Every int8 GEMM kernel family against an int64 reference, at sizes around every tile and vector width,
/// with extreme values (the saturation case of <c>vpmaddubsw</c>) and per-tensor and per-row/column zero points.</summary>
[NonParallelizable]
public class Int8GemmTests
{
    private static readonly int[] Edges = [1, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64, 65];

    /// <summary>The families this CPU runs; a family it lacks is covered by <see cref="UnsupportedPathFallsBackToPortable"/>.</summary>
    private static IEnumerable<Int8GemmPath> Paths() =>
        Enum.GetValues<Int8GemmPath>().Where(Int8Gemm.IsSupported);

    [TearDown]
    public void Restore()
    {
        Int8Gemm.Path = Int8GemmPath.Auto;
        Workers.Count = Environment.ProcessorCount;
    }

    [Test]
    public void MatchesReferenceAtVectorWidthEdges([ValueSource(nameof(Paths))] Int8GemmPath path)
    {
        Int8Gemm.Path = path;
        var rng = new Random(7);
        foreach (int k in Edges)
            foreach (int n in Edges)
            {
                int m = Edges[rng.Next(Edges.Length)];
                Check<byte, sbyte>(m, n, k, rng, Fill.Random, perChannel: (m + n) % 2 == 0);
            }
        foreach (int m in Edges) Check<byte, sbyte>(m, 33, 17, rng, Fill.Random, perChannel: true);
    }

    [Test]
    public void EveryTypeCombinationWithZeroPoints([ValueSource(nameof(Paths))] Int8GemmPath path, [Values] bool perChannel)
    {
        Int8Gemm.Path = path;
        var rng = new Random(11);
        foreach (var (m, n, k) in new[] { (17, 33, 65), (5, 3, 1), (33, 17, 31) })
        {
            Check<byte, sbyte>(m, n, k, rng, Fill.Random, perChannel);
            Check<byte, byte>(m, n, k, rng, Fill.Random, perChannel);
            Check<sbyte, sbyte>(m, n, k, rng, Fill.Random, perChannel);
            Check<sbyte, byte>(m, n, k, rng, Fill.Random, perChannel);
        }
    }

    [Test]
    public void ExtremeValuesDoNotSaturate([ValueSource(nameof(Paths))] Int8GemmPath path)
    {
        Int8Gemm.Path = path;
        var rng = new Random(3);
        // 255 x 127 + 255 x 127 overflows int16: the case vpmaddubsw saturates on (8-bit B runs the int16 kernel).
        Check<byte, sbyte>(9, 35, 64, rng, Fill.Max, perChannel: false);
        Check<byte, sbyte>(9, 35, 67, rng, Fill.Extremes, perChannel: true);
        Check<sbyte, byte>(9, 35, 67, rng, Fill.Extremes, perChannel: true);
        // 7-bit weights take the fast vpmaddubsw kernel, still exact.
        Check<byte, sbyte>(17, 65, 129, rng, Fill.SevenBitB, perChannel: true);
    }

    [Test]
    public void LargeProductSplitsAcrossCores([ValueSource(nameof(Paths))] Int8GemmPath path)
    {
        Int8Gemm.Path = path;
        Workers.Count = 4;
        var rng = new Random(5);
        Check<byte, sbyte>(131, 97, 200, rng, Fill.Random, perChannel: true);
        Check<byte, sbyte>(37, 300, 130, rng, Fill.SevenBitB, perChannel: false);
    }

    [Test]
    public void UnsupportedPathFallsBackToPortable()
    {
        foreach (var path in Enum.GetValues<Int8GemmPath>())
        {
            Int8Gemm.Path = path;
            Check<byte, sbyte>(19, 21, 23, new Random(1), Fill.Random, perChannel: true);
        }
    }

    [Test]
    public void EmptyAndStridedOperands()
    {
        var c = new int[6];
        Int8Gemm.Multiply<byte, sbyte>(2, 3, 0, [], 0, [4], [], 3, [0], c, 3);
        Assert.That(c, Is.All.EqualTo(0));
        Int8Gemm.Multiply<byte, sbyte>(0, 3, 2, [], 2, [0], new sbyte[6], 3, [0], [], 3);
        // A 2x2 inside rows of 3, B 2x2 inside rows of 4, C 2x2 inside rows of 5.
        byte[] a = [1, 2, 99, 3, 4, 99];
        sbyte[] b = [5, 6, 99, 99, 7, 8, 99, 99];
        var cc = new int[10];
        Int8Gemm.Multiply<byte, sbyte>(2, 2, 2, a, 3, [1], b, 4, [0], cc, 5);
        Assert.That(new[] { cc[0], cc[1], cc[5], cc[6] }, Is.EqualTo(new[] { 7, 8, 5 * 2 + 7 * 3, 6 * 2 + 8 * 3 }));
    }

    [Test]
    public void BadArgumentsNameTheProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Int8Gemm.Multiply<byte, sbyte>(2, 2, 2, new byte[3], 2, [0], new sbyte[4], 2, [0], new int[4], 2));
        Assert.That(ex!.Message, Does.Contain("A (2x2"));
        ex = Assert.Throws<ArgumentException>(() => Int8Gemm.Multiply<byte, sbyte>(2, 2, 2, new byte[4], 2, [0, 0, 0], new sbyte[4], 2, [0], new int[4], 2));
        Assert.That(ex!.Message, Does.Contain("one per rows of A"));
        ex = Assert.Throws<ArgumentException>(() => Int8Gemm.Multiply<byte, sbyte>(2, 2, 2, new byte[4], 2, [0], new sbyte[4], 2, [200], new int[4], 2));
        Assert.That(ex!.Message, Does.Contain("outside [-128, 127]"));
        Assert.Throws<ArgumentException>(() => Int8Gemm.Multiply<int, sbyte>(1, 1, 1, new int[1], 1, [0], new sbyte[1], 1, [0], new int[1], 1));
    }

    private enum Fill { Random, Max, Extremes, SevenBitB }

    private static void Check<TA, TB>(int m, int n, int k, Random rng, Fill fill, bool perChannel)
        where TA : unmanaged where TB : unmanaged
    {
        bool aS = typeof(TA) == typeof(sbyte), bS = typeof(TB) == typeof(sbyte);
        int lda = k + (m % 3), ldb = n + (k % 2);
        var a = new int[m * lda];
        var b = new int[k * ldb];
        for (int i = 0; i < a.Length; i++) a[i] = Value(rng, aS, fill, isB: false);
        for (int i = 0; i < b.Length; i++) b[i] = Value(rng, bS, fill, isB: true);
        int[] za = Zeros(rng, perChannel ? m : 1, aS, fill);
        int[] zb = Zeros(rng, perChannel ? n : 1, bS, fill == Fill.SevenBitB ? Fill.SevenBitB : fill);
        var c = new int[m * n];
        Array.Fill(c, 12345);
        Int8Gemm.Multiply<TA, TB>(m, n, k, Cast<TA>(a), lda, za, Cast<TB>(b), ldb, zb, c, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long want = 0;
                for (int p = 0; p < k; p++)
                    want += (long)(a[i * lda + p] - za[za.Length == 1 ? 0 : i]) * (b[p * ldb + j] - zb[zb.Length == 1 ? 0 : j]);
                if (c[i * n + j] != want)
                    Assert.Fail($"{Int8Gemm.Path} {typeof(TA).Name}x{typeof(TB).Name} m={m} n={n} k={k} {fill}: C[{i},{j}] = {c[i * n + j]}, want {want}");
            }
    }

    private static int Value(Random rng, bool signed, Fill fill, bool isB)
    {
        int lo = signed ? -128 : 0, hi = signed ? 127 : 255;
        return fill switch
        {
            Fill.Max => isB && signed ? 127 : hi,
            Fill.Extremes => rng.Next(2) == 0 ? lo : hi,
            Fill.SevenBitB when isB => signed ? rng.Next(-64, 65) : rng.Next(64, 193),
            _ => rng.Next(lo, hi + 1),
        };
    }

    private static int[] Zeros(Random rng, int count, bool signed, Fill fill)
    {
        var z = new int[count];
        for (int i = 0; i < count; i++)
            z[i] = fill == Fill.SevenBitB ? (signed ? 0 : 128) : signed ? rng.Next(-128, 128) : rng.Next(0, 256);
        return z;
    }

    private static T[] Cast<T>(int[] v) where T : unmanaged =>
        typeof(T) == typeof(byte) ? (T[])(object)v.Select(x => (byte)x).ToArray() : (T[])(object)v.Select(x => (sbyte)x).ToArray();
}
