using Eager.Kernels.Conv;
using Eager.Kernels.Gemm;

namespace Eager.Tests.Kernels;

/// <summary>A convolution given its filter packed ahead (<see cref="Convolution.PackFilter{T}"/>) computes exactly what it
/// computes packing the filter itself, on every kernel family.</summary>
[NonParallelizable]
public class PackedFilterTests
{
    // (batch, h, w, cin, kh, kw, cout, padTop, padLeft, outH, outW): odd channel counts around the panel widths,
    // 14-pixel row tiles, several row blocks, a single pixel, 2x2 and 5x5 windows.
    private static readonly int[][] Cases =
    [
        [1, 7, 9, 16, 3, 3, 17, 1, 1, 7, 9],
        [2, 8, 6, 17, 3, 3, 8, 0, 0, 6, 4],
        [1, 5, 7, 16, 2, 2, 9, 0, 0, 5, 7],
        [1, 1, 1, 16, 3, 3, 8, 1, 1, 1, 1],
        [1, 14, 14, 32, 3, 3, 37, 1, 1, 14, 14],
        [2, 6, 28, 16, 3, 3, 40, 1, 1, 6, 28],
        [1, 4, 28, 16, 5, 5, 33, 2, 2, 4, 28],
        [1, 20, 19, 40, 3, 3, 65, 1, 1, 20, 19],
    ];

    [TearDown]
    public void Restore() => Gemm.Path = GemmPath.Auto;

    private static ConvGeometry Geometry(int[] c) => new(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[9], c[10], 1, 1, 1, 1, c[7], c[8]);

    private static float[] Fill(int n, int seed)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
    }

    [Test]
    public void ForwardWithAPackedFilterEqualsForward(
        [Values(GemmPath.Vector512, GemmPath.Vector256, GemmPath.Simple)] GemmPath path, [Range(0, 7)] int which)
    {
        Gemm.Path = path;
        var g = Geometry(Cases[which]);
        var x = Fill(g.InputLength, which);
        var w = Fill(g.PatchSize * g.OutChannels, 100 + which);
        var want = new float[g.OutPixels * g.OutChannels];
        Convolution.Forward<float>(g, x, w, want);
        var packing = Convolution.ForwardPacking<float>(g);
        if (path == GemmPath.Simple || g.OutChannels <= 8)
        {
            // The scalar family reads the filter in place; eight or fewer output channels take the direct narrow kernel.
            if (path == GemmPath.Simple) Assert.That(packing, Is.Null);
            if (packing is null) return;
        }
        Assert.That(packing, Is.Not.Null);
        var p = packing!.Value;
        Assert.That(p.Path, Is.EqualTo(path));
        var packed = new float[p.Length];
        Convolution.PackFilter<float>(p, w, packed);
        var got = new float[want.Length];
        Convolution.Forward<float>(g, x, w.Select(_ => float.NaN).ToArray(), got, p, packed);
        Assert.That(got, Is.EqualTo(want), "the packed copy alone is read, and gives the same bits");
    }

    [Test]
    public void BackpropInputWithAPackedFilterEqualsBackpropInput(
        [Values(GemmPath.Vector512, GemmPath.Vector256)] GemmPath path, [Range(0, 7)] int which, [Values] bool dbl)
    {
        Gemm.Path = path;
        var g = Geometry(Cases[which]);
        var w = Fill(g.PatchSize * g.OutChannels, 200 + which);
        var dy = Fill(g.OutPixels * g.OutChannels, 300 + which);
        var p = Convolution.BackpropInputPacking<float>(g)!.Value;
        Assert.That(p.Flipped, Is.True);
        if (dbl)
        {
            var (wd, dyd) = (w.Select(v => (double)v).ToArray(), dy.Select(v => (double)v).ToArray());
            var pd = Convolution.BackpropInputPacking<double>(g)!.Value;
            var wantD = new double[g.InputLength];
            Convolution.BackpropInput<double>(g, wd, dyd, wantD);
            var packedD = new double[pd.Length];
            Convolution.PackFilter<double>(pd, wd, packedD);
            var gotD = Enumerable.Repeat(double.NaN, g.InputLength).ToArray();
            Convolution.BackpropInput<double>(g, new double[wd.Length], dyd, gotD, pd, packedD);
            Assert.That(gotD, Is.EqualTo(wantD));
            return;
        }
        var want = new float[g.InputLength];
        Convolution.BackpropInput<float>(g, w, dy, want);
        var packed = new float[p.Length];
        Convolution.PackFilter<float>(p, w, packed);
        var got = Enumerable.Repeat(float.NaN, g.InputLength).ToArray();
        Convolution.BackpropInput<float>(g, new float[w.Length], dy, got, p, packed);
        Assert.That(got, Is.EqualTo(want));
    }

    [Test]
    public void APackingForAnotherKernelFamilyIsIgnored()
    {
        var g = Geometry(Cases[4]);
        var x = Fill(g.InputLength, 1);
        var w = Fill(g.PatchSize * g.OutChannels, 2);
        Gemm.Path = GemmPath.Vector256;
        var p = Convolution.ForwardPacking<float>(g)!.Value;
        var packed = new float[p.Length]; // zeros: wrong for any kernel that read it
        Gemm.Path = GemmPath.Vector512;
        var want = new float[g.OutPixels * g.OutChannels];
        Convolution.Forward<float>(g, x, w, want);
        var got = new float[want.Length];
        Convolution.Forward<float>(g, x, w, got, p, packed);
        Assert.That(got, Is.EqualTo(want));
    }

    [Test]
    public void PackFilterRejectsShortSpans()
    {
        var p = new FilterPacking(GemmPath.Vector256, 16, 9, 16, 17, false);
        Assert.That(p.Length, Is.EqualTo(32L * 9 * 16));
        Assert.Throws<ArgumentException>(() => Convolution.PackFilter<float>(p, new float[9 * 16 * 17], new float[10]));
        Assert.Throws<ArgumentException>(() => Convolution.PackFilter<float>(p, new float[10], new float[p.Length]));
    }
}
