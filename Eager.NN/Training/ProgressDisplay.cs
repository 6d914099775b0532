using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Eager.NN;

/// <summary>What Fit shows per epoch: a live Spectre.Console progress bar with the running loss and metrics, examples
/// per second and time left (verbose 1 on a terminal); one plain line per epoch when the output is redirected or
/// with verbose 2; nothing with verbose 0.</summary>
internal sealed class ProgressDisplay(int verbose, int epochs)
{
    private readonly bool live = verbose == 1 && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs one epoch's <paramref name="body"/>, which reports (steps done, examples done, running logs) after each batch.</summary>
    public Dictionary<string, double> RunEpoch(int epoch, int? steps, Func<Action<int, long, Dictionary<string, double>>, Dictionary<string, double>> body)
    {
        var clock = Stopwatch.StartNew();
        int done = 0;
        long seen = 0;
        if (!live)
        {
            var logs = body((s, n, _) => (done, seen) = (s, n));
            if (verbose > 0) Console.WriteLine(Line(epoch, done, seen, clock.Elapsed, logs));
            return logs;
        }
        Dictionary<string, double>? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new ProgressBarColumn { Width = 24 }, new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(Header(epoch, 0, steps)), maxValue: Math.Max(1, steps ?? 1));
                task.IsIndeterminate = steps is null;
                result = body((s, n, logs) =>
                {
                    (done, seen) = (s, n);
                    if (steps is not null) task.Value = Math.Min(s, task.MaxValue);
                    task.Description = Markup.Escape(Running(epoch, s, steps, n, clock.Elapsed, logs));
                });
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.Description = Markup.Escape(Line(epoch, done, seen, clock.Elapsed, result));
                task.StopTask();
            });
        return result!;
    }

    private string Header(int epoch, int step, int? steps) =>
        string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}/{epochs}  {step}/{(steps is { } t ? t.ToString(CultureInfo.InvariantCulture) : "?")}");

    private string Running(int epoch, int step, int? steps, long seen, TimeSpan elapsed, Dictionary<string, double> logs)
    {
        var sb = new StringBuilder(Header(epoch, step, steps));
        AppendLogs(sb, logs);
        double rate = seen / Math.Max(elapsed.TotalSeconds, 1e-9);
        sb.Append(CultureInfo.InvariantCulture, $"  {rate:F0} examples/s");
        if (steps is { } total && step > 0)
            sb.Append("  ETA ").Append(Clock(elapsed * ((double)(total - step) / step)));
        return sb.ToString();
    }

    private string Line(int epoch, int steps, long seen, TimeSpan elapsed, Dictionary<string, double> logs)
    {
        var sb = new StringBuilder(Header(epoch, steps, steps));
        sb.Append(CultureInfo.InvariantCulture, $"  {elapsed.TotalSeconds:F1}s");
        AppendLogs(sb, logs);
        sb.Append(CultureInfo.InvariantCulture, $"  {seen / Math.Max(elapsed.TotalSeconds, 1e-9):F0} examples/s");
        return sb.ToString();
    }

    /// <summary>"evaluate  12 steps  0.3s  loss 0.1234  accuracy 0.9700".</summary>
    public static string Summary(string what, int steps, TimeSpan elapsed, Dictionary<string, double> logs)
    {
        var sb = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{what}  {steps} steps  {elapsed.TotalSeconds:F1}s"));
        AppendLogs(sb, logs);
        return sb.ToString();
    }

    private static void AppendLogs(StringBuilder sb, Dictionary<string, double> logs)
    {
        foreach (var (k, v) in logs) sb.Append(CultureInfo.InvariantCulture, $"  {k} {v:0.0000}");
    }

    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
