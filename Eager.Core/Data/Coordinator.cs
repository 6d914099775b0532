using System.Runtime.ExceptionServices;

namespace Eager;

/// <summary>
/// Coordinates the threads of an input pipeline (TensorFlow's tf.train.Coordinator): any thread can ask all
/// of them to stop, threads poll <see cref="ShouldStop"/>, and <see cref="Join"/> waits for them and then
/// re-raises the first exception a worker reported.
/// <code>
/// var coord = new Coordinator();
/// var threads = runner.CreateThreads(coord);
/// try { while (!coord.ShouldStop) Train(queue.DequeueMany(32)); }
/// catch (Exception e) { coord.RequestStop(e); }
/// finally { coord.RequestStop(); coord.Join(threads); }
/// </code>
/// </summary>
public sealed class Coordinator
{
    private readonly object gate = new();
    private readonly List<Thread> registered = [];
    private readonly Type[] cleanStopExceptionTypes;
    private CancellationTokenSource stop = new();
    private ExceptionDispatchInfo? error;
    private bool joined;

    /// <summary>Creates a coordinator. <see cref="OutOfRangeException"/> (input exhausted) counts as a clean stop.</summary>
    public Coordinator() : this(typeof(OutOfRangeException)) { }

    /// <summary>Creates a coordinator whose listed exception types stop the threads without being re-raised.</summary>
    public Coordinator(params Type[] cleanStopExceptionTypes) => this.cleanStopExceptionTypes = (Type[])cleanStopExceptionTypes.Clone();

    /// <summary>True once a stop was requested.</summary>
    public bool ShouldStop => stop.IsCancellationRequested;

    /// <summary>Cancelled when a stop is requested; pass it to blocking queue calls and async loops.</summary>
    public CancellationToken StopToken { get { lock (gate) return stop.Token; } }

    /// <summary>The exception that will be re-raised by <see cref="Join"/>, if any.</summary>
    public Exception? Error { get { lock (gate) return error?.SourceException; } }

    /// <summary>
    /// Asks every thread to stop. With an exception (a worker failed), the first one reported is kept and
    /// re-raised by <see cref="Join"/>, unless it is a clean-stop type such as <see cref="OutOfRangeException"/>.
    /// </summary>
    public void RequestStop(Exception? exception = null)
    {
        CancellationTokenSource toCancel;
        lock (gate)
        {
            if (exception is not null && error is null && !IsCleanStop(exception))
            {
                if (joined) throw new InvalidOperationException("Coordinator: an exception was reported after Join; call ClearStop before reusing the coordinator.", exception);
                error = ExceptionDispatchInfo.Capture(exception);
            }
            toCancel = stop;
        }
        toCancel.Cancel();
    }

    /// <summary>Resets the coordinator after a stop so it can run new threads.</summary>
    public void ClearStop()
    {
        lock (gate)
        {
            if (stop.IsCancellationRequested) { stop.Dispose(); stop = new CancellationTokenSource(); }
            error = null;
            joined = false;
            registered.Clear();
        }
    }

    /// <summary>Blocks until a stop is requested or the timeout passes; true if a stop was requested.</summary>
    public bool WaitForStop(TimeSpan? timeout = null) => StopToken.WaitHandle.WaitOne(timeout ?? Timeout.InfiniteTimeSpan);

    /// <summary>Adds a thread that <see cref="Join"/> waits for even when not passed to it.</summary>
    public void RegisterThread(Thread thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        lock (gate) registered.Add(thread);
    }

    /// <summary>
    /// Runs <paramref name="body"/> and turns any exception it throws into <see cref="RequestStop"/>; the body
    /// of a worker thread (TensorFlow's coord.stop_on_exception()).
    /// </summary>
    public void StopOnException(Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try { body(); }
        catch (Exception e) { RequestStop(e); }
    }

    /// <summary>
    /// Waits until all threads (passed and registered) end or a stop is requested; after a stop waits up to
    /// <paramref name="stopGracePeriod"/> (default 2 minutes) for them to end. Then re-raises the first exception
    /// a worker reported, with its original stack trace.
    /// </summary>
    /// <exception cref="InvalidOperationException">Threads were still running after the grace period (unless <paramref name="ignoreLiveThreads"/>).</exception>
    public void Join(IEnumerable<Thread>? threads = null, TimeSpan? stopGracePeriod = null, bool ignoreLiveThreads = false)
    {
        List<Thread> all;
        lock (gate) all = registered.Concat(threads ?? []).Distinct().ToList();
        while (all.Any(t => t.IsAlive) && !WaitForStop(TimeSpan.FromMilliseconds(100))) { }
        var graceEnd = Environment.TickCount64 + (long)(stopGracePeriod ?? TimeSpan.FromMinutes(2)).TotalMilliseconds;
        foreach (var t in all)
        {
            long left = graceEnd - Environment.TickCount64;
            if (left > 0) t.Join(TimeSpan.FromMilliseconds(left));
        }
        ExceptionDispatchInfo? toRaise;
        lock (gate) { joined = true; toRaise = error; }
        toRaise?.Throw();
        var stragglers = all.Where(t => t.IsAlive).Select(t => t.Name ?? $"#{t.ManagedThreadId}").ToArray();
        if (stragglers.Length > 0 && !ignoreLiveThreads)
            throw new InvalidOperationException($"Coordinator.Join: threads [{string.Join(", ", stragglers)}] did not stop within the grace period " +
                "after a stop was requested. Make them poll ShouldStop or block with StopToken.");
    }

    private bool IsCleanStop(Exception e) => cleanStopExceptionTypes.Any(t => t.IsInstanceOfType(e));
}
