namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    private static readonly TimeSpan QueueSampleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Samples for Ops/Queue.cs. Each call makes a fresh queue whose component fits the input. Eagerly the
    /// element goes in through the eager API; in a graph through the enqueue op, with the op that reads it placed
    /// after it by a control dependency. Every run leaves the queue as it found it, so a graph can be run again.</summary>
    public static IEnumerable<OpSample> Queue()
    {
        yield return new("QueueEnqueue", [new(2, 3)], x => EnqueueThenDequeue(x[0]), Differentiable: false);
        yield return new("QueueDequeue", [new(5)], x => EnqueueThenDequeue(x[0]), Differentiable: false);
        yield return new("QueueDequeue", [new()], x => EnqueueThenDequeue(x[0]), Differentiable: false) { Label = "scalar" };
        yield return new("QueueEnqueueMany", [new(3, 2)], x =>
        {
            var q = new PaddingFIFOQueue(4, [x[0].DType], [Shape.Wrap(x[0].Shape.ToArray()[1..])]);
            return After(() => q.EnqueueManyOp(x[0]), () => q.EnqueueMany(x[0]), () => q.DequeueManyOp(3, QueueSampleTimeout)[0]);
        }, Differentiable: false);
        yield return new("QueueDequeueMany", [new(1, 7)], x =>
        {
            var q = new PaddingFIFOQueue(2, [x[0].DType], [Shape.Wrap(x[0].Shape.ToArray()[1..])]);
            return After(() => q.EnqueueManyOp(x[0]), () => q.EnqueueMany(x[0]), () => q.DequeueManyOp(1, QueueSampleTimeout)[0]);
        }, Differentiable: false);
        // Traceable is off: a dequeue-up-to has an unknown batch size by nature, while the graph checks want every
        // output fully defined. Its graph behaviour is tested in QueueGraphTests.
        yield return new("QueueDequeueUpTo", [new(2, 3)], x =>
        {
            var q = new PaddingFIFOQueue(4, [x[0].DType], [Shape.Wrap(x[0].Shape.ToArray()[1..])]);
            q.EnqueueMany(x[0]);
            q.Close();
            return q.DequeueUpToOp(5, QueueSampleTimeout)[0];
        }, Differentiable: false) { Traceable = false };
        yield return new("QueueClose", [new(3)], x =>
        {
            var q = new FIFOQueue(2, x[0].DType);
            if (Graph.Current is { } g)
            {
                using (g.ControlDependencies(q.CloseOp())) return Ops.Identity(x[0]);
            }
            q.Close();
            return Ops.Identity(x[0]);
        }, Differentiable: false);
        yield return new("QueueSize", [new(4)], x =>
        {
            var q = new PaddingFIFOQueue(2, [x[0].DType], [x[0].Shape]);
            var element = EnqueueThenDequeue(x[0], q);
            if (Graph.Current is { } g)
            {
                using (g.ControlDependencies(element)) return q.SizeOp();
            }
            return q.SizeOp();
        }, Differentiable: false);
    }

    /// <summary>Samples for the dataset iterator ops (also in Ops/Queue.cs).</summary>
    public static IEnumerable<OpSample> Iterator()
    {
        yield return new("IteratorGetNext", [new(2, 3)], x =>
        {
            var it = Dataset.FromTensors(Tensor.Ones(new Shape(2, 3), x[0].DType)).Repeat().MakeIterator();
            return it.GetNext()[0] * x[0];
        }, Differentiable: false);
        yield return new("IteratorReset", [new(3)], x =>
        {
            var it = Dataset.Range(0, 3, dtype: x[0].DType).MakeIterator();
            if (Graph.Current is { } g)
            {
                using (g.ControlDependencies(it.ResetOp())) return x[0] + it.GetNext()[0];
            }
            it.Reset();
            return x[0] + it.GetNext()[0];
        }, Differentiable: false);
    }

    private static Tensor EnqueueThenDequeue(Tensor x, QueueBase? queue = null)
    {
        var q = queue ?? new PaddingFIFOQueue(2, [x.DType], [x.Shape]);
        return After(() => q.EnqueueOp(x), () => q.Enqueue(x), () => q.DequeueOp(QueueSampleTimeout)[0]);
    }

    /// <summary>Runs <paramref name="then"/> after the enqueue: the graph op under a control dependency, or eagerly.</summary>
    private static Tensor After(Func<Operation> graphEnqueue, Action eagerEnqueue, Func<Tensor> then)
    {
        if (Graph.Current is { } g)
        {
            using (g.ControlDependencies(graphEnqueue())) return then();
        }
        eagerEnqueue();
        return then();
    }
}
