using System.Diagnostics;

namespace Eager.Tests.Distributed;

/// <summary>
/// Real MPI: each test starts <c>mpirun -np 2</c> on the worker program (Distributed/Worker), which checks its own
/// results against a serial reference and exits non-zero with the failing rank's message otherwise. Needs Open MPI
/// (scripts/setup.sh installs it).
/// </summary>
[TestFixture, Category("MPI")]
public class MpiJobTests
{
    [Test]
    public void EveryCollectiveMatchesASerialReferenceForAllDtypesAndOddSizes() => Expect(Run("collectives"), "ok collectives on 2 ranks");

    [Test]
    public void TwoRanksOnHalfBatchesMatchOneProcessOnTheFullBatch() => Expect(Run("train"), "ok train on 2 ranks");

    [Test]
    public void TwoRanksMatchOneProcessWithATracedTrainingStep() => Expect(Run("train-traced"), "ok train-traced on 2 ranks");

    [Test]
    public void TwoRanksMatchOneProcessInATensorFlow1GraphAndSession() => Expect(Run("train-session"), "ok train-session on 2 ranks");

    [Test]
    public void ARankThatThrowsEndsTheJobWithItsErrorInsteadOfHanging()
    {
        var (code, output) = Run("throw", timeoutSeconds: 60);
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(output, Does.Contain("rank 1 failed").And.Contain("rank 1 fails on purpose"));
    }

    private static void Expect((int Code, string Output) result, string line)
    {
        Assert.That(result.Code, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain(line));
    }

    /// <summary>Runs the worker on two ranks; a job still running after the timeout is killed and reported as a hang.</summary>
    internal static (int Code, string Output) Run(string mode, int timeoutSeconds = 180)
    {
        var mpirun = FindOnPath("mpirun");
        if (mpirun is null)
            Assert.Fail("mpirun not found: install Open MPI with scripts/setup.sh (Debian packages openmpi-bin and libopenmpi-dev).");
        var psi = new ProcessStartInfo(mpirun!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "2", "dotnet", WorkerDll(), mode }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"mpirun -np 2 MpiWorker {mode} still running after {timeoutSeconds} s (a hang):\n{stdout.Result}\n{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string WorkerDll()
    {
        // The worker is built with the tests (a project reference), into its own bin folder of the same configuration.
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var root = AppContext.BaseDirectory;
        for (var d = new DirectoryInfo(root); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Eager.sln"))) { root = d.FullName; break; }
        var dll = Path.Combine(root, "Eager.Tests", "Distributed", "Worker", "bin", config, "net10.0", "MpiWorker.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} is missing: build Eager.Tests (it builds the worker) or Eager.sln.");
        return dll;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
