using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Eager.Benchmarks;

/// <summary>
/// The CI mode: every parameter combination of every workload runs once; paired workloads compare Eager's
/// output with ONNX Runtime's, Eager-only ones just have to run. Correctness only, no timing assertions.
/// </summary>
internal static class Smoke
{
    private const double Tolerance = 1e-3;

    public static int Run(Type[] types)
    {
        int failures = 0;
        foreach (var type in types)
        {
            foreach (var instance in Instances(type))
            {
                string what = Describe(instance);
                var sw = Stopwatch.StartNew();
                try
                {
                    if (instance is IPaired paired)
                    {
                        double err = paired.Compare();
                        bool ok = err <= Tolerance;
                        if (!ok) failures++;
                        Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}: Eager vs ONNX Runtime max relative difference {err:E2} ({sw.ElapsedMilliseconds} ms)");
                    }
                    if (instance is ISmokeRun runnable)
                    {
                        runnable.SmokeRun();
                        Console.WriteLine($"ok   {what}: ran ({sw.ElapsedMilliseconds} ms)");
                    }
                }
                catch (Exception e)
                {
                    failures++;
                    Console.WriteLine($"FAIL {what}: {e.GetType().Name}: {e.Message}");
                    if (Environment.GetEnvironmentVariable("EAGER_SMOKE_TRACE") == "1") Console.WriteLine(e);
                }
            }
        }
        Console.WriteLine(failures == 0 ? "smoke: all workloads ran and agree" : $"smoke: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>One instance per [Params] value (the workloads have at most one parameter each).</summary>
    private static IEnumerable<object> Instances(Type type)
    {
        var prop = Cold.ParamProperty(type);
        if (prop is null) { yield return Activator.CreateInstance(type)!; yield break; }
        foreach (var v in prop.GetCustomAttribute<ParamsAttribute>()!.Values)
        {
            var o = Activator.CreateInstance(type)!;
            prop.SetValue(o, v);
            yield return o;
        }
    }

    private static string Describe(object o)
    {
        var prop = Cold.ParamProperty(o.GetType());
        return prop is null ? o.GetType().Name : $"{o.GetType().Name}({prop.Name}={prop.GetValue(o)})";
    }
}

/// <summary>An Eager-only workload: the smoke mode runs one step of it.</summary>
public interface ISmokeRun
{
    /// <summary>Sets up and runs one operation, throwing if anything is wrong.</summary>
    void SmokeRun();
}
