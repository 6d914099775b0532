using System.Collections.Concurrent;

namespace Eager.Tests.Core.Data;

/// <summary>Many producers and consumers at once. Bounded: every test ends by itself in a few seconds.</summary>
public class QueueStressTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Test]
    public void ManyProducersManyConsumersLoseAndDuplicateNothing()
    {
        const int producers = 4, perProducer = 500, consumers = 3;
        var q = new FIFOQueue(capacity: 7, DType.Int32);
        var seen = new ConcurrentBag<int>();
        var produce = Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < perProducer; i++)
            {
                if (i % 3 == 0) q.EnqueueMany(Tensor.From(new[] { p * 10000 + i }));
                else q.Enqueue(Tensor.Scalar(p * 10000 + i));
            }
        })).ToArray();
        var consume = Enumerable.Range(0, consumers).Select(c => Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    var batch = c == 0 ? q.DequeueUpTo(3)[0].ToArray<int>() : [q.Dequeue()[0].Item<int>()];
                    foreach (var v in batch) seen.Add(v);
                }
            }
            catch (OutOfRangeException) { }
        })).ToArray();
        Assert.That(Task.WaitAll(produce, Limit), Is.True);
        q.Close();
        Assert.That(Task.WaitAll(consume, Limit), Is.True);
        var want = Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, perProducer).Select(i => p * 10000 + i));
        Assert.That(seen.OrderBy(v => v), Is.EqualTo(want.OrderBy(v => v)));
    }

    [Test]
    public void EachProducersOrderIsKept()
    {
        var q = new FIFOQueue(capacity: 3, DType.Int32, DType.Int32);
        var produce = Enumerable.Range(0, 3).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < 300; i++) q.Enqueue(Tensor.Scalar(p), Tensor.Scalar(i));
        })).ToArray();
        var closer = Task.WhenAll(produce).ContinueWith(_ => q.Close(), TaskScheduler.Default);
        var last = new[] { -1, -1, -1 };
        int count = 0;
        try
        {
            while (true)
            {
                var item = q.Dequeue(Limit);
                int p = item[0].Item<int>(), i = item[1].Item<int>();
                Assert.That(i, Is.EqualTo(last[p] + 1));
                last[p] = i;
                count++;
            }
        }
        catch (OutOfRangeException) { }
        Assert.That(count, Is.EqualTo(900));
        Assert.That(closer.Wait(Limit), Is.True);
    }

    [Test]
    public void ShuffleQueueUnderContentionLosesNothing()
    {
        var q = new RandomShuffleQueue(capacity: 16, minAfterDequeue: 4, [DType.Int32], seed: 3);
        var produce = Enumerable.Range(0, 3).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < 200; i++) q.Enqueue(Tensor.Scalar(p * 1000 + i));
        })).ToArray();
        var closer = Task.WhenAll(produce).ContinueWith(_ => q.Close(), TaskScheduler.Default);
        var seen = new ConcurrentBag<int>();
        var consume = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            try { while (true) foreach (var v in q.DequeueMany(5)[0].ToArray<int>()) seen.Add(v); }
            catch (OutOfRangeException) { }
        })).ToArray();
        Assert.That(Task.WaitAll(consume, Limit), Is.True);
        Assert.That(closer.Wait(Limit), Is.True);
        // 600 elements in batches of 5 divide evenly, so DequeueMany drains everything.
        Assert.That(seen.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(p * 1000, 200))));
    }

    [Test]
    public void TimeoutsUnderContentionNeverLoseElements()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var added = new ConcurrentBag<int>();
        var removed = new ConcurrentBag<int>();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                try
                {
                    if ((i + w) % 2 == 0) { q.Enqueue([Tensor.Scalar(w * 1000 + i)], TimeSpan.FromMilliseconds(1)); added.Add(w * 1000 + i); }
                    else foreach (var v in q.DequeueMany(2, TimeSpan.FromMilliseconds(1))[0].ToArray<int>()) removed.Add(v);
                }
                catch (TimeoutException) { }
            }
        })).ToArray();
        Assert.That(Task.WaitAll(workers, Limit), Is.True);
        q.Close();
        try { while (true) removed.Add(q.Dequeue()[0].Item<int>()); }
        catch (OutOfRangeException) { }
        Assert.That(removed.OrderBy(v => v), Is.EqualTo(added.OrderBy(v => v)));
    }
}
