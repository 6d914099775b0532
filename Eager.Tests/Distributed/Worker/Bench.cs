using System.Diagnostics;
using Eager;
using Eager.Distributed;

/// <summary>All-reduce timings for scripts/bench-mpi.sh: the median of many calls on 1M and 16M floats, printed by rank 0
/// in the same format as the C baseline (benchmarks/mpi/allreduce.c).</summary>
internal static class Bench
{
    public static void Run(Communicator world, int repeats)
    {
        foreach (int n in new[] { 1 << 20, 16 << 20 })
        {
            var x = Tensor.From(Enumerable.Range(0, n).Select(i => (float)(i % 7)).ToArray());
            int reps = n > (1 << 20) ? Math.Max(5, repeats / 5) : repeats;
            for (int i = 0; i < 3; i++) world.AllReduce(x);
            var times = new double[reps];
            for (int i = 0; i < reps; i++)
            {
                world.Barrier();
                long t0 = Stopwatch.GetTimestamp();
                var y = world.AllReduce(x);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                GC.KeepAlive(y);
            }
            Array.Sort(times);
            if (world.IsRoot) Console.WriteLine($"csharp allreduce floats={n} ranks={world.Size} median_ms={times[reps / 2]:F3} min_ms={times[0]:F3}");
            // The same reduction into one reused buffer, as the C baseline reuses its receive buffer.
            var buffer = Tensor.Empty(x.Shape, x.DType);
            for (int i = 0; i < reps; i++)
            {
                x.AsReadOnlySpan<float>().CopyTo(buffer.AsSpan<float>()); // refill, outside the timed call
                world.Barrier();
                long t0 = Stopwatch.GetTimestamp();
                world.AllReduceInPlace(buffer);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            Array.Sort(times);
            if (world.IsRoot) Console.WriteLine($"csharp-inplace allreduce floats={n} ranks={world.Size} median_ms={times[reps / 2]:F3} min_ms={times[0]:F3}");
        }
    }
}
