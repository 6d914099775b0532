using Eager.Kernels.Quant;

namespace Eager.Tests.Kernels;

/// <summary>Quantise, dequantise and requantise against float64 references: round half to even, saturation, zero
/// points, per-tensor and per-channel, at lengths around the vector width.</summary>
public class QuantizeKernelTests
{
    [Test]
    public void LinearRoundsHalfToEvenAndSaturates([Values(1, 7, 8, 9, 15, 16, 17, 33)] int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (i - length / 2) * 0.25f * (i % 3 == 0 ? 100 : 1);
        var u = new byte[length];
        var s = new sbyte[length];
        Quantize.Linear<byte>(x, u, 1, length, [0.5f], [10]);
        Quantize.Linear<sbyte>(x, s, 1, length, [0.5f], [-3]);
        for (int i = 0; i < length; i++)
        {
            Assert.That(u[i], Is.EqualTo((byte)Math.Clamp(Math.Round(x[i] / 0.5, MidpointRounding.ToEven) + 10, 0, 255)), $"u8 at {i}");
            Assert.That(s[i], Is.EqualTo((sbyte)Math.Clamp(Math.Round(x[i] / 0.5, MidpointRounding.ToEven) - 3, -128, 127)), $"s8 at {i}");
        }
    }

    [Test]
    public void TiesGoToEven()
    {
        float[] x = [0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, float.NaN, 1e9f, -1e9f];
        var y = new sbyte[x.Length];
        Quantize.Linear<sbyte>(x, y, 1, x.Length, [1f], [0]);
        Assert.That(y, Is.EqualTo(new sbyte[] { 0, 2, 2, 0, -2, -2, 0, 127, -128 }));
        var v = new sbyte[16];
        var xs = Enumerable.Repeat(2.5f, 16).ToArray();
        Quantize.Linear<sbyte>(xs, v, 1, 16, [1f], [0]);
        Assert.That(v, Is.All.EqualTo((sbyte)2), "vector path");
    }

    [Test]
    public void PerChannelQuantiseAndDequantise([Values(1, 8, 17)] int inner)
    {
        const int outer = 2, channels = 3;
        var rng = new Random(inner);
        var x = new float[outer * channels * inner];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 8 - 4);
        float[] scale = [0.01f, 0.05f, 0.1f];
        int[] zero = [-5, 0, 20];
        var q = new sbyte[x.Length];
        Quantize.Linear<sbyte>(x, q, channels, inner, scale, zero);
        var back = new float[x.Length];
        Quantize.Dequantize<sbyte>(q, back, channels, inner, scale, zero);
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / inner % channels;
            double want = Math.Clamp(Math.Round((double)(x[i] / scale[ch]), MidpointRounding.ToEven) + zero[ch], -128, 127);
            Assert.That(q[i], Is.EqualTo((sbyte)want), $"q at {i}");
            Assert.That(back[i], Is.EqualTo((float)((want - zero[ch]) * scale[ch])).Within(1e-6), $"dequantised at {i}");
        }
    }

    [Test]
    public void DequantizeInt32Bias()
    {
        var y = new float[3];
        Quantize.Dequantize<int>([100000, -7, 0], y, 1, 3, [0.001f], [0]);
        Assert.That(y, Is.EqualTo(new[] { 100f, -0.007f, 0f }).Within(1e-4));
    }

    [Test]
    public void RequantizeWithBiasReluAndPerColumnMultiplier()
    {
        int[] acc = [100, -100, 3000, 5, -5, -3000];
        var y = new byte[6];
        Quantize.Requantize<byte>(acc, y, 2, 3, [10, 0, -10], [0.5f, 0.25f, 0.1f], zero: 50, relu: false);
        for (int i = 0; i < 6; i++)
        {
            int j = i % 3;
            double want = Math.Clamp(Math.Round((acc[i] + new[] { 10, 0, -10 }[j]) * (double)new[] { 0.5f, 0.25f, 0.1f }[j], MidpointRounding.ToEven) + 50, 0, 255);
            Assert.That(y[i], Is.EqualTo((byte)want), $"at {i}");
        }
        Quantize.Requantize<byte>(acc, y, 2, 3, [], [1f], zero: 50, relu: true);
        Assert.That(y, Is.EqualTo(new byte[] { 150, 50, 255, 55, 50, 50 }));
    }

    [Test]
    public void ToFloatScalesAddsBiasAndClamps()
    {
        var y = new float[4];
        Quantize.ToFloat([10, -10, 4, 8], y, 2, 2, [0.5f, 0.25f], [1f, 0f], relu: true);
        Assert.That(y, Is.EqualTo(new[] { 6f, 0f, 3f, 2f }));
    }

    [Test]
    public void BadLengthsThrow()
    {
        Assert.Throws<ArgumentException>(() => Quantize.Linear<byte>(new float[4], new byte[3], 1, 4, [1f], [0]));
        Assert.Throws<ArgumentException>(() => Quantize.Linear<byte>(new float[6], new byte[6], 3, 2, [1f], [0]));
        Assert.Throws<ArgumentException>(() => Quantize.Linear<int>(new float[1], new int[1], 1, 1, [1f], [0]));
    }
}
