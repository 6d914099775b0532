using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Eager.Benchmarks;

/// <summary>
/// Cold start: how the first calls of a workload compare with its steady state, as a script or a notebook cell
/// that runs a few dozen steps sees it. Each (workload, parameter, method) runs in a fresh process
/// (<c>--cold-one</c>): set up, time the first <see cref="FirstCalls"/> calls, then warm up for
/// <see cref="WarmUp"/> and time <see cref="FirstCalls"/> more; the process prints both medians.
/// </summary>
internal static class Cold
{
    public const int FirstCalls = 10;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Median of the first calls and of the steady-state calls, in nanoseconds.</summary>
    public readonly record struct Result(double FirstNs, double SteadyNs)
    {
        public double Ratio => FirstNs / SteadyNs;
    }

    /// <summary>Runs every benchmark method of <paramref name="types"/> in a fresh process each; the key is
    /// "Class/Method/Param" (Param empty when the class has none).</summary>
    public static Dictionary<string, Result> MeasureAll(Type[] types, Action<string>? log = null)
    {
        var results = new Dictionary<string, Result>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            var prop = ParamProperty(type);
            var values = prop?.GetCustomAttribute<ParamsAttribute>()!.Values ?? [null];
            foreach (var method in BenchmarkMethods(type))
            {
                foreach (var v in values)
                {
                    string param = v?.ToString() ?? "";
                    string key = $"{type.Name}/{method.Name}/{param}";
                    var r = InFreshProcess(type.Name, method.Name, param);
                    if (r is { } ok) results[key] = ok;
                    log?.Invoke(r is { } x ? $"cold {key}: first {FirstCalls} {x.FirstNs / 1e6:F3} ms, steady {x.SteadyNs / 1e6:F3} ms ({x.Ratio:F2}x)" : $"cold {key}: failed");
                }
            }
        }
        return results;
    }

    /// <summary>The body of <c>--cold-one Class Method Param</c>: prints "firstNs steadyNs".</summary>
    public static int RunOne(Type[] types, string typeName, string methodName, string param)
    {
        var type = types.First(t => t.Name == typeName);
        var instance = Activator.CreateInstance(type)!;
        if (ParamProperty(type) is { } prop && param.Length > 0)
            prop.SetValue(instance, Convert.ChangeType(param, prop.PropertyType, Inv));
        Invoke(type, instance, typeof(GlobalSetupAttribute));
        var method = type.GetMethod(methodName)!;
        // A delegate, not MethodInfo.Invoke: the reflection invoker's own first-call cost is not the workload's.
        Action call = method.ReturnType == typeof(void)
            ? method.CreateDelegate<Action>(instance)
            : Wrap(method.CreateDelegate<Func<object>>(instance));
        var first = Times(call, FirstCalls);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < WarmUp) call();
        var steady = Times(call, FirstCalls);
        Invoke(type, instance, typeof(GlobalCleanupAttribute));
        Console.WriteLine(string.Create(Inv, $"{Median(first)} {Median(steady)}"));
        return 0;
    }

    private static Action Wrap(Func<object> f) => () => GC.KeepAlive(f());

    private static double[] Times(Action call, int n)
    {
        var t = new double[n];
        for (int i = 0; i < n; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            t[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        }
        return t;
    }

    private static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static Result? InFreshProcess(string type, string method, string param)
    {
        try
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            foreach (var a in new[] { "--cold-one", type, method, param }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return null;
            var parts = output.Trim().Split('\n')[^1].Split(' ');
            return new Result(double.Parse(parts[0], Inv), double.Parse(parts[1], Inv));
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    /// <summary>The workload's [Params] property (the workloads have at most one).</summary>
    internal static PropertyInfo? ParamProperty(Type type) =>
        type.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<ParamsAttribute>() != null);

    private static IEnumerable<MethodInfo> BenchmarkMethods(Type type) =>
        type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() != null).OrderBy(m => m.Name, StringComparer.Ordinal);

    private static void Invoke(Type type, object instance, Type attribute)
    {
        foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute(attribute) != null)) m.Invoke(instance, null);
    }
}
