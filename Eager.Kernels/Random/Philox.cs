namespace Eager.Kernels.Random;

/// <summary>
/// Counter-based generator (Philox-4x32-10, Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3").
/// The same seed gives the same numbers on every machine and does not depend on thread scheduling.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    private static void Block(ulong counter, ulong key, Span<uint> outp)
    {
        uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0, c3 = 0;
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        for (int r = 0; r < 10; r++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0, n1 = (uint)p1, n2 = (uint)(p0 >> 32) ^ c3 ^ k1, n3 = (uint)p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0; k1 += W1;
        }
        outp[0] = c0; outp[1] = c1; outp[2] = c2; outp[3] = c3;
    }

    /// <summary>Uniform numbers in [0, 1) with 53 bits, element i depending only on (seed, i).</summary>
    public static void Uniform(ulong seed, Span<double> dst)
    {
        Span<uint> b = stackalloc uint[4];
        for (int i = 0; i < dst.Length; i += 2)
        {
            Block((ulong)i / 2, seed, b);
            dst[i] = ToUnit(b[0], b[1]);
            if (i + 1 < dst.Length) dst[i + 1] = ToUnit(b[2], b[3]);
        }
    }

    private static double ToUnit(uint hi, uint lo) => (((ulong)hi << 21) ^ lo) % (1UL << 53) * (1.0 / (1UL << 53));

    /// <summary>Standard normal numbers (Box-Muller on pairs of uniforms).</summary>
    public static void Normal(ulong seed, Span<double> dst)
    {
        Span<uint> b = stackalloc uint[4];
        for (int i = 0; i < dst.Length; i += 2)
        {
            Block((ulong)i / 2, seed ^ 0x5DEECE66DUL, b);
            double u1 = 1.0 - ToUnit(b[0], b[1]); // (0, 1]
            double u2 = ToUnit(b[2], b[3]);
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            dst[i] = r * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < dst.Length) dst[i + 1] = r * Math.Sin(2 * Math.PI * u2);
        }
    }

    /// <summary>Normal numbers redrawn until within two standard deviations (TensorFlow's truncated_normal).</summary>
    public static void TruncatedNormal(ulong seed, Span<double> dst)
    {
        Normal(seed, dst);
        ulong round = 1;
        Span<double> redraw = stackalloc double[2];
        for (int i = 0; i < dst.Length; i++)
        {
            while (Math.Abs(dst[i]) > 2.0)
            {
                Normal(seed * 0x9E3779B97F4A7C15UL + round++ + (ulong)i, redraw);
                dst[i] = redraw[0];
            }
        }
    }
}
