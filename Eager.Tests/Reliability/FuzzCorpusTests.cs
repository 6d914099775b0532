using Eager.Fuzz;

namespace Eager.Tests.Reliability;

/// <summary>
/// Replays every committed fuzz input (fuzz/corpus: inputs that reached new code under afl-fuzz; fuzz/regressions:
/// inputs that once crashed a loader) through the loaders without instrumentation. Each must load or throw the
/// exception type its loader documents, within a time bound.
/// </summary>
[Category("Slow")]
public class FuzzCorpusTests
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(30);

    public static IEnumerable<string> Targets => FuzzTargets.Names;

    [TestCaseSource(nameof(Targets))]
    public void EveryCorpusAndRegressionInputLoadsOrThrowsTheDocumentedException(string target)
    {
        var files = new[] { "corpus", "regressions" }
            .Select(d => Path.Combine(Requires.RepoRoot, "fuzz", d, target))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.That(files, Is.Not.Empty, $"fuzz/corpus/{target} holds the seed inputs");
        var scratch = Path.Combine(Path.GetTempPath(), $"eager-fuzz-replay-{target}-{Guid.NewGuid():N}");
        var failures = new List<string>();
        try
        {
            foreach (var file in files)
            {
                var input = File.ReadAllBytes(file);
                var run = Task.Run(() => FuzzTargets.Run(target, input, scratch));
                try
                {
                    if (!run.Wait(PerInput)) { failures.Add($"{file}: still running after {PerInput.TotalSeconds} s"); break; }
                }
                catch (AggregateException e)
                {
                    failures.Add($"{file}: {e.InnerException}");
                }
            }
        }
        finally
        {
            File.Delete(scratch);
        }
        Assert.That(failures, Is.Empty, $"{files.Count} inputs replayed; these crashed or hung the {target} loader");
    }
}
