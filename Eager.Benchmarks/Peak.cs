using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Eager.Kernels;

namespace Eager.Benchmarks;

/// <summary>
/// Measures this machine's float32 FMA peak: independent fused multiply-adds on the widest accelerated
/// vector, ten chains per thread (enough to cover FMA latency times the two FMA pipes), on 1 and on
/// <see cref="Workers.Count"/> threads. The fraction-of-peak columns divide by this, not by a datasheet.
/// </summary>
internal static class Peak
{
    public static (double OneCore, double AllCores) Measure()
    {
        Chains(1000);
        return (Rate(1), Rate(Workers.Count));
    }

    private static double Rate(int threads)
    {
        const long iters = 20_000_000;
        double best = 0;
        for (int rep = 0; rep < 3; rep++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(iters));
            double flops = threads * (double)iters * 10 * 2 * Lanes;
            best = Math.Max(best, flops / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static int Lanes => Vector512.IsHardwareAccelerated ? 16 : 8;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains(long iters)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(0.9999f); var c = Vector512.Create(1e-4f);
            Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m;
            for (long i = 0; i < iters; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
                a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
                a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
                a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            }
            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
        }
        else
        {
            var m = Vector256.Create(0.9999f); var c = Vector256.Create(1e-4f);
            Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m;
            for (long i = 0; i < iters; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c); a2 = Vector256.FusedMultiplyAdd(a2, m, c);
                a3 = Vector256.FusedMultiplyAdd(a3, m, c); a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
                a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c); a8 = Vector256.FusedMultiplyAdd(a8, m, c);
                a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            }
            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
        }
    }
}
