using System.Diagnostics;
using Eager.NN;

namespace Eager.Tests.Reliability;

/// <summary>
/// Crash consistency of the file writers: a child process (Reliability/SaveLoop) saves a checkpoint and a graph
/// file in a loop and is killed with SIGKILL at a random moment, 100 times over the same folder. After every kill
/// the files under their final names must load completely and hold the last save that returned or the one after
/// it (which may have been renamed into place just before the kill); only temporary files may be partial.
/// </summary>
[Category("Slow")]
public class KillDuringSaveTests
{
    private const int Kills = 100;
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public void FilesUnderTheFinalNamesAreAlwaysCompleteAfterASigkill()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("SIGKILL is a Unix signal; Process.Kill on Windows is TerminateProcess, covered by the same writer code.");
        var dir = Directory.CreateTempSubdirectory("eager-kill-").FullName;
        var rng = new Random(1234);
        long ckpt = 0, graph = 0, next = 1; // the steps on disk after the previous kill, and where the next child starts
        int midWrite = 0, tempLeft = 0;
        try
        {
            for (int round = 0; round < Kills; round++)
            {
                long? ckptSaved = null, graphSaved = null; // the last save this child reported done
                foreach (var line in RunAndKill(dir, next, rng.Next(0, 120)))
                {
                    var parts = line.Split(' ');
                    if (parts.Length != 2 || !long.TryParse(parts[1], out long s)) continue;
                    if (parts[0] == "ckpt") ckptSaved = s;
                    if (parts[0] == "graph") graphSaved = s;
                }

                var temps = Directory.GetFiles(dir).Where(f => Path.GetFileName(f).EndsWith(".tmp", StringComparison.Ordinal)).ToList();
                var others = Directory.GetFiles(dir).Except(temps).Select(Path.GetFileName).Order().ToList();
                Assert.That(others, Is.SubsetOf(new[] { "model.ckpt", "scale.eagergraph" }), $"round {round}: only the final names and temporary files");
                if (temps.Count > 0) midWrite++;
                tempLeft += temps.Count;

                ckpt = CheckpointStep(Path.Combine(dir, "model.ckpt"), round, ckpt, next, ckptSaved);
                graph = GraphStep(Path.Combine(dir, "scale.eagergraph"), round, graph, next, graphSaved);
                next = Math.Max(ckpt, graph) + 1;
                foreach (var t in temps) File.Delete(t);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        TestContext.Out.WriteLine($"{Kills} kills; {ckpt} checkpoints and {graph} graph files saved in all; {midWrite} kills left a temporary file ({tempLeft} files).");
        Assert.That(ckpt, Is.GreaterThan(0), "the child saved at least once");
    }

    /// <summary>
    /// The step a file holds after a kill. The child saved steps first, first + 1, ...: the file holds the last step it
    /// reported saved or the next one (renamed into place just before the kill), or, when it reported none, the
    /// step from before this child or its first one.
    /// </summary>
    private static void CheckStep(string what, long step, int round, long before, long first, long? saved)
    {
        var allowed = saved is { } s ? new[] { s, s + 1 } : new[] { before, first };
        Assert.That(allowed, Does.Contain(step), $"round {round}: the {what} holds step {step}; the child started at {first} and reported {saved?.ToString() ?? "no save"}");
    }

    private static long CheckpointStep(string path, int round, long before, long first, long? saved)
    {
        if (!File.Exists(path))
        {
            Assert.That(before == 0 && saved is null, Is.True, $"round {round}: the checkpoint is missing after a save");
            return 0;
        }
        var tensors = TensorFile.Read(path).ToDictionary(kv => kv.Key, kv => kv.Value);
        long step = tensors["step"].ToArray<long>()[0];
        var w = tensors["w"].ToArray<float>();
        Assert.That(w.All(v => v == step), Is.True, $"round {round}: the checkpoint of step {step} mixes values of other steps");
        CheckStep("checkpoint", step, round, before, first, saved);
        return step;
    }

    private static long GraphStep(string path, int round, long before, long first, long? saved)
    {
        if (!File.Exists(path))
        {
            Assert.That(before == 0 && saved is null, Is.True, $"round {round}: the graph file is missing after a save");
            return 0;
        }
        var f = ConcreteFunction.Load(path);
        var w = f.Variables.Single().Value.ToArray<float>();
        long step = (long)w[0];
        Assert.That(w.All(v => v == step), Is.True, $"round {round}: the graph file of step {step} mixes values of other steps");
        CheckStep("graph file", step, round, before, first, saved);
        return step;
    }

    /// <summary>Starts SaveLoop, waits for its first save plus <paramref name="delayMs"/>, kills it with SIGKILL and returns what it printed.</summary>
    private static List<string> RunAndKill(string dir, long firstStep, int delayMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SaveLoopDll(), dir, firstStep.ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var lines = new List<string>();
        var firstLine = new TaskCompletionSource();
        var reader = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null)
            {
                lock (lines) lines.Add(line);
                firstLine.TrySetResult();
            }
            firstLine.TrySetResult();
        });
        var stderr = p.StandardError.ReadToEndAsync();
        if (!firstLine.Task.Wait(ChildTimeout))
        {
            p.Kill();
            Assert.Fail($"SaveLoop printed nothing in {ChildTimeout.TotalSeconds} s");
        }
        Thread.Sleep(delayMs);
        bool exitedEarly = p.HasExited;
        p.Kill(); // SIGKILL on Unix: no finally blocks, no flushing, like a power cut for the process
        Assert.That(p.WaitForExit(ChildTimeout), Is.True, "the killed child exits");
        Assert.That(reader.Wait(ChildTimeout), Is.True, "its output ends");
        Assert.That(exitedEarly, Is.False, $"SaveLoop stopped on its own before the kill:\n{stderr.Result}");
        lock (lines) return [.. lines];
    }

    private static string SaveLoopDll()
    {
        // Built with the tests (a project reference), into its own bin folder of the same configuration.
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(Requires.RepoRoot, "Eager.Tests", "Reliability", "SaveLoop", "bin", config, "net10.0", "SaveLoop.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} is missing: build Eager.Tests (it builds SaveLoop) or Eager.sln.");
        return dll;
    }
}
