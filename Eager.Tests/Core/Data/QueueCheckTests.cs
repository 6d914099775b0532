namespace Eager.Tests.Core.Data;

/// <summary>Construction and enqueue checks, and the shuffling queue.</summary>
public class QueueCheckTests
{
    [Test]
    public void WrongDTypeIsRejectedWithAClearMessage()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => q.Enqueue(Tensor.From(new[] { 1, 2 })))!;
        Assert.That(ex.Message, Does.Contain("int32").And.Contain("float32").And.Contain("component 0"));
        Assert.That(q.Size, Is.Zero);
    }

    [Test]
    public void WrongShapeIsRejected()
    {
        var q = new FIFOQueue(capacity: 2, [DType.Float32], [new Shape(3)]);
        var ex = Assert.Throws<ArgumentException>(() => q.Enqueue(Tensor.Zeros(new Shape(4))))!;
        Assert.That(ex.Message, Does.Contain("(4,)").And.Contain("(3,)"));
        Assert.Throws<ArgumentException>(() => q.EnqueueMany(Tensor.Zeros(new Shape(2, 4))));
        Assert.Throws<ArgumentException>(() => q.EnqueueMany(Tensor.Scalar(1f)));
    }

    [Test]
    public void WrongComponentCountAndNullsAreRejected()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32, DType.Int32);
        Assert.Throws<ArgumentException>(() => q.Enqueue(Tensor.Scalar(1f)));
        Assert.Throws<ArgumentNullException>(() => q.Enqueue(Tensor.Scalar(1f), null!));
        var ex = Assert.Throws<ArgumentException>(() => q.EnqueueMany(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(3), DType.Int32)))!;
        Assert.That(ex.Message, Does.Contain("batch size"));
    }

    [Test]
    public void SymbolicTensorsPointToTheGraphOps()
    {
        var q = new FIFOQueue(capacity: 2, DType.Float32);
        var g = new Graph();
        Tensor x;
        using (g.AsDefault()) x = Ops.Identity(Tensor.Scalar(1f));
        var ex = Assert.Throws<ArgumentException>(() => q.Enqueue(x))!;
        Assert.That(ex.Message, Does.Contain("EnqueueOp"));
    }

    [Test]
    public void BadConstructionIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new FIFOQueue(0, DType.Float32));
        Assert.Throws<ArgumentException>(() => new FIFOQueue(1));
        Assert.Throws<ArgumentException>(() => new FIFOQueue(1, [DType.Float32], [new Shape(2), new Shape(3)]));
        Assert.Throws<ArgumentException>(() => new FIFOQueue(1, [DType.Float32], [new Shape(-1)]));
        Assert.Throws<ArgumentException>(() => new FIFOQueue(1, [DType.Float32, DType.Float32], null, ["a", "a"]));
        Assert.Throws<ArgumentException>(() => new RandomShuffleQueue(4, 4, DType.Float32));
        Assert.Throws<ArgumentException>(() => new RandomShuffleQueue(4, -1, DType.Float32));
        Assert.Throws<ArgumentNullException>(() => new PaddingFIFOQueue(4, [DType.Float32], null!));
    }

    [Test]
    public void ToStringDescribesTheQueue()
    {
        var q = new FIFOQueue(3, [DType.Float32], [new Shape(2)], name: "input");
        Assert.That(q.ToString(), Is.EqualTo("FIFOQueue 'input'(capacity=3, dtypes=[float32], shapes=[(2,)], size=0)"));
    }

    [Test]
    public void ShuffleQueueLosesNothingAndIsDeterministicForASeed()
    {
        static int[] Run(int seed)
        {
            var q = new RandomShuffleQueue(capacity: 20, minAfterDequeue: 5, [DType.Int32], seed);
            var got = new List<int>();
            for (int i = 0; i < 17; i++)
            {
                q.Enqueue(Tensor.Scalar(i));
                if (q.Size > 5) got.Add(q.Dequeue()[0].Item<int>());
            }
            q.Close();
            try { while (true) got.Add(q.Dequeue()[0].Item<int>()); }
            catch (OutOfRangeException) { }
            return [.. got];
        }
        var a = Run(7);
        Assert.That(a.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 17)));
        Assert.That(Run(7), Is.EqualTo(a));
        Assert.That(Run(8), Is.Not.EqualTo(a));
        Assert.That(a, Is.Not.EqualTo(Enumerable.Range(0, 17).ToArray()), "the order is mixed");
    }

    [Test]
    public void ShuffleQueueHoldsBackMinAfterDequeueUntilClosed()
    {
        var q = new RandomShuffleQueue(capacity: 10, minAfterDequeue: 3, [DType.Int32], seed: 1);
        q.EnqueueMany(Tensor.From(new[] { 1, 2, 3 }));
        Assert.Throws<TimeoutException>(() => q.Dequeue(TimeSpan.FromMilliseconds(30)));
        q.Enqueue(Tensor.Scalar(4));
        Assert.DoesNotThrow(() => q.Dequeue(TimeSpan.FromSeconds(5)));
        Assert.That(q.Size, Is.EqualTo(3));
        q.Close();
        Assert.That(q.DequeueUpTo(10)[0].Shape, Is.EqualTo(new Shape(3)), "closing lifts the floor");
    }
}
