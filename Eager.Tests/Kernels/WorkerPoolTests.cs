using Eager.Kernels;

namespace Eager.Tests.Kernels;

/// <summary>The threads behind Workers.For: every item exactly once, failures as themselves, no deadlock when kernels
/// nest or when several threads split work at once.</summary>
[NonParallelizable]
public class WorkerPoolTests
{
    private const long Heavy = Workers.MinWorkPerChunk; // per item: any two items are worth two chunks

    [TearDown]
    public void Restore() => Workers.Count = Environment.ProcessorCount;

    [Test]
    public void EveryItemRunsOnceAndRangesAreAligned([Values(1, 2, 3, 5)] int workers, [Values(1, 7, 64, 1000)] int items)
    {
        Workers.Count = workers;
        var hits = new int[items];
        int calls = 0;
        Workers.For(items, Heavy, (s, e) =>
        {
            Interlocked.Increment(ref calls);
            if (s % 8 != 0) Assert.Fail($"range [{s}, {e}) does not start on a multiple of 8");
            for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]);
        }, align: 8);
        Assert.That(hits, Is.All.EqualTo(1));
        Assert.That(calls, Is.LessThanOrEqualTo(Math.Max(1, workers)));
    }

    [Test]
    public void SmallWorkStaysOnTheCallingThread()
    {
        Workers.Count = 4;
        int caller = Environment.CurrentManagedThreadId, other = 0;
        Workers.For(1000, 1, (s, e) => { if (Environment.CurrentManagedThreadId != caller) other++; });
        Assert.That(other, Is.Zero);
    }

    [Test]
    public void AFailingChunkThrowsItsOwnException([Values(2, 4)] int workers)
    {
        Workers.Count = workers;
        var e = Assert.Throws<DivideByZeroException>(() => Workers.For(8, Heavy, (s, e) =>
        {
            if (s > 0) throw new DivideByZeroException("chunk failed");
        }))!;
        Assert.That(e.Message, Is.EqualTo("chunk failed"));
        // The pool is usable again afterwards.
        var hits = new int[8];
        Workers.For(8, Heavy, (s, e) => { for (int i = s; i < e; i++) hits[i]++; });
        Assert.That(hits, Is.All.EqualTo(1));
    }

    [Test]
    public void NestedSplitsFinish()
    {
        Workers.Count = 3;
        var hits = new int[6 * 6];
        Workers.For(6, Heavy * 10, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                int row = i;
                Workers.For(6, Heavy, (s2, e2) => { for (int j = s2; j < e2; j++) Interlocked.Increment(ref hits[row * 6 + j]); });
            }
        });
        Assert.That(hits, Is.All.EqualTo(1));
    }

    [Test]
    public void ConcurrentCallersEachGetTheirOwnItems()
    {
        Workers.Count = 2;
        const int Threads = 4, Rounds = 200, Items = 33;
        var totals = new long[Threads];
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                long sum = 0;
                Workers.For(Items, Heavy, (s, e) => { long part = 0; for (int i = s; i < e; i++) part += i + 1; Interlocked.Add(ref sum, part); });
                totals[t] += sum;
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) Assert.That(th.Join(TimeSpan.FromSeconds(60)), Is.True, "a caller did not finish");
        Assert.That(totals, Is.All.EqualTo((long)Rounds * Items * (Items + 1) / 2));
    }

    [Test]
    public void MoreWorkersThanCoresStillSplit()
    {
        Workers.Count = Environment.ProcessorCount + 3;
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        int items = Workers.Count;
        Workers.For(items, Heavy, (s, e) => { seen[s] = e; Thread.Sleep(5); });
        Assert.That(seen.Count, Is.EqualTo(items), "one range per item");
    }
}
