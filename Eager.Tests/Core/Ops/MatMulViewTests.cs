namespace Eager.Tests.Core; // not ".Ops": that namespace would hide the Ops class from every test under Eager.Tests.Core

/// <summary>MatMul reads transposed and broadcast operands as views (no copies); results must match a float64 reference.</summary>
public class MatMulViewTests
{
    private static Tensor Random(int seed, params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1, 1, seed: seed);

    /// <summary>Reference batched product over already-broadcast row-major float64 data.</summary>
    private static double[] Reference(double[] a, double[] b, int batches, int m, int n, int k, bool aBroadcast, bool bBroadcast, bool ta, bool tb)
    {
        var c = new double[batches * m * n];
        for (int bi = 0; bi < batches; bi++)
        {
            int ao = aBroadcast ? 0 : bi * m * k, bo = bBroadcast ? 0 : bi * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += a[ao + (ta ? p * m + i : i * k + p)] * b[bo + (tb ? j * k + p : p * n + j)];
                    c[bi * m * n + i * n + j] = s;
                }
        }
        return c;
    }

    [Test]
    public void TransposeFlagsMatchReference([Values] bool ta, [Values] bool tb, [Values(1, 7, 33)] int size)
    {
        int m = size, n = size + 2, k = size + 1;
        var a = ta ? Random(1, k, m) : Random(1, m, k);
        var b = tb ? Random(2, n, k) : Random(2, k, n);
        var c = Ops.MatMul(a, b, ta, tb);
        Assert.That(c.Shape, Is.EqualTo(new Shape(m, n)));
        var expect = Reference(a.ToDoubleArray(), b.ToDoubleArray(), 1, m, n, k, false, false, ta, tb);
        Assert.That(c.ToDoubleArray(), Is.EqualTo(expect).Within(1e-5 * k));
    }

    [Test]
    public void NonContiguousTransposedViewInput()
    {
        var a = Random(3, 17, 9);
        var aT = LinalgOps.SwapLastTwo(a); // a 9x17 view with strides (1, 9)
        Assert.That(aT.IsContiguous, Is.False);
        var b = Random(4, 17, 5);
        var c = Ops.MatMul(aT, b);
        var expect = Reference(a.ToDoubleArray(), b.ToDoubleArray(), 1, 9, 5, 17, false, false, ta: true, tb: false);
        Assert.That(c.ToDoubleArray(), Is.EqualTo(expect).Within(1e-4));
    }

    [Test]
    public void BatchDimensionsBroadcast([Values(DType.Float32, DType.Float64, DType.Int32, DType.Int64)] DType dtype)
    {
        var a = As(Random(5, 4, 6, 7), dtype);   // (4, 6, 7)
        var b = As(Random(6, 7, 3), dtype);      // (7, 3) shared by every batch
        var c = Ops.MatMul(a, b);
        Assert.That(c.Shape, Is.EqualTo(new Shape(4, 6, 3)));
        var expect = Reference(a.ToDoubleArray(), b.ToDoubleArray(), 4, 6, 3, 7, false, true, false, false);
        Assert.That(c.ToDoubleArray(), Is.EqualTo(expect).Within(1e-4));
    }

    [Test]
    public void UnevenBatchBroadcastFallsBackToOneProductPerBatch()
    {
        // (2,1,5,4) x (1,3,4,6): batch offsets of a repeat every 3 products, so they do not step evenly.
        var a = Random(7, 2, 1, 5, 4);
        var b = Random(8, 1, 3, 4, 6);
        var c = Ops.MatMul(a, b);
        Assert.That(c.Shape, Is.EqualTo(new Shape(2, 3, 5, 6)));
        var ad = a.ToDoubleArray(); var bd = b.ToDoubleArray(); var cd = c.ToDoubleArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                var one = Reference(ad[(i * 20)..((i + 1) * 20)], bd[(j * 24)..((j + 1) * 24)], 1, 5, 6, 4, false, false, false, false);
                Assert.That(cd[((i * 3 + j) * 30)..((i * 3 + j + 1) * 30)], Is.EqualTo(one).Within(1e-5), $"batch ({i}, {j})");
            }
    }

    [Test]
    public void EmptyBatchAndEmptyInnerDimension()
    {
        Assert.That(Ops.MatMul(Tensor.Zeros(new Shape(0, 3, 4)), Tensor.Zeros(new Shape(4, 2))).Shape, Is.EqualTo(new Shape(0, 3, 2)));
        var z = Ops.MatMul(Tensor.Ones(new Shape(3, 0)), Tensor.Ones(new Shape(0, 2)));
        Assert.That(z.ToArray<float>(), Is.EqualTo(new float[6]));
    }

    private static Tensor As(Tensor x, DType dtype)
    {
        var d = x.ToDoubleArray();
        if (dtype is DType.Int32 or DType.Int64) for (int i = 0; i < d.Length; i++) d[i] = Math.Round(d[i] * 5);
        return Tensor.FromDoubles(d, x.Shape, dtype);
    }
}
