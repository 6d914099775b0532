using Eager.Fuzz;

// Usage: Eager.Fuzz <target>             run under afl-fuzz (fuzz/run.sh)
//        Eager.Fuzz replay <target> FILE...  load each file without a fuzzer and print its outcome
//        Eager.Fuzz seeds <corpus-dir>    write the generated seed files
if (args.Length >= 1 && args[0] == "seeds")
{
    Seeds.Write(args[1]);
    return 0;
}
if (args.Length >= 3 && args[0] == "replay")
{
    var scratchFile = Path.Combine(Path.GetTempPath(), $"eager-fuzz-{Environment.ProcessId}");
    int bad = 0;
    foreach (var f in args.Skip(2))
    {
        try
        {
            var e = FuzzTargets.Run(args[1], File.ReadAllBytes(f), scratchFile);
            Console.WriteLine($"{f}: {(e is null ? "loaded" : e.GetType().Name + ": " + e.Message)}");
        }
        catch (Exception e)
        {
            bad++;
            Console.WriteLine($"{f}: BUG {e}");
        }
    }
    File.Delete(scratchFile);
    return bad == 0 ? 0 : 1;
}
if (args.Length != 1 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Eager.Fuzz <{string.Join("|", FuzzTargets.Names)}> | replay <target> FILE... | seeds DIR");
    return 2;
}
var target = args[0];
// tmpfs where there is one: the harness writes every input to a file because the loaders take paths.
var dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
var scratch = Path.Combine(dir, $"eager-fuzz-{target}-{Environment.ProcessId}");
SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
{
    using var ms = new MemoryStream();
    stream.CopyTo(ms);
    FuzzTargets.Run(target, ms.GetBuffer().AsSpan(0, (int)ms.Length), scratch);
});
return 0;
