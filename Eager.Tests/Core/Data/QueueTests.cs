namespace Eager.Tests.Core.Data;

public class QueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private static float Value(Tensor[] item) => item[0].Item<float>();

    [Test]
    public void FifoKeepsOrderAndCountsSize()
    {
        var q = new FIFOQueue(capacity: 5, DType.Float32);
        for (int i = 0; i < 5; i++) q.Enqueue(Tensor.Scalar((float)i));
        Assert.That(q.Size, Is.EqualTo(5));
        for (int i = 0; i < 5; i++) Assert.That(Value(q.Dequeue()), Is.EqualTo(i));
        Assert.That(q.Size, Is.Zero);
    }

    [Test]
    public void EnqueueTimesOutWhenFullAndAddsNothing()
    {
        var q = new FIFOQueue(capacity: 1, DType.Float32);
        q.Enqueue(Tensor.Scalar(1f));
        Assert.Throws<TimeoutException>(() => q.Enqueue([Tensor.Scalar(2f)], Short));
        Assert.That(q.Size, Is.EqualTo(1));
        Assert.That(Value(q.Dequeue()), Is.EqualTo(1f));
    }

    [Test]
    public void DequeueTimesOutWhenEmpty()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        Assert.Throws<TimeoutException>(() => q.Dequeue(Short));
        Assert.That(q.TryDequeue(out var item, TimeSpan.Zero), Is.False);
        Assert.That(item, Is.Empty);
        q.Enqueue(Tensor.Scalar(3f));
        Assert.That(q.TryDequeue(out item, TimeSpan.Zero), Is.True);
        Assert.That(Value(item), Is.EqualTo(3f));
    }

    [Test]
    public void NegativeTimeoutIsRejected()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Dequeue(TimeSpan.FromSeconds(-2)));
    }

    [Test]
    public void CancellationTokenUnblocksADequeue()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        using var cts = new CancellationTokenSource();
        var task = Task.Run(() => q.Dequeue(cts.Token));
        Thread.Sleep(50);
        cts.Cancel();
        var ex = Assert.Throws<AggregateException>(() => task.Wait(Long))!;
        Assert.That(ex.InnerException, Is.InstanceOf<OperationCanceledException>());
        q.Enqueue(Tensor.Scalar(1f));
        Assert.That(Value(q.Dequeue(Long)), Is.EqualTo(1f), "the cancelled request took nothing");
    }

    [Test]
    public void AlreadyCancelledTokenThrowsAtOnce()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => q.Enqueue([Tensor.Scalar(1f)], cts.Token));
        Assert.That(q.Size, Is.Zero);
    }

    [Test]
    public void CloseDrainsThenThrowsOutOfRange()
    {
        var q = new FIFOQueue(capacity: 3, DType.Float32);
        q.Enqueue(Tensor.Scalar(1f));
        q.Enqueue(Tensor.Scalar(2f));
        q.Close();
        Assert.That(q.IsClosed, Is.True);
        Assert.Throws<QueueClosedException>(() => q.Enqueue(Tensor.Scalar(3f)));
        Assert.That(Value(q.Dequeue()), Is.EqualTo(1f));
        Assert.That(Value(q.Dequeue()), Is.EqualTo(2f));
        Assert.Throws<OutOfRangeException>(() => q.Dequeue());
        Assert.DoesNotThrow(() => q.Close(), "closing twice is allowed");
    }

    [Test]
    public void CloseWakesABlockedDequeue()
    {
        var q = new FIFOQueue(capacity: 3, DType.Float32);
        var task = Task.Run(() => q.Dequeue());
        Thread.Sleep(50);
        q.Close();
        var ex = Assert.Throws<AggregateException>(() => task.Wait(Long))!;
        Assert.That(ex.InnerException, Is.InstanceOf<OutOfRangeException>());
    }

    [Test]
    public void CloseLetsPendingEnqueuesFinish()
    {
        var q = new FIFOQueue(capacity: 1, DType.Float32);
        q.Enqueue(Tensor.Scalar(1f));
        var pending = Task.Run(() => q.Enqueue(Tensor.Scalar(2f)));
        SpinUntil(() => PendingEnqueue(q));
        q.Close();
        Assert.That(pending.IsCompleted, Is.False);
        Assert.That(Value(q.Dequeue()), Is.EqualTo(1f));
        Assert.That(pending.Wait(Long), Is.True);
        Assert.That(Value(q.Dequeue()), Is.EqualTo(2f));
        Assert.Throws<OutOfRangeException>(() => q.Dequeue());
    }

    [Test]
    public void CloseWithCancelFailsPendingEnqueues()
    {
        var q = new FIFOQueue(capacity: 1, DType.Float32);
        q.Enqueue(Tensor.Scalar(1f));
        var pending = Task.Run(() => q.Enqueue(Tensor.Scalar(2f)));
        SpinUntil(() => PendingEnqueue(q));
        q.Close(cancelPendingEnqueues: true);
        var ex = Assert.Throws<AggregateException>(() => pending.Wait(Long))!;
        Assert.That(ex.InnerException, Is.InstanceOf<QueueClosedException>());
        Assert.That(Value(q.Dequeue()), Is.EqualTo(1f));
        Assert.Throws<OutOfRangeException>(() => q.Dequeue());
    }

    [Test]
    public void PartlyDoneEnqueueManyFinishesAfterClose()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var pending = Task.Run(() => q.EnqueueMany(Tensor.From(new[] { 1, 2, 3, 4, 5 })));
        SpinUntil(() => PendingEnqueue(q) && q.Size == 2);
        q.Close();
        var got = new List<int>();
        try { while (true) got.Add(q.Dequeue(Long)[0].Item<int>()); }
        catch (OutOfRangeException) { }
        Assert.That(pending.Wait(Long), Is.True);
        Assert.That(got, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void CancelledEnqueueManyKeepsWhatItAdded()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var pending = Task.Run(() => q.EnqueueMany(Tensor.From(new[] { 1, 2, 3, 4, 5 })));
        SpinUntil(() => PendingEnqueue(q) && q.Size == 2);
        q.Close(cancelPendingEnqueues: true);
        var ex = Assert.Throws<AggregateException>(() => pending.Wait(Long))!;
        Assert.That(ex.InnerException, Is.InstanceOf<QueueClosedException>());
        Assert.That(q.DequeueUpTo(5)[0].ToArray<int>(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void EnqueueManyTimeoutKeepsWhatItAdded()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var ex = Assert.Throws<TimeoutException>(() => q.EnqueueMany([Tensor.From(new[] { 1, 2, 3 })], Short))!;
        Assert.That(ex.Message, Does.Contain("2 of 3"));
        Assert.That(q.Size, Is.EqualTo(2));
    }

    [Test]
    public void EnqueueManyAndDequeueManyStackAlongAxis0()
    {
        var q = new FIFOQueue(capacity: 10, [DType.Float32, DType.Int32], [new Shape(2), Shape.Scalar]);
        q.EnqueueMany(Tensor.From(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }), Tensor.From(new[] { 7, 8, 9 }));
        Assert.That(q.Size, Is.EqualTo(3));
        var batch = q.DequeueMany(2);
        Assert.That(batch[0].Shape, Is.EqualTo(new Shape(2, 2)));
        Assert.That(batch[0].ToArray<float>(), Is.EqualTo(new[] { 1f, 2, 3, 4 }));
        Assert.That(batch[1].ToArray<int>(), Is.EqualTo(new[] { 7, 8 }));
        var last = q.Dequeue();
        Assert.That(last[0].ToArray<float>(), Is.EqualTo(new[] { 5f, 6 }));
        Assert.That(last[1].Item<int>(), Is.EqualTo(9));
    }

    [Test]
    public void EnqueueManyOfATransposedViewSlicesRows()
    {
        var q = new FIFOQueue(capacity: 4, [DType.Float32], [new Shape(2)]);
        var x = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var xt = x.View(new Shape(3, 2), [1, 3], 0); // x transposed, a non-contiguous view
        q.EnqueueMany(xt);
        Assert.That(q.DequeueMany(3)[0].ToArray<float>(), Is.EqualTo(new[] { 1f, 4, 2, 5, 3, 6 }));
    }

    [Test]
    public void EnqueueManyLargerThanCapacityFlowsThrough()
    {
        var q = new FIFOQueue(capacity: 2, DType.Int32);
        var producer = Task.Run(() => q.EnqueueMany(Tensor.From(Enumerable.Range(0, 7).ToArray())));
        var got = q.DequeueMany(7)[0].ToArray<int>();
        Assert.That(producer.Wait(Long), Is.True);
        Assert.That(got, Is.EqualTo(Enumerable.Range(0, 7).ToArray()));
    }

    [Test]
    public void DequeueManyOnClosedQueueWithTooFewThrowsAndKeepsThem()
    {
        var q = new FIFOQueue(capacity: 4, DType.Int32);
        q.EnqueueMany(Tensor.From(new[] { 1, 2 }));
        q.Close();
        Assert.Throws<OutOfRangeException>(() => q.DequeueMany(3));
        Assert.That(q.Size, Is.EqualTo(2));
        Assert.That(q.DequeueUpTo(3)[0].ToArray<int>(), Is.EqualTo(new[] { 1, 2 }));
        Assert.Throws<OutOfRangeException>(() => q.DequeueUpTo(3));
    }

    [Test]
    public void PartialDequeueManyThatTimesOutPutsElementsBack()
    {
        var q = new FIFOQueue(capacity: 4, DType.Int32);
        q.EnqueueMany(Tensor.From(new[] { 1, 2 }));
        Assert.Throws<TimeoutException>(() => q.DequeueMany(3, Short));
        Assert.That(q.DequeueMany(2)[0].ToArray<int>(), Is.EqualTo(new[] { 1, 2 }), "order kept");
    }

    [Test]
    public void DequeueUpToBlocksLikeDequeueManyWhileOpen()
    {
        var q = new FIFOQueue(capacity: 4, DType.Int32);
        q.Enqueue(Tensor.Scalar(1));
        Assert.Throws<TimeoutException>(() => q.DequeueUpTo(2, Short));
        q.Enqueue(Tensor.Scalar(2));
        Assert.That(q.DequeueUpTo(2, Long)[0].ToArray<int>(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void DequeueManyOfZeroNeedsShapes()
    {
        var fixedShape = new FIFOQueue(capacity: 2, [DType.Float32], [new Shape(3)]);
        Assert.That(fixedShape.DequeueMany(0)[0].Shape, Is.EqualTo(new Shape(0, 3)));
        var anyShape = new FIFOQueue(capacity: 2, DType.Float32);
        Assert.Throws<ArgumentException>(() => anyShape.DequeueMany(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => anyShape.DequeueMany(-1));
    }

    [Test]
    public void DequeueManyOfUnequalShapesExplains()
    {
        var q = new FIFOQueue(capacity: 4, DType.Float32);
        q.Enqueue(Tensor.Zeros(new Shape(2)));
        q.Enqueue(Tensor.Zeros(new Shape(3)));
        var ex = Assert.Throws<ArgumentException>(() => q.DequeueMany(2))!;
        Assert.That(ex.Message, Does.Contain("PaddingFIFOQueue"));
    }

    [Test]
    public void NamedComponentsRoundTrip()
    {
        var q = new FIFOQueue(capacity: 2, [DType.Float32, DType.Int64], null, ["x", "label"]);
        q.Enqueue(new Dictionary<string, Tensor> { ["label"] = Tensor.Scalar(3L), ["x"] = Tensor.Scalar(1.5f) });
        var item = q.DequeueDictionary();
        Assert.That(item["x"].Item<float>(), Is.EqualTo(1.5f));
        Assert.That(item["label"].Item<long>(), Is.EqualTo(3L));
        Assert.Throws<ArgumentException>(() => q.Enqueue(new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(1f) }));
        Assert.Throws<InvalidOperationException>(() => new FIFOQueue(1, DType.Float32).DequeueDictionary());
    }

    [Test]
    public void PaddingQueuePadsBatchesWithZeros()
    {
        var q = new PaddingFIFOQueue(capacity: 4, [DType.Int32], [new Shape(-1)]);
        q.Enqueue(Tensor.From(new[] { 1 }));
        q.Enqueue(Tensor.From(new[] { 2, 3, 4 }));
        q.Enqueue(Tensor.From(Array.Empty<int>()));
        var batch = q.DequeueMany(3)[0];
        Assert.That(batch.Shape, Is.EqualTo(new Shape(3, 3)));
        Assert.That(batch.ToArray<int>(), Is.EqualTo(new[] { 1, 0, 0, 2, 3, 4, 0, 0, 0 }));
        Assert.Throws<ArgumentException>(() => q.Enqueue(Tensor.Zeros(new Shape(2, 2), DType.Int32)), "rank is fixed");
    }

    [Test]
    public void PaddingQueuePadsRank2AndOddSizes()
    {
        var q = new PaddingFIFOQueue(capacity: 4, [DType.Float64], [new Shape(-1, -1)]);
        var a = Tensor.From(Enumerable.Range(0, 7).Select(v => (double)v).ToArray(), new Shape(1, 7));
        var b = Tensor.From(new double[] { 9, 8, 7, 6 }, new Shape(2, 2));
        q.Enqueue(a);
        q.Enqueue(b);
        Assert.Throws<TimeoutException>(() => q.DequeueUpTo(5, TimeSpan.Zero), "an open queue with too few elements waits");
        var batch = q.DequeueMany(2)[0];
        Assert.That(batch.Shape, Is.EqualTo(new Shape(2, 2, 7)));
        var want = new double[28];
        for (int i = 0; i < 7; i++) want[i] = i;
        want[14] = 9; want[15] = 8; want[21] = 7; want[22] = 6;
        Assert.That(batch.ToArray<double>(), Is.EqualTo(want));
    }

    internal static bool PendingEnqueue(QueueBase q) => q.Pending.Enqueues > 0;

    internal static void SpinUntil(Func<bool> condition) =>
        Assert.That(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(10)), Is.True, "timed out waiting for a thread to block");
}
