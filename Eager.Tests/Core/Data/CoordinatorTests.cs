namespace Eager.Tests.Core.Data;

public class CoordinatorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Test]
    public void RunnerFillsQueueUntilInputEndsThenClosesIt()
    {
        var q = new FIFOQueue(capacity: 4, DType.Int32);
        int next = -1;
        void Step()
        {
            int i = Interlocked.Increment(ref next);
            if (i >= 100) throw new OutOfRangeException("input exhausted");
            q.Enqueue(Tensor.Scalar(i));
        }
        var runner = new QueueRunner(q, Step, Step, Step);
        var coord = new Coordinator();
        var threads = runner.CreateThreads(coord);
        var got = new List<int>();
        try { while (true) got.Add(q.Dequeue(Limit)[0].Item<int>()); }
        catch (OutOfRangeException) { }
        coord.RequestStop();
        coord.Join(threads, Limit);
        Assert.That(got.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 100)));
        Assert.That(runner.Exceptions, Is.Empty);
    }

    [Test]
    public void WorkerExceptionIsReRaisedAtJoin()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        int calls = 0;
        void Step()
        {
            if (Interlocked.Increment(ref calls) == 5) throw new FormatException("bad record 5");
            q.Enqueue(Tensor.Scalar(1));
        }
        var runner = new QueueRunner(q, Step, Step);
        var coord = new Coordinator();
        var threads = runner.CreateThreads(coord);
        // The consumer sees the pipeline end: the stop closes the queue with cancelPendingEnqueues.
        try { while (true) q.Dequeue(Limit); }
        catch (OutOfRangeException) { }
        Assert.That(coord.ShouldStop, Is.True);
        var ex = Assert.Throws<FormatException>(() => coord.Join(threads, Limit))!;
        Assert.That(ex.Message, Is.EqualTo("bad record 5"));
        Assert.That(runner.Exceptions, Has.Count.EqualTo(1));
        Assert.That(coord.Error, Is.SameAs(ex));
    }

    [Test]
    public void RequestStopUnblocksProducersOnAFullQueue()
    {
        var q = new FIFOQueue(capacity: 1, DType.Int32);
        var runner = new QueueRunner(q, () => q.Enqueue(Tensor.Scalar(1)), () => q.Enqueue(Tensor.Scalar(2)));
        var coord = new Coordinator();
        var threads = runner.CreateThreads(coord);
        SpinWait.SpinUntil(() => q.Pending.Enqueues == 2, Limit);
        coord.RequestStop();
        coord.Join(threads, Limit);
        Assert.That(threads.All(t => !t.IsAlive), Is.True);
        Assert.That(q.IsClosed, Is.True);
        Assert.That(runner.Exceptions, Is.Empty);
    }

    [Test]
    public void OutOfRangeIsACleanStop()
    {
        var coord = new Coordinator();
        coord.RequestStop(new OutOfRangeException("done"));
        Assert.That(coord.ShouldStop, Is.True);
        Assert.DoesNotThrow(() => coord.Join());
        Assert.That(coord.Error, Is.Null);
    }

    [Test]
    public void FirstExceptionWinsAndClearStopResets()
    {
        var coord = new Coordinator();
        var t1 = new Thread(() => coord.StopOnException(() => throw new InvalidDataException("first")));
        t1.Start();
        t1.Join();
        coord.RequestStop(new FormatException("second"));
        Assert.Throws<InvalidDataException>(() => coord.Join([t1]));
        coord.ClearStop();
        Assert.That(coord.ShouldStop, Is.False);
        Assert.That(coord.WaitForStop(TimeSpan.FromMilliseconds(10)), Is.False);
        Assert.DoesNotThrow(() => coord.Join([]));
    }

    [Test]
    public void JoinReportsThreadsThatIgnoreTheStop()
    {
        var coord = new Coordinator();
        using var release = new ManualResetEventSlim();
        var stubborn = new Thread(() => release.Wait(Limit)) { IsBackground = true, Name = "stubborn" };
        stubborn.Start();
        coord.RequestStop();
        var ex = Assert.Throws<InvalidOperationException>(() => coord.Join([stubborn], TimeSpan.FromMilliseconds(50)))!;
        Assert.That(ex.Message, Does.Contain("stubborn"));
        Assert.DoesNotThrow(() => coord.Join([stubborn], TimeSpan.FromMilliseconds(10), ignoreLiveThreads: true));
        release.Set();
        stubborn.Join();
    }

    [Test]
    public void RunnerWithoutCoordinatorClosesQueueOnError()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var runner = new QueueRunner(q, () => throw new InvalidDataException("boom"));
        var threads = runner.CreateThreads();
        Assert.Throws<OutOfRangeException>(() => q.Dequeue(Limit));
        foreach (var t in threads) t.Join(Limit);
        Assert.That(runner.Exceptions.Single(), Is.InstanceOf<InvalidDataException>());
        Assert.Throws<ArgumentException>(() => new QueueRunner(q, Array.Empty<Action>()));
        Assert.Throws<ArgumentException>(() => new QueueRunner(q, Array.Empty<Operation>()));
    }
}
