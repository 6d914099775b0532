namespace Eager.Tests.Core.Tensors;

/// <summary>The 16-bit floats and 8-bit integers as tensors: facts, creation, reading, printing and every cast.</summary>
public class LowBitDTypeTests
{
    private static readonly DType[] Narrow = [DType.Float16, DType.BFloat16, DType.Int8, DType.UInt8];

    [Test]
    public void Facts()
    {
        Assert.That(DTypes.All, Has.Count.EqualTo(9));
        Assert.That(DType.Float16.Size(), Is.EqualTo(2));
        Assert.That(DType.BFloat16.Size(), Is.EqualTo(2));
        Assert.That(DType.Int8.Size(), Is.EqualTo(1));
        Assert.That(DType.UInt8.Size(), Is.EqualTo(1));
        Assert.That(DType.BFloat16.Name(), Is.EqualTo("bfloat16"));
        Assert.That(DTypes.Parse("float16"), Is.EqualTo(DType.Float16));
        Assert.That(DType.Float16.IsFloating && DType.BFloat16.IsFloating && DType.Float16.IsHalfPrecision);
        Assert.That(DType.Int8.IsInteger && DType.UInt8.IsInteger && !DType.UInt8.IsSigned && DType.Int8.IsSigned);
        Assert.That(DType.BFloat16.ComputeType, Is.EqualTo(DType.Float32));
        Assert.That(DType.UInt8.ComputeType, Is.EqualTo(DType.Int32));
        Assert.That(DTypes.Of<Half>(), Is.EqualTo(DType.Float16));
        Assert.That(DTypes.Of<BFloat16>(), Is.EqualTo(DType.BFloat16));
        Assert.That(DType.Int8.ClrType(), Is.EqualTo(typeof(sbyte)));
    }

    [Test]
    public void FromToArrayAndItem()
    {
        var h = Tensor.From(new[] { (Half)1.5, (Half)(-2), Half.PositiveInfinity });
        Assert.That(h.DType, Is.EqualTo(DType.Float16));
        Assert.That(h.ToArray<Half>(), Is.EqualTo(new[] { (Half)1.5, (Half)(-2), Half.PositiveInfinity }));
        var b = Tensor.From(new[,] { { (BFloat16)1f, (BFloat16)3f }, { (BFloat16)0.1f, BFloat16.NaN } });
        Assert.That(b.DType, Is.EqualTo(DType.BFloat16));
        Assert.That(b.Shape, Is.EqualTo(new Shape(2, 2)));
        Assert.That((float)b.ToArray<BFloat16>()[2], Is.EqualTo(0.10009765625f));
        Assert.That(Tensor.From(new sbyte[] { -128, 127 }).ToArray<sbyte>(), Is.EqualTo(new sbyte[] { -128, 127 }));
        Assert.That(Tensor.Scalar((byte)200).Item<byte>(), Is.EqualTo(200));
        Assert.That((float)Tensor.Scalar((BFloat16)2.5f).Item<BFloat16>(), Is.EqualTo(2.5f));
        Assert.That(Tensor.Scalar(3.0, DType.Float16).Item<Half>(), Is.EqualTo((Half)3));
        Assert.That(Tensor.Full(new Shape(3), 300, DType.Int8).ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 127, 127, 127 }));
        Assert.That(Tensor.Zeros(new Shape(2), DType.BFloat16).ToDoubleArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
        Assert.That(Tensor.Ones(new Shape(2), DType.UInt8).ToDoubleArray(), Is.EqualTo(new[] { 1.0, 1.0 }));
        Assert.That(Tensor.Arange(4, DType.Float16).ToDoubleArray(), Is.EqualTo(new[] { 0.0, 1, 2, 3 }));
        Assert.That(Tensor.RandomNormal(new Shape(5), seed: 3, dtype: DType.BFloat16).DType, Is.EqualTo(DType.BFloat16));
        Assert.Throws<InvalidOperationException>(() => h.ToArray<float>());
    }

    [Test]
    public void StridedViewsCopy()
    {
        foreach (var d in Narrow)
        {
            var t = Tensor.Arange(6, d).Reshape(2, 3);
            var tt = Ops.Transpose(t);
            Assert.That(tt.DType, Is.EqualTo(d));
            Assert.That(tt.ToDoubleArray(), Is.EqualTo(new double[] { 0, 3, 1, 4, 2, 5 }), d.Name());
            Assert.That(tt.Contiguous().ToDoubleArray(), Is.EqualTo(new double[] { 0, 3, 1, 4, 2, 5 }), d.Name());
        }
    }

    [Test]
    public void Formatting()
    {
        Assert.That(Tensor.From(new[] { (Half)0.1, (Half)2, Half.NaN }).ToString(),
            Is.EqualTo("tf.Tensor([0.1 2. nan], shape=(3,), dtype=float16)"));
        Assert.That(Tensor.From(new[] { (BFloat16)0.1f, (BFloat16)(-3f) }).ToString(),
            Is.EqualTo("tf.Tensor([0.1 -3.], shape=(2,), dtype=bfloat16)"));
        Assert.That(Tensor.From(new sbyte[] { -5, 7 }).ToString(), Is.EqualTo("tf.Tensor([-5 7], shape=(2,), dtype=int8)"));
        Assert.That(Tensor.From(new byte[] { 255 }).ToString(), Is.EqualTo("tf.Tensor([255], shape=(1,), dtype=uint8)"));
        Assert.That(((BFloat16)0.1f).ToString(), Is.EqualTo("0.1"));
        Assert.That(((BFloat16)1234.5f).ToString(), Is.EqualTo("1230"));
        Assert.That(BFloat16.NaN.ToString(), Is.EqualTo("NaN"));
    }

    /// <summary>Values that probe the cast rules, each first made exact in the source dtype.</summary>
    private static readonly double[] Probe =
    [
        0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, 127.9, -128.9, 128, -129, 255.5, 256, -300.7, 300.7, 65504, 65519, 65520, 1e5,
        1e10, -1e10, 3e38, 1e-8, 6e-8, 1e-40, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0.1, 1.0 / 3,
        (1L << 31) + 0.0, -(1L << 31) - 1.0, 5e9, (1L << 25) + (1L << 17) + 1,
    ];

    /// <summary>What one value becomes in <paramref name="to"/>, by the documented rules, computed without the library.</summary>
    private static double Expected(double v, DType from, DType to) => to switch
    {
        DType.Float64 => v,
        DType.Float32 => (float)v,
        DType.Float16 => (double)(Half)v,
        DType.BFloat16 => (float)(BFloat16)v,
        DType.Bool => v != 0 ? 1 : 0,
        DType.Int8 => Saturate(v, -128, 127),
        DType.UInt8 => Saturate(v, 0, 255),
        DType.Int32 => from == DType.Int64 ? unchecked((int)(long)v) : Saturate(v, int.MinValue, int.MaxValue),
        DType.Int64 => Saturate(v, long.MinValue, long.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(to)),
    };

    private static double Saturate(double v, double lo, double hi) =>
        double.IsNaN(v) ? 0 : Math.Clamp(Math.Truncate(v), lo, hi);

    private static Tensor Typed(double[] v, DType d) => d switch
    {
        DType.Float32 => Tensor.From(v.Select(x => (float)x).ToArray()),
        DType.Float64 => Tensor.From(v),
        DType.Float16 => Tensor.From(v.Select(x => (Half)x).ToArray()),
        DType.BFloat16 => Tensor.From(v.Select(x => (BFloat16)x).ToArray()),
        DType.Int32 => Tensor.From(v.Select(x => (int)Saturate(x, int.MinValue, int.MaxValue)).ToArray()),
        DType.Int64 => Tensor.From(v.Select(x => (long)Saturate(x, long.MinValue, long.MaxValue)).ToArray()),
        DType.Int8 => Tensor.From(v.Select(x => (sbyte)Saturate(x, -128, 127)).ToArray()),
        DType.UInt8 => Tensor.From(v.Select(x => (byte)Saturate(x, 0, 255)).ToArray()),
        DType.Bool => Tensor.From(v.Select(x => x != 0).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    private static double[] Exact(double[] v, DType d) => d switch
    {
        DType.Float32 => v.Select(x => (double)(float)x).ToArray(),
        DType.Float16 => v.Select(x => (double)(Half)x).ToArray(),
        DType.BFloat16 => v.Select(x => (double)(float)(BFloat16)x).ToArray(),
        DType.Int32 => v.Select(x => Saturate(x, int.MinValue, int.MaxValue)).ToArray(),
        DType.Int64 => v.Select(x => Saturate(x, long.MinValue, long.MaxValue)).ToArray(),
        DType.Int8 => v.Select(x => Saturate(x, -128, 127)).ToArray(),
        DType.UInt8 => v.Select(x => Saturate(x, 0, 255)).ToArray(),
        DType.Bool => v.Select(x => x != 0 ? 1.0 : 0).ToArray(),
        _ => v,
    };

    [Test]
    public void CastEveryPair([ValueSource(typeof(DTypes), nameof(DTypes.All))] DType from)
    {
        var values = Exact(Probe, from);
        var x = Typed(Probe, from);
        Assert.That(x.ToDoubleArray(), Is.EqualTo(values), $"{from.Name()} source holds the exact values");
        foreach (var to in DTypes.All)
        {
            var y = Ops.Cast(x, to);
            Assert.That(y.DType, Is.EqualTo(to));
            var got = y.ToDoubleArray();
            for (int i = 0; i < values.Length; i++)
            {
                double want = Expected(values[i], from, to);
                if (double.IsNaN(want)) Assert.That(double.IsNaN(got[i]), $"{from.Name()} {values[i]} -> {to.Name()}: NaN stays NaN");
                else Assert.That(got[i], Is.EqualTo(want), $"{from.Name()} {values[i]:R} -> {to.Name()}");
            }
        }
    }

    [Test]
    public void CastOfAViewAndLongTensors()
    {
        var rnd = new Random(5);
        var v = Enumerable.Range(0, 1000).Select(_ => rnd.NextDouble() * 600 - 300).ToArray();
        var x = Tensor.From(v.Select(d => (float)d).ToArray()).Reshape(25, 40);
        foreach (var to in Narrow)
        {
            var y = Ops.Cast(Ops.Transpose(x), to);
            var want = Ops.Transpose(x).ToDoubleArray().Select(d => Expected(d, DType.Float32, to)).ToArray();
            Assert.That(y.ToDoubleArray(), Is.EqualTo(want), to.Name());
        }
    }
}
