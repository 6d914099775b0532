using System.Numerics;
using System.Runtime.Intrinsics;
using Eager.Kernels;
using Eager.Kernels.Gemm;

namespace Eager.Tests.Kernels;

/// <summary>Every GEMM kernel family against a float64 reference, on sizes that miss every block and vector width.</summary>
[NonParallelizable]
public class GemmTests
{
    private static readonly int W = Vector256<float>.Count;

    private static IEnumerable<(int M, int N, int K)> Shapes()
    {
        yield return (1, 1, 1);
        yield return (1, 17, 5);
        yield return (5, 1, 9);
        yield return (W - 1, W + 1, W);
        yield return (W + 1, W - 1, W + 1);
        yield return (5, 15, 3);    // one short of the AVX2 tile (6 x 16)
        yield return (7, 17, 7);    // one past it
        yield return (11, 31, 4);   // one short of the AVX-512 tile (12 x 32)
        yield return (13, 33, 2);
        yield return (67, 129, 33);
        yield return (20, 40, 300); // k crosses the 256-deep block
        yield return (13, 33, 515); // k crosses the 512-deep block of the AVX-512 kernel
    }

    private static readonly GemmPath[] Paths = [GemmPath.Auto, GemmPath.Vector256, GemmPath.Vector512, GemmPath.Simple];

    [TearDown]
    public void Restore()
    {
        Gemm.Path = GemmPath.Auto;
        GemmDriver.InPlaceMaxN = 256;
        GemmDriver.SharedPacking = true;
        Workers.Count = Environment.ProcessorCount;
    }

    [Test]
    public void FloatMatchesReferenceOnEveryPathAndLayout(
        [ValueSource(nameof(Paths))] GemmPath path, [Values] bool ta, [Values] bool tb, [Values] bool accumulate)
    {
        Gemm.Path = path;
        foreach (var (m, n, k) in Shapes()) Check<float>(m, n, k, ta, tb, accumulate, seed: m * 1000 + n);
    }

    [Test]
    public void DoubleMatchesReferenceOnEveryPathAndLayout([ValueSource(nameof(Paths))] GemmPath path, [Values] bool ta, [Values] bool tb)
    {
        Gemm.Path = path;
        foreach (var (m, n, k) in Shapes()) Check<double>(m, n, k, ta, tb, accumulate: true, seed: m + n * 7);
    }

    [Test]
    public void PackedAIsUsedWhenInPlaceIsDisabled([Values(GemmPath.Vector256, GemmPath.Vector512)] GemmPath path)
    {
        Gemm.Path = path;
        GemmDriver.InPlaceMaxN = 0;
        Check<float>(67, 129, 33, false, false, false, seed: 3);
        Check<float>(25, 18, 260, false, true, true, seed: 4);
    }

    [Test]
    public void BlocksPastEveryEdgeOfTheWideKernel([Values(GemmPath.Vector256, GemmPath.Vector512)] GemmPath path, [Values] bool ta)
    {
        // M past the AVX-512 kernel's 192-row A block and K past its 512-deep block, with ragged tiles,
        // packed (N above the in-place limit) and with A read in place.
        Gemm.Path = path;
        Workers.Count = 1;
        Check<float>(205, 263, 523, ta, false, true, seed: 12);
        Check<float>(197, 45, 517, ta, true, false, seed: 13);
        Check<double>(193, 37, 514, ta, false, true, seed: 14);
        // N past the B block's columns (1024 for the AVX-512 kernel, 2048 for AVX2), with a ragged last panel.
        Check<float>(14, 2051, 519, ta, false, true, seed: 15);
    }

    [TestCase(256, 256, ExpectedResult = 2)]
    [TestCase(14, 32, ExpectedResult = 1)]
    [TestCase(26, 64, ExpectedResult = 1)]
    [TestCase(70, 32, ExpectedResult = 5)]
    [TestCase(24, 32, ExpectedResult = 0)] // 12-row tiles fit already
    [TestCase(27, 32, ExpectedResult = 0)] // no mix of 12 and 14 makes an odd count
    [TestCase(16, 32, ExpectedResult = 0)] // 14 + 2: no
    [TestCase(256, 40, ExpectedResult = 0)] // a ragged column panel keeps the edge path
    public int TallTilesMakeTheRowCountExact(int mc, int nc) => GemmDriver.TallTiles<float, Kernel512<float>>(mc, nc);

    [Test]
    public void InPlaceBlocksStartingWithTallTilesMatchTheReference([Values(1, 2)] int workers, [Values] bool accumulate)
    {
        // A row-major A with a narrow B is read in place; rows not a multiple of 12 start with 14-row tiles.
        Gemm.Path = GemmPath.Vector512;
        Workers.Count = workers;
        foreach (int m in new[] { 14, 26, 28, 40, 70, 256, 258 })
            foreach (var (n, k) in new[] { (32, 1), (64, 7), (256, 300), (96, 515), (40, 33) })
            {
                Check<float>(m, n, k, false, false, accumulate, seed: m * 31 + k);
                Check<double>(m, n, k, false, k % 2 == 1, accumulate, seed: m * 37 + n);
            }
    }

    [Test]
    public void TallTilesCanBeSwitchedOff()
    {
        Gemm.Path = GemmPath.Vector512;
        GemmDriver.TallTilesEnabled = false;
        try
        {
            Assert.That(GemmDriver.TallTiles<float, Kernel512<float>>(256, 256), Is.Zero);
            Check<float>(256, 64, 40, false, false, true, seed: 5);
        }
        finally
        {
            GemmDriver.TallTilesEnabled = true;
        }
    }

    [Test]
    public void BlockSizesStartAtTheTunedDefaults()
    {
        // A static initialiser that read a field declared after it once left these at zero: 12 x 32 blocks, half speed.
        Assert.That(GemmDriver.BlockSizes, Is.EqualTo(GemmDriver.DefaultBlockSizes));
        Assert.That(GemmDriver.DefaultBlockSizes.ABytes, Is.GreaterThan(0));
        Assert.That(GemmDriver.DefaultBlockSizes.BBytes, Is.GreaterThan(0));
    }

    [Test]
    public void IntegersAreExact([Values] bool ta, [Values] bool tb)
    {
        foreach (var (m, n, k) in Shapes())
        {
            Check<int>(m, n, k, ta, tb, accumulate: true, seed: 5);
            Check<long>(m, n, k, ta, tb, accumulate: false, seed: 6);
        }
    }

    [Test]
    public void LargeProductsSplitAcrossCoresAlongMAndN([Values(1, 2, 3)] int workers, [Values] bool sharedPacking)
    {
        // Over Workers.MinWorkPerChunk multiply-adds per part, so the parallel split really runs; without the shared
        // packing of B each part packs its own.
        Workers.Count = workers;
        GemmDriver.SharedPacking = sharedPacking;
        Assert.That(GemmDriver.Ways(263, 70, 257), Is.EqualTo(Math.Min(workers, 4)), "the product is cut into one part per worker");
        Check<float>(263, 70, 257, false, false, true, seed: 7);  // split along M
        Check<float>(70, 263, 257, true, false, false, seed: 8);  // split along N
        Check<float>(150, 130, 200, false, false, true, seed: 11); // A read in place (narrow B): split along N
        Check<float>(400, 300, 600, false, false, true, seed: 12); // split along M around one shared packing of B, two depth blocks
        Check<double>(290, 100, 150, true, false, false, seed: 13); // A transposed (packed): shared B as well
        Check<double>(150, 151, 140, false, true, false, seed: 9);
        Check<int>(200, 100, 120, false, false, false, seed: 10); // the simple loop splits rows
    }

    [Test]
    public void ZeroSizedProductsClearOrKeepC()
    {
        var c = new float[] { 5, 6, 7, 8 };
        Gemm.Multiply<float>(2, 2, 0, [], 0, [], 2, c, 2);
        Assert.That(c, Is.EqualTo(new float[4]));
        c = [5, 6, 7, 8];
        Gemm.Multiply<float>(2, 2, 0, [], 0, [], 2, c, 2, accumulate: true);
        Assert.That(c, Is.EqualTo(new float[] { 5, 6, 7, 8 }));
        Gemm.Multiply<float>(0, 3, 4, [], 4, new float[12], 3, [], 3);
        Gemm.Multiply<float>(3, 0, 4, new float[12], 4, [], 0, c, 0);
        Assert.That(c, Is.EqualTo(new float[] { 5, 6, 7, 8 }));
    }

    [Test]
    public void BroadcastOperandsWithZeroStrides([ValueSource(nameof(Paths))] GemmPath path)
    {
        Gemm.Path = path;
        // A is one row repeated (row stride 0); B is one column repeated (column stride 0).
        int m = 19, n = 21, k = 37;
        var rnd = new Random(11);
        var arow = Fill<float>(k, rnd);
        var bcol = Fill<float>(k, rnd);
        var c = new float[m * n];
        Gemm.MultiplyStrided<float>(m, n, k, arow, 0, 1, bcol, 1, 0, c, n);
        double dot = 0;
        for (int p = 0; p < k; p++) dot += (double)arow[p] * bcol[p];
        Assert.That(c, Is.All.EqualTo(dot).Within(1e-4));
    }

    [Test]
    public void BatchedMatchesOneProductAtATime([Values(GemmPath.Auto, GemmPath.Simple)] GemmPath path, [Values(0, 1)] int bBroadcast)
    {
        Gemm.Path = path;
        int batch = 5, m = 13, n = 17, k = 19;
        var rnd = new Random(12);
        var a = Fill<float>(batch * m * k, rnd);
        var b = Fill<float>(batch * k * n, rnd);
        var c = new float[batch * m * n];
        int bStride = bBroadcast == 1 ? 0 : k * n;
        Gemm.MultiplyBatched<float>(batch, m, n, k, a, m * k, k, 1, b, bStride, n, 1, c, m * n, n);
        for (int i = 0; i < batch; i++)
        {
            var expect = Reference(m, n, k, a.AsSpan(i * m * k), k, 1, b.AsSpan(i * bStride), n, 1, null, n);
            AssertClose(c.AsSpan(i * m * n, m * n).ToArray(), expect.Value, expect.Scale, $"batch {i}");
        }
    }

    /// <summary>Runs one product through the public API and compares it with a float64 reference.</summary>
    private static void Check<T>(int m, int n, int k, bool ta, bool tb, bool accumulate, int seed) where T : unmanaged, INumber<T>
    {
        var rnd = new Random(seed);
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2; // padded strides catch row-stride mistakes
        var a = Fill<T>(Math.Max(0, (ta ? k : m) * lda), rnd);
        var b = Fill<T>(Math.Max(0, (tb ? n : k) * ldb), rnd);
        var c = Fill<T>(m * ldc, rnd);
        var before = (T[])c.Clone();
        int ars = ta ? 1 : lda, acs = ta ? lda : 1, brs = tb ? 1 : ldb, bcs = tb ? ldb : 1;
        var expect = Reference<T>(m, n, k, a, ars, acs, b, brs, bcs, accumulate ? before : null, ldc);
        Gemm.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        string what = $"{typeof(T).Name} {m}x{n}x{k} ta={ta} tb={tb} acc={accumulate} path={Gemm.Path}";
        var got = new T[m * n];
        for (int i = 0; i < m; i++)
        {
            c.AsSpan(i * ldc, n).CopyTo(got.AsSpan(i * n));
            for (int j = n; j < ldc; j++)
                Assert.That(c[i * ldc + j], Is.EqualTo(before[i * ldc + j]), $"{what}: padding at row {i} col {j} was written");
        }
        AssertClose(got, expect.Value, expect.Scale, what);
    }

    private static (double[] Value, double[] Scale) Reference<T>(int m, int n, int k, ReadOnlySpan<T> a, int ars, int acs, ReadOnlySpan<T> b, int brs, int bcs, T[]? c, int ldc)
        where T : unmanaged, INumber<T>
    {
        var value = new double[m * n];
        var scale = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = c is null ? 0 : double.CreateChecked(c[i * ldc + j]), abs = Math.Abs(s);
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(a[i * ars + p * acs]) * double.CreateChecked(b[p * brs + j * bcs]);
                    s += x; abs += Math.Abs(x);
                }
                value[i * n + j] = s;
                scale[i * n + j] = abs;
            }
        }
        return (value, scale);
    }

    private static void AssertClose<T>(T[] got, double[] expect, double[] scale, string what) where T : unmanaged, INumber<T>
    {
        double rel = typeof(T) == typeof(float) ? 1e-5 : typeof(T) == typeof(double) ? 1e-12 : 0;
        for (int i = 0; i < got.Length; i++)
        {
            double g = double.CreateChecked(got[i]);
            if (Math.Abs(g - expect[i]) > rel * scale[i] + (rel == 0 ? 0 : 1e-30))
                Assert.Fail($"{what}: element {i} is {g}, expected {expect[i]}");
        }
    }

    private static T[] Fill<T>(int length, Random rnd) where T : unmanaged, INumber<T>
    {
        var x = new T[length];
        bool integer = typeof(T) == typeof(int) || typeof(T) == typeof(long);
        for (int i = 0; i < length; i++) x[i] = integer ? T.CreateChecked(rnd.Next(-9, 10)) : T.CreateChecked(rnd.NextDouble() * 2 - 1);
        return x;
    }
}
