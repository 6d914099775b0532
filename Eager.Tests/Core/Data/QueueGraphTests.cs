namespace Eager.Tests.Core.Data;

/// <summary>Queues driven by a Session: the enqueue/dequeue ops, and QueueRunner threads running graph ops.</summary>
public class QueueGraphTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Test]
    public void SessionRunsEnqueueAndDequeueOps()
    {
        var q = new FIFOQueue(4, [DType.Float32, DType.Int32], [new Shape(2), Shape.Scalar], name: "pairs");
        var g = new Graph();
        Operation enqueue;
        Tensor[] dequeued;
        Tensor size;
        Tensor x;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            enqueue = q.EnqueueOp(x, Tensor.Scalar(7));
            dequeued = q.DequeueOp();
            size = q.SizeOp();
        }
        Assert.That(dequeued[0].IsSymbolic, Is.True);
        Assert.That(dequeued[0].Shape, Is.EqualTo(new Shape(2)));
        Assert.That(dequeued[1].DType, Is.EqualTo(DType.Int32));
        using var sess = new Session(g);
        sess.Run(enqueue, new FeedDict { { x, Tensor.From(new[] { 1f, 2f }) } });
        sess.Run(enqueue, new FeedDict { { x, Tensor.From(new[] { 3f, 4f }) } });
        Assert.That(sess.Run(size).Item<int>(), Is.EqualTo(2));
        var first = sess.Run(dequeued);
        Assert.That(first[0].ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(first[1].Item<int>(), Is.EqualTo(7));
        Assert.That(q.Dequeue()[0].ToArray<float>(), Is.EqualTo(new[] { 3f, 4f }), "graph and eager code share the queue");
    }

    [Test]
    public void BatchOpsInferBatchShapes()
    {
        var q = new FIFOQueue(8, [DType.Float32], [new Shape(3)]);
        var g = new Graph();
        Operation enqueueMany, close;
        Tensor many, upTo;
        using (g.AsDefault())
        {
            enqueueMany = q.EnqueueManyOp(Ops.Placeholder(DType.Float32, new Shape(-1, 3), name: "rows"));
            many = q.DequeueManyOp(2)[0];
            upTo = q.DequeueUpToOp(4)[0];
            close = q.CloseOp();
        }
        Assert.That(many.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(upTo.Shape, Is.EqualTo(new Shape(-1, 3)));
        using var sess = new Session(g);
        var rows = g.FindNode("rows")!.Outputs[0];
        sess.Run(enqueueMany, new FeedDict { { rows, Tensor.Arange(15).Reshape(5, 3) } });
        Assert.That(sess.Run(many).ToArray<float>(), Is.EqualTo(Enumerable.Range(0, 6).Select(i => (float)i)));
        sess.Run(close);
        Assert.That(sess.Run(upTo).Shape, Is.EqualTo(new Shape(3, 3)), "a closed queue gives what is left");
        Assert.Throws<OutOfRangeException>(() => sess.Run(upTo));
    }

    [Test]
    public void DequeueOpTimeoutAppliesInTheSession()
    {
        var q = new FIFOQueue(2, [DType.Float32], [Shape.Scalar]);
        var g = new Graph();
        Tensor item;
        using (g.AsDefault()) item = q.DequeueOp(TimeSpan.FromMilliseconds(30))[0];
        using var sess = new Session(g);
        Assert.Throws<TimeoutException>(() => sess.Run(item));
    }

    [Test]
    public void GraphOpsCheckWhatTheyAreGiven()
    {
        var q = new FIFOQueue(2, [DType.Float32], [new Shape(2)]);
        var anyShape = new FIFOQueue(2, DType.Float32);
        var g = new Graph();
        using (g.AsDefault())
        {
            var ex = Assert.Throws<ArgumentException>(() => q.EnqueueOp(Ops.Placeholder(DType.Int32, new Shape(2))))!;
            Assert.That(ex.Message, Does.Contain("int32").And.Contain("float32"));
            Assert.Throws<ArgumentException>(() => q.EnqueueOp(Ops.Placeholder(DType.Float32, new Shape(3))));
            Assert.DoesNotThrow(() => q.EnqueueOp(Ops.Placeholder(DType.Float32, new Shape(-1))), "unknown dims are checked at run time");
            Assert.Throws<ArgumentException>(() => q.EnqueueManyOp(Ops.Placeholder(DType.Float32, new Shape(2))));
            Assert.Throws<ArgumentException>(() => anyShape.DequeueOp(), "a graph needs the queue's shapes");
            Assert.Throws<ArgumentOutOfRangeException>(() => q.DequeueManyOp(-1));
        }
        var eager = Assert.Throws<InvalidOperationException>(() => q.EnqueueOp(Tensor.Zeros(new Shape(2))))!;
        Assert.That(eager.Message, Does.Contain("queue.Enqueue"));
    }

    [Test]
    public void DequeueOpRunsEagerlyOutsideAGraph()
    {
        var q = new FIFOQueue(2, DType.Float32);
        q.Enqueue(Tensor.Scalar(5f));
        Assert.That(q.DequeueOp()[0].Item<float>(), Is.EqualTo(5f));
        var shaped = new FIFOQueue(2, [DType.Float32], [Shape.Scalar]);
        shaped.Enqueue(Tensor.Scalar(6f));
        Assert.That(shaped.SizeOp().Item<int>(), Is.EqualTo(1));
        Assert.That(shaped.DequeueOp()[0].Item<float>(), Is.EqualTo(6f));
    }

    [Test]
    public void QueueRunnerRunsAGraphPipelineUntilItsInputEnds()
    {
        // Stage 1 is filled eagerly and closed; a graph op moves each element, doubled, into stage 2.
        var stage1 = new FIFOQueue(100, [DType.Float32], [Shape.Scalar], name: "raw");
        for (int i = 0; i < 40; i++) stage1.Enqueue(Tensor.Scalar((float)i));
        stage1.Close();
        var stage2 = new FIFOQueue(5, [DType.Float32], [Shape.Scalar], name: "doubled");
        var g = new Graph();
        Operation move;
        Tensor next;
        using (g.AsDefault())
        {
            move = stage2.EnqueueOp(stage1.DequeueOp()[0] * 2f);
            next = stage2.DequeueOp()[0];
        }
        using var sess = new Session(g);
        var coord = new Coordinator();
        QueueRunner.Add(new QueueRunner(stage2, move, move, move));
        var threads = QueueRunner.StartQueueRunners(sess, coord);
        Assert.That(threads, Has.Length.EqualTo(3));
        var got = new List<float>();
        try { while (true) got.Add(sess.Run(next).Item<float>()); }
        catch (OutOfRangeException) { }
        coord.RequestStop();
        coord.Join(threads, Limit);
        Assert.That(got.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 40).Select(i => 2f * i)));
    }

    [Test]
    public void GraphRunnerErrorsReachTheCoordinator()
    {
        var q = new FIFOQueue(4, [DType.Float32], [new Shape(2)]);
        var g = new Graph();
        Operation enqueue;
        using (g.AsDefault()) enqueue = q.EnqueueOp(Ops.Placeholder(DType.Float32, new Shape(2), name: "never_fed"));
        using var sess = new Session(g);
        var coord = new Coordinator();
        var runner = new QueueRunner(q, enqueue);
        Assert.Throws<InvalidOperationException>(() => runner.CreateThreads(coord), "graph runners need the session");
        var threads = runner.CreateThreads(sess, coord);
        Assert.That(coord.WaitForStop(Limit), Is.True);
        var ex = Assert.Throws<ArgumentException>(() => coord.Join(threads, Limit))!;
        Assert.That(ex.Message, Does.Contain("never_fed"));
        Assert.That(q.IsClosed, Is.True);
    }
}
