using System.Runtime.ExceptionServices;

namespace Eager.Kernels;

/// <summary>
/// The threads behind <see cref="Workers.For"/>: a few dedicated background threads that take chunks of one job at a
/// time, with the calling thread taking chunks too. <c>Parallel.For</c> did this before and allocated about 1.5 KB of
/// task and range bookkeeping per call; a Session step of a small MLP makes dozens of such calls, and their garbage
/// was most of what a steady-state run allocated. Here a job costs one small object.
/// <para>One job runs at a time. A call that finds the pool busy (another thread's kernel, as with inter-op
/// parallelism) or that comes from inside a chunk runs its chunks itself: the cores are taken already, and no
/// thread ever waits for a helper that is waiting for it. Helpers spin briefly after a job before they block, so
/// the next kernel of a sequence finds them awake (waking a blocked thread costs 5-20 us).</para>
/// </summary>
internal static class WorkerPool
{
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly Lock StartLock = new();
    private static Job? current;
    private static int busy;
    private static int helpers;

    [ThreadStatic] private static bool inChunk;

    /// <summary>How long a helper looks for the next job before it blocks.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000; // 50 us

    /// <summary>Runs <paramref name="body"/>(c) for c in [0, <paramref name="chunks"/>) on this thread and up to
    /// chunks - 1 helpers; returns when all are done, rethrowing the first exception a chunk threw.</summary>
    public static void Run(int chunks, Action<int> body)
    {
        if (chunks <= 1 || inChunk || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            RunInline(chunks, body);
            return;
        }
        var job = new Job(chunks, body);
        try
        {
            EnsureHelpers(chunks - 1);
            Volatile.Write(ref current, job);
            Wake.Release(Math.Min(chunks - 1, Volatile.Read(ref helpers)));
            job.Work();
            job.WaitAll();
        }
        finally
        {
            Volatile.Write(ref current, null);
            Volatile.Write(ref busy, 0);
        }
        if (job.Error is { } e) ExceptionDispatchInfo.Throw(e);
    }

    private static void RunInline(int chunks, Action<int> body)
    {
        bool outer = !inChunk;
        inChunk = true;
        try
        {
            for (int c = 0; c < chunks; c++) body(c);
        }
        finally
        {
            if (outer) inChunk = false;
        }
    }

    private static void EnsureHelpers(int wanted)
    {
        if (Volatile.Read(ref helpers) >= wanted) return;
        lock (StartLock)
        {
            while (helpers < wanted)
            {
                var t = new Thread(HelperLoop) { IsBackground = true, Name = $"Eager worker {helpers + 1}" };
                t.Start();
                helpers++;
            }
        }
    }

    private static void HelperLoop()
    {
        inChunk = true;
        while (true)
        {
            Wake.Wait();
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            while (true)
            {
                if (Volatile.Read(ref current) is { } job && job.Work())
                    until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                // A permit left for this helper means a job was published: take it instead of spinning on.
                if (Wake.CurrentCount > 0 || System.Diagnostics.Stopwatch.GetTimestamp() > until) break;
                Thread.SpinWait(20);
            }
        }
    }

    /// <summary>One call's chunks: each is claimed once, by whichever thread gets to it first.</summary>
    private sealed class Job(int chunks, Action<int> body)
    {
        private int next;
        private int done;

        public Exception? Error;

        /// <summary>Runs unclaimed chunks; false when none was left to claim.</summary>
        public bool Work()
        {
            bool any = false;
            int c;
            while ((c = Interlocked.Increment(ref next) - 1) < chunks)
            {
                any = true;
                try
                {
                    if (Volatile.Read(ref Error) is null) body(c);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, e, null);
                }
                Interlocked.Increment(ref done);
            }
            return any;
        }

        public void WaitAll()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref done) < chunks) spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
