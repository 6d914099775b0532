using System.Collections.Concurrent;
using System.Diagnostics;
using Eager.Kernels;

namespace Eager.Tests.Reliability;

/// <summary>
/// Queues, sessions, datasets and the worker pool driven from 8 threads at once for a bounded time, with random
/// timeouts, cancellations and closes. Checks that no element is lost or duplicated and that nothing deadlocks:
/// every blocking call here has a timeout, and every thread must end within <see cref="Limit"/>.
/// </summary>
[Category("Slow")]
public class ConcurrencyStressTests
{
    private const int Threads = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="body"/>(i, rng) on 8 threads and fails if any is still running after <see cref="Limit"/>.</summary>
    private static void OnThreads(Action<int, Random> body, int seed)
    {
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            try { body(i, new Random(seed * 31 + i)); }
            catch (Exception e) { errors.Enqueue(e); }
        }) { IsBackground = true, Name = $"stress {i}" }).ToArray();
        foreach (var t in threads) t.Start();
        var deadline = Stopwatch.StartNew();
        foreach (var t in threads)
            Assert.That(t.Join(Limit - deadline.Elapsed < TimeSpan.Zero ? TimeSpan.Zero : Limit - deadline.Elapsed), Is.True, $"{t.Name} is still running after {Limit.TotalSeconds} s: a deadlock");
        Assert.That(errors, Is.Empty, "unexpected exceptions on the stress threads");
    }

    private static CancellationToken RandomToken(Random rng, List<CancellationTokenSource> keep)
    {
        if (rng.Next(3) != 0) return CancellationToken.None;
        var cts = new CancellationTokenSource();
        cts.CancelAfter(rng.Next(0, 4));
        lock (keep) keep.Add(cts);
        return cts.Token;
    }

    [TestCase(false, 1)]
    [TestCase(true, 2)]
    public void QueuesLoseAndDuplicateNothingUnderTimeoutsCancellationAndClose(bool shuffle, int seed)
    {
        var sw = Stopwatch.StartNew();
        int rounds = 0;
        while (sw.Elapsed < Duration || rounds < 3)
        {
            rounds++;
            QueueRound(shuffle, seed * 1000 + rounds);
        }
        TestContext.Out.WriteLine($"{rounds} rounds");
    }

    private static void QueueRound(bool shuffle, int seed)
    {
        QueueBase q = shuffle ? new RandomShuffleQueue(6, 2, [DType.Int64], seed) : new FIFOQueue(5, DType.Int64);
        var added = new ConcurrentDictionary<long, bool>();     // enqueue returned: must come out exactly once
        var notAdded = new ConcurrentDictionary<long, bool>();  // Enqueue threw: must never come out
        var partial = new ConcurrentDictionary<long, long[]>(); // EnqueueMany threw: a prefix of the batch may come out
        var taken = new ConcurrentQueue<long>();
        var cts = new List<CancellationTokenSource>();
        var closeAt = TimeSpan.FromMilliseconds(new Random(seed).Next(20, 200));
        var rounds = Stopwatch.StartNew();
        OnThreads((i, rng) =>
        {
            if (i == 0)
            {
                while (rounds.Elapsed < closeAt) Thread.Sleep(1);
                q.Close(cancelPendingEnqueues: rng.Next(2) == 0);
                return;
            }
            if (i <= 4)
            {
                for (long n = 0; ; n++)
                {
                    long id = (long)i << 32 | n * 4;
                    try
                    {
                        if (rng.Next(4) == 0)
                        {
                            long[] batch = [id, id + 1, id + 2];
                            try { q.EnqueueMany([Tensor.From(batch)], TimeSpan.FromMilliseconds(rng.Next(1, 10)), RandomToken(rng, cts)); }
                            catch { partial[id] = batch; throw; }
                            foreach (var b in batch) added[b] = true;
                        }
                        else
                        {
                            try { q.Enqueue([Tensor.Scalar(id)], TimeSpan.FromMilliseconds(rng.Next(1, 10)), RandomToken(rng, cts)); }
                            catch { notAdded[id] = true; throw; }
                            added[id] = true;
                        }
                    }
                    catch (QueueClosedException) { return; }
                    catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
                }
            }
            while (true)
            {
                try
                {
                    var token = RandomToken(rng, cts);
                    var timeout = TimeSpan.FromMilliseconds(rng.Next(1, 10));
                    long[] got = rng.Next(3) switch
                    {
                        0 => q.DequeueMany(2, timeout, token)[0].ToArray<long>(),
                        1 => q.DequeueUpTo(3, timeout, token)[0].ToArray<long>(),
                        _ => [q.Dequeue(timeout, token)[0].Item<long>()],
                    };
                    foreach (var v in got) taken.Enqueue(v);
                }
                catch (OutOfRangeException) when (q.IsClosed)
                {
                    // DequeueMany on a closed queue with fewer elements left: drain singly, then stop.
                    try { while (true) taken.Enqueue(q.Dequeue(TimeSpan.FromSeconds(10))[0].Item<long>()); }
                    catch (OutOfRangeException) { return; }
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
            }
        }, seed);
        foreach (var c in cts) c.Dispose();

        var counts = taken.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.That(counts, Is.Empty, "elements dequeued twice");
        var seen = taken.ToHashSet();
        Assert.That(added.Keys.Where(k => !seen.Contains(k)), Is.Empty, "elements whose enqueue returned but that never came out");
        Assert.That(notAdded.Keys.Where(seen.Contains), Is.Empty, "elements whose Enqueue threw but that came out");
        foreach (var (first, batch) in partial)
        {
            var inQueue = batch.Select(seen.Contains).ToArray();
            Assert.That(inQueue.SkipWhile(x => x).Any(x => x), Is.False, $"EnqueueMany [{string.Join(", ", batch)}] threw; only a prefix may have gone in");
        }
        var known = added.Keys.Concat(partial.Values.SelectMany(b => b)).ToHashSet();
        Assert.That(seen.Where(v => !known.Contains(v)), Is.Empty, "elements that nobody enqueued");
        Assert.That(q.Size, Is.Zero);
    }

    [Test]
    public void SessionRunsOfQueueOpsFromEightThreadsLoseNothingAndCloseCleanly()
    {
        var g = new Graph();
        Tensor id, dequeued, computed;
        Operation enqueue;
        FIFOQueue q;
        Variable w;
        using (g.AsDefault())
        {
            q = new FIFOQueue(4, DType.Int64);
            id = Ops.Placeholder(DType.Int64, new Shape(), "id");
            enqueue = q.EnqueueOp(id);
            dequeued = q.DequeueOp(TimeSpan.FromMilliseconds(5))[0];
            w = new Variable(Tensor.Ones(new Shape(16, 16)), name: "w");
            computed = Ops.ReduceSum(Ops.MatMul(w.Read(), w.Read()));
        }
        var session = new Session(g);
        session.Run(w.Initializer!);
        var added = new ConcurrentDictionary<long, bool>();
        var taken = new ConcurrentQueue<long>();
        var sw = Stopwatch.StartNew();
        var closeQueueAt = Duration;
        var closeSessionAt = Duration + TimeSpan.FromMilliseconds(200);
        int disposedSeen = 0;
        OnThreads((i, rng) =>
        {
            if (i == 0)
            {
                while (sw.Elapsed < closeQueueAt) Thread.Sleep(1);
                q.Close();
                while (sw.Elapsed < closeSessionAt) Thread.Sleep(1);
                session.Close();
                return;
            }
            bool producer = i <= 4, done = false;
            for (long n = 0; ; n++)
            {
                try
                {
                    if (i == 7 || done)
                    {
                        // Plain runs until the session closes under them: each completes or sees ObjectDisposedException.
                        Assert.That(session.Run(computed).Item<float>(), Is.EqualTo(16f * 16 * 16));
                    }
                    else if (producer)
                    {
                        long v = (long)i << 32 | n;
                        // Enqueue blocks while the queue is full: consumers keep draining until the queue closes.
                        session.Run(enqueue, new FeedDict { { id, Tensor.Scalar(v) } });
                        added[v] = true;
                    }
                    else
                    {
                        taken.Enqueue(session.Run(dequeued).Item<long>());
                    }
                }
                catch (TimeoutException) { }
                catch (QueueClosedException) { done = true; }
                catch (OutOfRangeException) { done = true; } // closed and drained
                catch (ObjectDisposedException) { Interlocked.Increment(ref disposedSeen); return; }
            }
        }, seed: 3);
        Assert.That(taken.Count, Is.EqualTo(taken.Distinct().Count()), "elements dequeued twice");
        var seen = taken.ToHashSet();
        Assert.That(added.Keys.Where(k => !seen.Contains(k)), Is.Empty, "enqueued elements never dequeued");
        Assert.That(seen.Where(v => !added.ContainsKey(v)), Is.Empty, "elements dequeued that no enqueue reported");
        Assert.That(() => session.Run(dequeued), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(disposedSeen, Is.EqualTo(Threads - 1), "every running thread met the closed session");
        TestContext.Out.WriteLine($"{added.Count} elements through the session; {disposedSeen} runs met the closed session");
    }

    [Test]
    public void DatasetPipelinesEnumeratedFromEightThreadsKeepOrderAndStopCleanly()
    {
        const int n = 200;
        var ds = Dataset.Range(n).Map(x => x * 2L, degreeOfParallelism: 3).Prefetch(2);
        var sw = Stopwatch.StartNew();
        int full = 0, stopped = 0, cancelled = 0;
        OnThreads((i, rng) =>
        {
            while (sw.Elapsed < Duration)
            {
                int stopAt = rng.Next(2) == 0 ? n : rng.Next(n);
                var expected = Enumerable.Range(0, stopAt).Select(v => 2L * v).ToList();
                if (i % 2 == 0)
                {
                    var got = new List<long>();
                    foreach (var e in ds)
                    {
                        if (got.Count == stopAt) break;
                        got.Add(e[0].Item<long>());
                    }
                    Assert.That(got, Is.EqualTo(expected));
                    Interlocked.Increment(ref stopAt == n ? ref full : ref stopped);
                }
                else
                {
                    using var cts = new CancellationTokenSource();
                    if (rng.Next(2) == 0) cts.CancelAfter(rng.Next(0, 5));
                    var got = new List<long>();
                    var run = Task.Run(async () =>
                    {
                        await foreach (var e in ds.AsAsyncEnumerable().WithCancellation(cts.Token)) got.Add(e[0].Item<long>());
                    });
                    try
                    {
                        Assert.That(run.Wait(Limit), Is.True, "an async pass hangs");
                        Assert.That(got, Is.EqualTo(Enumerable.Range(0, n).Select(v => 2L * v)));
                        Interlocked.Increment(ref full);
                    }
                    catch (AggregateException e) when (e.InnerException is OperationCanceledException)
                    {
                        Assert.That(got, Is.EqualTo(Enumerable.Range(0, got.Count).Select(v => 2L * v)), "a cancelled pass delivered a prefix");
                        Interlocked.Increment(ref cancelled);
                    }
                }
            }
        }, seed: 4);
        TestContext.Out.WriteLine($"{full} full passes, {stopped} stopped early, {cancelled} cancelled");
        Assert.That(full, Is.GreaterThan(0));
    }

    [Test]
    public void WorkerPoolJobsFromEightThreadsRunEachChunkOnceAndReportFailures()
    {
        var sw = Stopwatch.StartNew();
        long jobs = 0, failures = 0;
        OnThreads((i, rng) =>
        {
            while (sw.Elapsed < Duration)
            {
                int chunks = rng.Next(1, 12);
                int failAt = rng.Next(5) == 0 ? rng.Next(chunks) : -1;
                bool nested = rng.Next(3) == 0;
                var ran = new int[chunks];
                try
                {
                    WorkerPool.Run(chunks, c =>
                    {
                        Interlocked.Increment(ref ran[c]);
                        if (nested)
                        {
                            var inner = new int[3];
                            WorkerPool.Run(3, k => Interlocked.Increment(ref inner[k]));
                            if (inner.Any(x => x != 1)) throw new InvalidOperationException("a nested job ran a chunk twice or not at all");
                        }
                        if (c == failAt) throw new ArithmeticException($"chunk {c} fails");
                        Thread.SpinWait(20 * (c + 1));
                    });
                    Assert.That(failAt, Is.EqualTo(-1), "a failing chunk's exception reaches the caller");
                    Assert.That(ran, Is.All.EqualTo(1), "each chunk runs exactly once");
                }
                catch (ArithmeticException e)
                {
                    Assert.That(e.Message, Is.EqualTo($"chunk {failAt} fails"));
                    Assert.That(ran, Is.All.LessThanOrEqualTo(1), "no chunk runs twice, even after a failure");
                    Interlocked.Increment(ref failures);
                }
                Interlocked.Increment(ref jobs);
            }
        }, seed: 5);
        TestContext.Out.WriteLine($"{jobs} jobs, {failures} failed as intended");
    }
}
