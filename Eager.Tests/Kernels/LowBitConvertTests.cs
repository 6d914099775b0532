using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>
/// The float16 and bfloat16 conversion kernels against a reference that knows nothing of bit tricks: the nearest
/// value in a sorted table of every finite 16-bit value, ties to the even bit pattern, overflow past the midpoint
/// between the largest finite value and the next power of two.
/// </summary>
public class LowBitConvertTests
{
    private static readonly int[] Lengths = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000];

    /// <summary>A 16-bit float format's non-negative finite values by bit pattern (patterns ascend with values).</summary>
    private sealed class Format(Func<ushort, double> value, ushort maxFinite, double nextPowerOfTwo, ushort infinity)
    {
        private readonly double[] table = Enumerable.Range(0, maxFinite + 1).Select(b => value((ushort)b)).ToArray();

        public double Value(ushort b) => value(b);

        /// <summary>The bit pattern nearest to x (ties to even); NaN handled by the caller.</summary>
        public ushort Nearest(double x)
        {
            ushort sign = (ushort)(double.IsNegative(x) ? 0x8000 : 0);
            double a = Math.Abs(x);
            double max = table[maxFinite];
            if (a >= (max + nextPowerOfTwo) / 2) return (ushort)(sign | infinity);
            int lo = Array.BinarySearch(table, a);
            if (lo >= 0) return (ushort)(sign | lo);
            lo = ~lo - 1; // table[lo] < a < table[lo + 1]
            if (lo == maxFinite) return (ushort)(sign | maxFinite);
            double dl = a - table[lo], dh = table[lo + 1] - a;
            int pick = dl < dh ? lo : dh < dl ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
            return (ushort)(sign | pick);
        }
    }

    private static readonly Format Bf16 = new(b => BitConverter.UInt32BitsToSingle((uint)b << 16), 0x7F7F, Math.Pow(2, 128), 0x7F80);
    private static readonly Format F16 = new(b => (double)BitConverter.UInt16BitsToHalf(b), 0x7BFF, 65536, 0x7C00);

    /// <summary>Floats that probe every rule: ties (even and odd), just either side of them, subnormals of both
    /// formats, overflow, infinities, signalling and quiet NaNs, and random values over the whole range.</summary>
    private static float[] Probes(int n, int seed)
    {
        var rnd = new Random(seed);
        uint[] special =
        [
            0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, // bfloat16 ties below an even and an odd pattern, and neighbours
            0x3F801000, 0x3F803000, 0x3F801001,              // float16 ties (13 dropped bits)
            0x7F7FFFFF, 0x7F7F8000, 0x7F7F7FFF, 0x477FF000, 0x477FEFFF, 0x47800000, // overflow edges of both
            0x7F800000, 0xFF800000, 0x7F800001, 0xFFC00000, 0x7FC00001, // infinities, a signalling NaN, quiet NaNs
            0x00000001, 0x00008000, 0x00018000, 0x00800000, 0x33800000, 0x33000000, 0x33000001, 0x387FC000, // subnormals
            0x80000000, 0x00000000, 0xBF808000, 0xC77FF000,
        ];
        var result = new float[n];
        for (int i = 0; i < n; i++)
        {
            uint bits = i < special.Length && rnd.Next(3) > 0 ? special[(i * 7 + seed) % special.Length]
                : rnd.Next(4) switch
                {
                    0 => (uint)rnd.NextInt64(0, 1L << 32),
                    1 => ((uint)rnd.Next(0x3000, 0x4800) << 16) | (uint)(rnd.Next(2) << 15), // ties in the float16 range
                    2 => BitConverter.SingleToUInt32Bits((float)(rnd.NextDouble() * 70000 - 35000)),
                    _ => special[rnd.Next(special.Length)],
                };
            result[i] = BitConverter.UInt32BitsToSingle(bits);
        }
        return result;
    }

    [Test]
    public void FloatToBFloat16RoundsToNearestEven([ValueSource(nameof(Lengths))] int n)
    {
        var src = Probes(n, n);
        var got = new ushort[n];
        BFloat16Bits.FromSingle(src, got);
        for (int i = 0; i < n; i++)
        {
            if (float.IsNaN(src[i]))
            {
                Assert.That(float.IsNaN(BFloat16Bits.ToSingle(got[i])) && (got[i] >> 15) == (BitConverter.SingleToUInt32Bits(src[i]) >> 31),
                    $"element {i}: NaN {BitConverter.SingleToUInt32Bits(src[i]):X8} gave {got[i]:X4}");
                continue;
            }
            Assert.That(got[i], Is.EqualTo(Bf16.Nearest(src[i])), $"element {i} of {n}: {src[i]:R} ({BitConverter.SingleToUInt32Bits(src[i]):X8})");
            Assert.That(BFloat16Bits.FromSingle(src[i]), Is.EqualTo(got[i]), "the scalar path agrees with the vector path");
        }
    }

    [Test]
    public void BFloat16ToFloatIsExact([ValueSource(nameof(Lengths))] int n)
    {
        var rnd = new Random(n);
        var src = Enumerable.Range(0, n).Select(_ => (ushort)rnd.Next(65536)).ToArray();
        var got = new float[n];
        BFloat16Bits.ToSingle(src, got);
        for (int i = 0; i < n; i++)
            Assert.That(BitConverter.SingleToUInt32Bits(got[i]), Is.EqualTo((uint)src[i] << 16), $"element {i}");
    }

    [Test]
    public void FloatToHalfRoundsToNearestEven([ValueSource(nameof(Lengths))] int n)
    {
        var src = Probes(n, n + 100);
        var got = new Half[n];
        TypeConvert.ToHalf(src, got);
        var back = new float[n];
        TypeConvert.FromHalf(got, back);
        for (int i = 0; i < n; i++)
        {
            var bits = BitConverter.HalfToUInt16Bits(got[i]);
            if (float.IsNaN(src[i])) { Assert.That(Half.IsNaN(got[i]), $"element {i}: NaN kept"); continue; }
            Assert.That(bits, Is.EqualTo(F16.Nearest(src[i])), $"element {i} of {n}: {src[i]:R}");
            Assert.That((double)back[i], Is.EqualTo(F16.Value(bits)), "float16 to float32 is exact");
        }
    }

    [Test]
    public void DoubleToBothRoundsOnce([ValueSource(nameof(Lengths))] int n)
    {
        var rnd = new Random(n + 7);
        var src = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Midpoints of neighbouring 16-bit values nudged by far less than a float32 ulp: rounding through float32 first
            // would land on the tie and pick the even side, which is wrong for these.
            ushort b = (ushort)rnd.Next(0x0001, 0x7B00);
            double mid = (Bf16.Value(b) + Bf16.Value((ushort)(b + 1))) / 2, midH = (F16.Value(b) + F16.Value((ushort)(b + 1))) / 2;
            src[i] = rnd.Next(4) switch
            {
                0 => mid * (1 + 1e-12),
                1 => midH * (1 - 1e-12),
                2 => rnd.NextDouble() * 1e5 - 5e4,
                _ => mid,
            };
            if (rnd.Next(2) == 0) src[i] = -src[i];
        }
        var half = new Half[n];
        var bf = new ushort[n];
        TypeConvert.ToHalf(src, half);
        BFloat16Bits.FromDouble(src, bf);
        for (int i = 0; i < n; i++)
        {
            Assert.That(bf[i], Is.EqualTo(Bf16.Nearest(src[i])), $"bfloat16 of {src[i]:R}");
            Assert.That(BitConverter.HalfToUInt16Bits(half[i]), Is.EqualTo(F16.Nearest(src[i])), $"float16 of {src[i]:R}");
        }
    }

    [TestCase(0L), TestCase(1L), TestCase(-255L), TestCase(257L), TestCase(0x2000_0000L + 0x40_0000 + 1), TestCase((1L << 25) + (1L << 17) + 1)]
    [TestCase(long.MaxValue), TestCase(long.MinValue), TestCase((1L << 40) + (1L << 32)), TestCase((1L << 40) + (3L << 32))]
    public void IntegersToBFloat16RoundOnce(long x)
    {
        Assert.That(BFloat16Bits.FromInt64(x), Is.EqualTo(Bf16.Nearest(x)), $"int64 {x}");
        if (x is >= int.MinValue and <= int.MaxValue)
        {
            var got = new ushort[1];
            BFloat16Bits.FromInt32([(int)x], got);
            Assert.That(got[0], Is.EqualTo(Bf16.Nearest(x)), $"int32 {x}");
        }
    }
}
