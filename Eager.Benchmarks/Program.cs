using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Eager.Benchmarks;

// Eager.Benchmarks: Eager side by side with ONNX Runtime (same process, same run) and, for training
// workloads, with PyTorch results read from benchmarks/pytorch_bench.py's JSON.
//   --smoke               run each workload once on both engines and check they agree (CI; no timing)
//   --quick               BenchmarkDotNet's ShortRun job (3 warmups, 3 iterations) instead of the full job,
//                         except MatMul and Conv (the judged ratios), which keep the full job's 10 iterations
//   --filter <a,b,...>    only benchmark classes whose name contains one of the comma-separated parts ("=Name": exactly)
//   --table-only          write only the machine lines and the table (a section of BENCHMARKS.md, e.g. the AVX2 run)
//   --report <file>       where to write the markdown table (default BENCHMARKS.md)
//   --pytorch <file>      PyTorch results to put beside ours (default benchmarks/pytorch_results.json)
//   --rss-only            run 3 style-transfer iterations and print the peak working set in MiB (--traced: the traced iteration)
//   --cold-only           only the cold-start measurement (each workload in a fresh process), printed, no report
//   --no-cold             skip the cold-start column (it costs a fresh process and about 3 s per row)
//   --probe <class> <param> [rounds]   alternate the class's methods (and Eager on one thread), print medians
//   --cold-one <class> <method> <param>   (internal) one cold-start measurement in this process
var opts = Options.Parse(args);
var types = typeof(Program).Assembly.GetTypes()
    .Where(t => t.IsPublic && !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() != null))
    .Where(t => opts.Filter is null || opts.Filter.Split(',').Any(f => f.StartsWith('=')
        ? t.Name.Equals(f[1..], StringComparison.OrdinalIgnoreCase)
        : t.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
    .OrderBy(t => t.Name, StringComparer.Ordinal)
    .ToArray();

if (opts.Smoke) return Smoke.Run(types);
if (opts.Probe is { } probe) return Probe.Run(types, probe[0], probe[1], probe[2].Length > 0 ? int.Parse(probe[2], System.Globalization.CultureInfo.InvariantCulture) : 30);
if (opts.ColdOne is { } one) return Cold.RunOne(types, one[0], one[1], one[2]);
if (opts.ColdOnly)
{
    Cold.MeasureAll(types, Console.WriteLine);
    return 0;
}
if (opts.RssOnly)
{
    // Peak memory of a style-transfer run on its own (the report starts this in a fresh process).
    var st = new Eager.Benchmarks.Workloads.StyleTransferBenchmarks();
    st.Setup();
    for (int i = 0; i < 3; i++)
    {
        if (opts.Traced) st.IterationTraced();
        else st.Iteration();
    }
    Console.WriteLine((System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0).ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var fullJob = Job.Default.WithWarmupCount(3).WithIterationCount(10);
var loadBefore = MachineInfo.Load();
var peak = Peak.Measure();
// The targets are judged on MatMul and Conv against ONNX Runtime, where the two engines are within a few
// percent: those classes run the full job's 10 iterations even with --quick, so one noisy iteration of the three
// ShortRun takes cannot decide a ratio.
bool Judged(Type t) => t.Name is nameof(Eager.Benchmarks.Workloads.MatMulBenchmarks) or nameof(Eager.Benchmarks.Workloads.ConvBenchmarks);
// They run first, in a fresh process: run after the other workloads (hundreds of MiB of pooled and cached buffers
// later), Conv 112x64 once measured 6.6 ms in BenchmarkDotNet against 4.4-4.8 ms in a fresh process.
var summaries = opts.Quick
    ? BenchmarkRunner.Run(types.Where(Judged).ToArray(), Config(fullJob))
        .Concat(BenchmarkRunner.Run(types.Where(t => !Judged(t)).ToArray(), Config(Job.ShortRun))).ToArray()
    : BenchmarkRunner.Run(types, Config(fullJob));
// After the steady-state runs, so the fresh processes do not share the cores with BenchmarkDotNet's.
var cold = opts.NoCold ? null : Cold.MeasureAll(types, Console.WriteLine);
Report.Write(opts.ReportPath, summaries, peak, cold, loadBefore, opts.PyTorchPath, string.Join(' ', args), opts.TableOnly);
Console.WriteLine($"Wrote {opts.ReportPath}");
return 0;

static ManualConfig Config(Job job) => ManualConfig.CreateEmpty()
    .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(DefaultColumnProviders.Instance)
    .AddLogger(ConsoleLogger.Default)
    .WithOptions(ConfigOptions.DisableLogFile);

/// <summary>Command-line options.</summary>
internal sealed record Options(bool Smoke, bool Quick, bool RssOnly, bool Traced, bool ColdOnly, bool NoCold, bool TableOnly, string[]? ColdOne, string[]? Probe, string? Filter, string ReportPath, string PyTorchPath)
{
    public static Options Parse(string[] args)
    {
        bool smoke = false, quick = false, rss = false, traced = false, coldOnly = false, noCold = false, tableOnly = false;
        string[]? coldOne = null, probe = null;
        string? filter = null;
        string report = "BENCHMARKS.md", pytorch = "benchmarks/pytorch_results.json";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--smoke": smoke = true; break;
                case "--quick": quick = true; break;
                case "--rss-only": rss = true; break;
                case "--traced": traced = true; break;
                case "--cold-only": coldOnly = true; break;
                case "--no-cold": noCold = true; break;
                case "--table-only": tableOnly = true; break;
                case "--cold-one": coldOne = [Next(args, ref i), Next(args, ref i), i + 1 < args.Length ? args[++i] : ""]; break;
                case "--probe": probe = [Next(args, ref i), i + 1 < args.Length ? args[++i] : "", i + 1 < args.Length ? args[++i] : ""]; break;
                case "--filter": filter = Next(args, ref i); break;
                case "--report": report = Next(args, ref i); break;
                case "--pytorch": pytorch = Next(args, ref i); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --smoke, --quick, --rss-only [--traced], --cold-only, --no-cold, --table-only, --probe <class> <param> [rounds], --filter <text>, --report <file>, --pytorch <file>.");
            }
        }
        return new Options(smoke, quick, rss, traced, coldOnly, noCold, tableOnly, coldOne, probe, filter, report, pytorch);
    }

    private static string Next(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"Option '{args[i - 1]}' needs a value.");
}
