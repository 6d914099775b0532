using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Eager.Kernels;

namespace Eager.Benchmarks;

/// <summary>
/// <c>--probe Class Param [rounds]</c>: a quick side-by-side for a busy machine. Every benchmark method of the
/// class runs once per round, in turn, plus each Eager method with <see cref="Workers.Count"/> = 1, so all
/// variants see the same load; prints the median and best wall time and each method's 1-thread / all-thread
/// ratio (2.0 on two idle cores is perfect scaling). On a busy machine run it at real-time priority
/// (<c>chrt -r 1</c>) for a few seconds: process CPU time is no substitute here, since Linux adds a helper
/// thread's CPU time to the process only when the helper blocks, after the call being measured.
/// Then each method runs back to back for half a second, as BenchmarkDotNet's loop runs it.
/// </summary>
internal static class Probe
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(Type[] types, string typeName, string param, int rounds)
    {
        var type = types.First(t => t.Name == typeName);
        var instance = Activator.CreateInstance(type)!;
        if (Cold.ParamProperty(type) is { } prop && param.Length > 0)
            prop.SetValue(instance, Convert.ChangeType(param, prop.PropertyType, Inv));
        foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() != null)) m.Invoke(instance, null);
        var variants = new List<(string Name, Action Call, int Threads)>();
        foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() != null).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            Action call = m.ReturnType == typeof(void) ? m.CreateDelegate<Action>(instance) : Wrap(m.CreateDelegate<Func<object>>(instance));
            variants.Add((m.Name, call, Workers.Count));
            if (!m.Name.StartsWith("Onnx", StringComparison.Ordinal)) variants.Add((m.Name + "@1", call, 1));
        }
        int all = Workers.Count;
        var wall = variants.Select(_ => new List<double>()).ToArray();
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(2))
            foreach (var v in variants) { Workers.Count = v.Threads; v.Call(); }
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < variants.Count; i++)
            {
                Workers.Count = variants[i].Threads;
                long t0 = Stopwatch.GetTimestamp();
                variants[i].Call();
                wall[i].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        // Back to back, as BenchmarkDotNet's loop runs a method: results dropped call after call, so an eager op's
        // output buffers come back only through the pool's collections, while ONNX Runtime reuses one output.
        var burst = new List<(double Median, double Mean, int Gen0, int Gen2, int Calls, double Slow, long Fresh, string Pool)>();
        foreach (var v in variants.Where(v => v.Threads == all))
        {
            Workers.Count = all;
            var times = new List<double>();
            int g0 = GC.CollectionCount(0), g2 = GC.CollectionCount(2);
            long fresh = Eager.Kernels.Memory.BufferPool<float>.FreshArrays;
            int full = Eager.Kernels.Memory.PoolCollection.Induced, young = Eager.Kernels.Memory.PoolCollection.InducedYoung;
            int ticksFull = Eager.Kernels.Memory.PoolCollection.ReclaimedFull;
            var span = Stopwatch.StartNew();
            while (span.Elapsed < TimeSpan.FromSeconds(0.5) || times.Count < 5)
            {
                long t0 = Stopwatch.GetTimestamp();
                v.Call();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            double median = Median(times);
            // Time spent in calls over twice the median, beyond the median: what collections and preemption add.
            double slow = times.Where(t => t > 2 * median).Sum(t => t - median);
            burst.Add((median, times.Average(), GC.CollectionCount(0) - g0, GC.CollectionCount(2) - g2, times.Count, slow, Eager.Kernels.Memory.BufferPool<float>.FreshArrays - fresh,
                $"pool induced {Eager.Kernels.Memory.PoolCollection.Induced - full} full ({Eager.Kernels.Memory.PoolCollection.ReclaimedFull - ticksFull} at budget ticks), {Eager.Kernels.Memory.PoolCollection.InducedYoung - young} young"));
        }
        Workers.Count = all;
        Console.WriteLine($"{typeName} {param}: {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        int bi = 0;
        foreach (var v in variants.Where(v => v.Threads == all))
        {
            var b = burst[bi++];
            Console.WriteLine(string.Create(Inv, $"  {v.Name,-24} back to back {b.Median,9:F3} ms (mean {b.Mean,9:F3}; {b.Calls} calls, {b.Gen0} gen0 / {b.Gen2} gen2 collections, {b.Slow:F1} ms in calls over 2x the median, {b.Fresh} fresh pool arrays; {b.Pool})"));
        }
        for (int i = 0; i < variants.Count; i++)
            Console.WriteLine(string.Create(Inv, $"  {variants[i].Name,-24} wall {Median(wall[i]),9:F3} ms (min {wall[i].Min(),9:F3})"));
        for (int i = 0; i < variants.Count; i++)
        {
            int one = variants.FindIndex(v => v.Name == variants[i].Name + "@1");
            if (one >= 0) Console.WriteLine(string.Create(Inv, $"  {variants[i].Name}: 1-thread/{all}-thread wall {Median(wall[one]) / Median(wall[i]):F2}"));
        }
        foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalCleanupAttribute>() != null)) m.Invoke(instance, null);
        return 0;
    }

    private static Action Wrap(Func<object> f) => () => GC.KeepAlive(f());

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
