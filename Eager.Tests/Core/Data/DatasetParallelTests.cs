namespace Eager.Tests.Core.Data;

/// <summary>Map with parallelism, Prefetch, async enumeration, and exceptions from workers.</summary>
public class DatasetParallelTests
{
    private static long[] Longs(IEnumerable<Tensor[]> ds) => ds.Select(e => e[0].Item<long>()).ToArray();

    [Test]
    public void ParallelMapKeepsOrder()
    {
        // Later elements finish first: element i sleeps longer the smaller i is.
        var ds = Dataset.Range(24).Map(x =>
        {
            Thread.Sleep((int)(24 - x.Item<long>()) % 5);
            return x * 2L;
        }, degreeOfParallelism: 4);
        Assert.That(Longs(ds), Is.EqualTo(Enumerable.Range(0, 24).Select(i => 2L * i)));
        Assert.That(Longs(Dataset.Range(5).Map((Tensor x) => x, Dataset.Autotune)), Has.Length.EqualTo(5));
    }

    [Test]
    public void ParallelMapRunsElementsConcurrentlyUpToTheLimit()
    {
        // Elements 0 and 1 wait for each other: they can only both finish if they run at the same time.
        using var rendezvous = new CountdownEvent(2);
        int active = 0, peak = 0;
        var ds = Dataset.Range(12).Map(x =>
        {
            int now = Interlocked.Increment(ref active);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
            if (x.Item<long>() < 2)
            {
                rendezvous.Signal();
                if (!rendezvous.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("elements 0 and 1 did not run concurrently");
            }
            Interlocked.Decrement(ref active);
            return x;
        }, degreeOfParallelism: 3);
        Assert.That(Longs(ds), Has.Length.EqualTo(12));
        Assert.That(peak, Is.InRange(2, 3), "at most the degree of parallelism, and more than one");
    }

    [Test]
    public void MapOverloadsAndChecks()
    {
        var pairs = Dataset.Zip(Dataset.Range(3), Dataset.Range(3)).Map((a, b) => [a + b]);
        Assert.That(Longs(pairs), Is.EqualTo(new long[] { 0, 2, 4 }));
        var multi = Dataset.Range(3).Map(e => [e[0], e[0] * 10L]);
        Assert.That(multi.Last()[1].Item<long>(), Is.EqualTo(20));
        Assert.Throws<InvalidOperationException>(() => multi.Map((Tensor x) => x).ToList(), "one-tensor map over two components");
        Assert.Throws<InvalidOperationException>(() => Dataset.Range(2).Map((Tensor[] e) => null!).ToList());
        Assert.Throws<ArgumentException>(() => Dataset.Range(2).Map((Tensor x) => x, degreeOfParallelism: 0));
    }

    [Test]
    public void ExceptionInAParallelMapWorkerSurfacesWithItsType()
    {
        var ds = Dataset.Range(20).Map(x => x.Item<long>() == 7 ? throw new InvalidDataException("bad element 7") : x, degreeOfParallelism: 4);
        var seen = new List<long>();
        var ex = Assert.Throws<InvalidDataException>(() => { foreach (var e in ds) seen.Add(e[0].Item<long>()); })!;
        Assert.That(ex.Message, Is.EqualTo("bad element 7"));
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 7).Select(i => (long)i)), "every element before the failure arrives");
    }

    [Test]
    public void PrefetchKeepsOrderAndRunsAhead()
    {
        int produced = 0;
        var ds = Dataset.Range(10).Map((Tensor x) => { Interlocked.Increment(ref produced); return x; }).Prefetch(3);
        using var e = ds.GetEnumerator();
        Assert.That(e.MoveNext(), Is.True);
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref produced) >= 4, TimeSpan.FromSeconds(10)), Is.True,
            "the producer fills the buffer while the consumer holds one element");
        Thread.Sleep(20);
        Assert.That(Volatile.Read(ref produced), Is.LessThanOrEqualTo(5), "bounded by the buffer");
        var rest = new List<long> { e.Current[0].Item<long>() };
        while (e.MoveNext()) rest.Add(e.Current[0].Item<long>());
        Assert.That(rest, Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
    }

    [Test]
    public void PrefetchSurfacesUpstreamExceptionsAndStopsWhenAbandoned()
    {
        var failing = Dataset.Range(5).Map(x => x.Item<long>() == 3 ? throw new FormatException("three") : x).Prefetch(2);
        Assert.Throws<FormatException>(() => failing.ToList());

        int produced = 0;
        var endless = Dataset.Range(1).Repeat().Map((Tensor x) => { Interlocked.Increment(ref produced); return x; }).Prefetch(2);
        Assert.That(endless.Take(5).Count(), Is.EqualTo(5));
        int after = Volatile.Read(ref produced);
        Thread.Sleep(50);
        Assert.That(Volatile.Read(ref produced), Is.EqualTo(after), "the producer thread stopped with the pass");
        Assert.Throws<ArgumentException>(() => Dataset.Range(2).Prefetch(0));
    }

    [Test]
    public async Task AwaitForeachGivesTheSameElements()
    {
        var ds = Dataset.Range(6).Map(x => x + 1L, degreeOfParallelism: 2).Batch(4).Prefetch(1);
        var got = new List<long>();
        await foreach (var batch in ds) got.AddRange(batch[0].ToArray<long>());
        Assert.That(got, Is.EqualTo(Enumerable.Range(1, 6).Select(i => (long)i)));
        int count = 0;
        await foreach (var _ in ds.AsAsyncEnumerable()) count++;
        Assert.That(count, Is.EqualTo(2));
    }

    [Test]
    public async Task AwaitForeachHonoursCancellation()
    {
        using var cts = new CancellationTokenSource();
        int count = 0;
        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Dataset.Range(100).Repeat().AsAsyncEnumerable().WithCancellation(cts.Token))
                if (++count == 3) await cts.CancelAsync();
        });
        Assert.That(count, Is.EqualTo(3));
        await Task.CompletedTask;
    }

    [Test]
    public void ExceptionsSurfaceThroughAwaitForeach()
    {
        var ds = Dataset.Range(3).Filter(e => e[0].Item<long>() < 2 ? true : throw new InvalidDataException("filter failed"));
        Assert.ThrowsAsync<InvalidDataException>(async () => { await foreach (var _ in ds) { } });
    }

    [Test]
    public void FromQueueDrainsAClosedQueue()
    {
        var q = new FIFOQueue(capacity: 8, DType.Int64);
        var producer = Task.Run(() =>
        {
            for (long i = 0; i < 20; i++) q.Enqueue(Tensor.Scalar(i));
            q.Close();
        });
        Assert.That(Longs(Dataset.FromQueue(q).Batch(5).Select(b => new[] { Ops.ReduceSum(b[0], [0], keepDims: false) })),
            Is.EqualTo(new long[] { 10, 35, 60, 85 }));
        Assert.That(producer.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }
}
