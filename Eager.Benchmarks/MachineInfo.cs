using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Eager.Benchmarks;

/// <summary>What the report says about the machine, read from the machine (never written by hand): the CPU,
/// its caches and ISA flags, the vector width the kernels run at, and how busy the machine was.</summary>
internal static class MachineInfo
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"AMD EPYC (family 25, model 17), 2 cores; L1d 32 KiB, L2 1024 KiB, L3 32768 KiB per ...".</summary>
    public static string Cpu()
    {
        var info = CpuInfo();
        string name = info.GetValueOrDefault("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string family = info.TryGetValue("cpu family", out var f) && info.TryGetValue("model", out var m) ? $" (family {f}, model {m})" : "";
        return $"{name}{family}, {Environment.ProcessorCount} cores{Caches()}";
    }

    /// <summary>The instruction set the kernels run at, and the CPU flags that bear on it.</summary>
    public static string Isa()
    {
        var flags = new HashSet<string>((CpuInfo().GetValueOrDefault("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        bool cpu512 = flags.Contains("avx512f");
        string used = Vector512.IsHardwareAccelerated
            ? "AVX-512: the 512-bit GEMM and convolution kernels (12x32 float tiles)"
            : Vector256.IsHardwareAccelerated
                ? "AVX2: the 256-bit GEMM and convolution kernels (6x16 float tiles)"
                : "no 256-bit SIMD: scalar kernels";
        string why = !Vector512.IsHardwareAccelerated && cpu512 ? " (the CPU has AVX-512, disabled for this run, e.g. DOTNET_EnableAVX512=0)" : "";
        string[] wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni"];
        string present = string.Join(", ", wanted.Where(flags.Contains));
        // .NET 10 reaches vpdpbusd only through AvxVnni (the VEX form); a CPU with AVX-512 VNNI alone cannot use it.
        string vnni = System.Runtime.Intrinsics.X86.AvxVnni.IsSupported
            ? "AVX-VNNI used by the int8 kernels (vpdpbusd)"
            : flags.Contains("avx512_vnni")
                ? "AVX-512 VNNI present but not reachable from .NET (AvxVnni.IsSupported is false), so the int8 kernels use vpmaddubsw/vpmaddwd"
                : "no VNNI: the int8 kernels use vpmaddubsw/vpmaddwd";
        return $"{used}{why}. CPU flags: {(present.Length > 0 ? present : "none of AVX2/FMA/AVX-512")}; {vnni}";
    }

    /// <summary>The 1-minute load average and the process count on the machine now (Linux; "" elsewhere).</summary>
    public static string Load()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            double perCore = double.Parse(parts[1], Inv) / Environment.ProcessorCount;
            string verdict = perCore < 0.75 ? "quiet" : perCore < 2 ? "shared with other processes" : $"busy: about {perCore:F0} runnable processes per core, so absolute times are slower and noisier than a quiet machine's; compare ratios measured in the same process";
            return string.Create(Inv, $"load average {parts[0]} (1 min), {parts[1]} (5 min) on {Environment.ProcessorCount} cores, {verdict}");
        }
        catch (IOException) { return "load average not available"; }
        catch (UnauthorizedAccessException) { return "load average not available"; }
    }

    private static string Caches()
    {
        const string dir = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(dir)) return "";
        var parts = new List<string>();
        foreach (var index in Directory.GetDirectories(dir, "index*").Order(StringComparer.Ordinal))
        {
            try
            {
                string level = File.ReadAllText(Path.Combine(index, "level")).Trim();
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                if (type == "Instruction") continue;
                parts.Add($"L{level}{(type == "Data" ? "d" : "")} {size.Replace("K", " KiB", StringComparison.Ordinal)}");
            }
            catch (IOException) { }
        }
        return parts.Count == 0 ? "" : $"; per core: {string.Join(", ", parts)} (L3 shared)";
    }

    private static Dictionary<string, string> CpuInfo()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.Length == 0) break; // the first processor is enough
                var kv = line.Split(':', 2);
                if (kv.Length == 2) d.TryAdd(kv[0].Trim(), kv[1].Trim());
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return d;
    }
}
