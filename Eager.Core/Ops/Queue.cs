using static Eager.Ops;
using static Eager.QueueOps;

namespace Eager;

/// <summary>
/// Input-pipeline ops. Queue ops: the same <see cref="QueueBase"/> objects used from graphs, so a <see cref="Session"/> can fill and drain
/// them (TensorFlow 1's QueueEnqueueV2 and friends). The queue travels in the attribute "queue"; "timeout_ms" bounds
/// how long a run may block (-1: forever). All are stateful: never folded, merged or reordered.
/// Users normally call the forwarding methods on the queue: <c>queue.EnqueueOp(x)</c>, <c>queue.DequeueOp()</c>.
/// Iterator ops pull the elements of a <see cref="Dataset"/> pass (attribute "iterator") into a graph.
/// </summary>
public static partial class Ops
{
    /// <summary>The next element of a dataset iterator: symbolic in a graph (each run takes one), concrete eagerly.</summary>
    /// <exception cref="OutOfRangeException">Eagerly: the pass is over.</exception>
    public static Tensor[] IteratorGetNext(DatasetIterator iterator)
    {
        ArgumentNullException.ThrowIfNull(iterator);
        return Dispatcher.Apply(IteratorGetNextDef, [], new Attrs { { "iterator", iterator } }, IteratorGetNextName);
    }

    /// <summary>A graph op that starts a new pass of the iterator when run.</summary>
    public static Operation IteratorReset(DatasetIterator iterator)
    {
        ArgumentNullException.ThrowIfNull(iterator);
        var g = GraphOps.RequireGraph("DatasetIterator.ResetOp", "in eager code call iterator.Reset() directly");
        return new Operation(g.AddNode(IteratorResetDef, [], new Attrs { { "iterator", iterator } }, IteratorResetName));
    }

    /// <summary>Adds a graph op that enqueues one element into <paramref name="queue"/> when run.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="components">One graph tensor per component (concrete tensors become constants).</param>
    /// <param name="timeout">How long a run may wait for room before failing with TimeoutException; null waits forever.</param>
    /// <exception cref="InvalidOperationException">No graph is being built (eager code calls <see cref="QueueBase.Enqueue(Tensor[])"/>).</exception>
    /// <exception cref="ArgumentException">A component has the wrong count, dtype or shape.</exception>
    public static Operation QueueEnqueue(QueueBase queue, Tensor[] components, TimeSpan? timeout = null) =>
        QueueTarget(QueueEnqueueDef, queue, components, QueueAttrs(queue, timeout), "Enqueue", "queue.Enqueue(...)");

    /// <summary>Adds a graph op that enqueues every row of the components (sliced along axis 0) when run.</summary>
    public static Operation QueueEnqueueMany(QueueBase queue, Tensor[] components, TimeSpan? timeout = null) =>
        QueueTarget(QueueEnqueueManyDef, queue, components, QueueAttrs(queue, timeout), "EnqueueMany", "queue.EnqueueMany(...)");

    /// <summary>Adds a graph op that closes the queue when run.</summary>
    public static Operation QueueClose(QueueBase queue, bool cancelPendingEnqueues = false) =>
        QueueTarget(QueueCloseDef, queue, [], new Attrs { { "queue", queue }, { "cancel_pending_enqueues", cancelPendingEnqueues } }, "Close", "queue.Close()");

    /// <summary>Dequeues one element: in a graph, symbolic outputs (one per component; the queue needs shapes);
    /// eagerly, the element now.</summary>
    /// <exception cref="ArgumentException">In a graph: the queue has no component shapes to infer outputs from.</exception>
    public static Tensor[] QueueDequeue(QueueBase queue, TimeSpan? timeout = null)
    {
        var attrs = QueueAttrs(queue, timeout);
        if (Graph.Current is null && queue.Shapes is null) return queue.Dequeue(TimeoutOf(attrs));
        return Dispatcher.Apply(QueueDequeueDef, [], attrs, queue.Name + "_Dequeue");
    }

    /// <summary>Dequeues <paramref name="n"/> elements stacked along axis 0 (outputs of shape (n, ...)).</summary>
    public static Tensor[] QueueDequeueMany(QueueBase queue, int n, TimeSpan? timeout = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"QueueDequeueMany on '{queue?.Name}': n must be non-negative, got {n}.");
        var attrs = QueueAttrs(queue!, timeout);
        attrs["n"] = n;
        if (Graph.Current is null && queue!.Shapes is null) return queue.DequeueMany(n, TimeoutOf(attrs));
        return Dispatcher.Apply(QueueDequeueManyDef, [], attrs, queue!.Name + "_DequeueMany");
    }

    /// <summary>Dequeues up to <paramref name="n"/> elements (fewer only from a closed queue); outputs of shape (None, ...).</summary>
    public static Tensor[] QueueDequeueUpTo(QueueBase queue, int n, TimeSpan? timeout = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"QueueDequeueUpTo on '{queue?.Name}': n must be non-negative, got {n}.");
        var attrs = QueueAttrs(queue!, timeout);
        attrs["n"] = n;
        if (Graph.Current is null && queue!.Shapes is null) return queue.DequeueUpTo(n, TimeoutOf(attrs));
        return Dispatcher.Apply(QueueDequeueUpToDef, [], attrs, queue!.Name + "_DequeueUpTo");
    }

    /// <summary>The number of elements in the queue (an int32 scalar; symbolic in a graph).</summary>
    public static Tensor QueueSize(QueueBase queue) =>
        Dispatcher.Apply(QueueSizeDef, [], new Attrs { { "queue", queue ?? throw new ArgumentNullException(nameof(queue)) } }, queue.Name + "_Size")[0];
}

internal static partial class QueueOps
{
    internal const string QueueEnqueueName = "QueueEnqueue";
    internal static readonly OpDef QueueEnqueueDef = new(QueueEnqueueName,
        (x, a) => { QueueOf(a).CheckSymbolicElement(x, QueueEnqueueName, batched: false); return []; },
        (x, a) => { QueueOf(a).Enqueue(x, TimeoutOf(a)); return []; })
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueEnqueueManyName = "QueueEnqueueMany";
    internal static readonly OpDef QueueEnqueueManyDef = new(QueueEnqueueManyName,
        (x, a) => { QueueOf(a).CheckSymbolicElement(x, QueueEnqueueManyName, batched: true); return []; },
        (x, a) => { QueueOf(a).EnqueueMany(x, TimeoutOf(a)); return []; })
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueDequeueName = "QueueDequeue";
    internal static readonly OpDef QueueDequeueDef = new(QueueDequeueName,
        (_, a) => QueueOf(a).OutputSpecs(QueueDequeueName, null),
        (_, a) => QueueOf(a).Dequeue(TimeoutOf(a)))
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueDequeueManyName = "QueueDequeueMany";
    internal static readonly OpDef QueueDequeueManyDef = new(QueueDequeueManyName,
        (_, a) => QueueOf(a).OutputSpecs(QueueDequeueManyName, a.Int("n")),
        (_, a) => QueueOf(a).DequeueMany(a.Int("n"), TimeoutOf(a)))
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueDequeueUpToName = "QueueDequeueUpTo";
    internal static readonly OpDef QueueDequeueUpToDef = new(QueueDequeueUpToName,
        (_, a) => QueueOf(a).OutputSpecs(QueueDequeueUpToName, -1),
        (_, a) => QueueOf(a).DequeueUpTo(a.Int("n"), TimeoutOf(a)))
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueCloseName = "QueueClose";
    internal static readonly OpDef QueueCloseDef = new(QueueCloseName,
        (_, a) => { QueueOf(a); return []; },
        (_, a) => { QueueOf(a).Close(a.Bool("cancel_pending_enqueues")); return []; })
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string QueueSizeName = "QueueSize";
    internal static readonly OpDef QueueSizeDef = new(QueueSizeName,
        (_, a) => { QueueOf(a); return [new TensorSpec(Shape.Scalar, DType.Int32)]; },
        (_, a) => [Tensor.Scalar(QueueOf(a).Size)])
    { NoOnnx = "a queue shared between runs and threads; ONNX has no queues", IsStateful = true };

    internal const string IteratorGetNextName = "IteratorGetNext";
    internal static readonly OpDef IteratorGetNextDef = new(IteratorGetNextName,
        (_, a) => [.. IteratorOf(a).ElementSpec.Select(s => new TensorSpec(s.Shape, s.DType))],
        (_, a) => IteratorOf(a).Next())
    { NoOnnx = "a dataset iterator's position, state that lives between runs; ONNX has no iterators", IsStateful = true };

    internal const string IteratorResetName = "IteratorReset";
    internal static readonly OpDef IteratorResetDef = new(IteratorResetName,
        (_, a) => { IteratorOf(a); return []; },
        (_, a) => { IteratorOf(a).Reset(); return []; })
    { NoOnnx = "a dataset iterator's position, state that lives between runs; ONNX has no iterators", IsStateful = true };

    private static DatasetIterator IteratorOf(Attrs a) => a.Has("iterator") && a["iterator"] is DatasetIterator it
        ? it
        : throw new ArgumentException("Iterator op: the attribute 'iterator' must hold the DatasetIterator the op reads.");

    private static QueueBase QueueOf(Attrs a) => a.Has("queue") && a["queue"] is QueueBase q
        ? q
        : throw new ArgumentException("Queue op: the attribute 'queue' must hold the QueueBase the op works on.");

    internal static TimeSpan TimeoutOf(Attrs a)
    {
        int ms = a.Get("timeout_ms", -1);
        return ms < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
    }

    internal static Attrs QueueAttrs(QueueBase queue, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(queue);
        int ms = -1;
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan)
        {
            if (t < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), $"Queue op on '{queue.Name}': timeout {t} is negative.");
            ms = (int)Math.Min(int.MaxValue, Math.Ceiling(t.TotalMilliseconds));
        }
        return new Attrs { { "queue", queue }, { "timeout_ms", ms } };
    }

    internal static Operation QueueTarget(OpDef def, QueueBase queue, Tensor[] components, Attrs attrs, string what, string eager)
    {
        ArgumentNullException.ThrowIfNull(components);
        var g = GraphOps.RequireGraph($"{queue.GetType().Name} '{queue.Name}'.{what}Op", $"in eager code call {eager} directly");
        return new Operation(g.AddNode(def, components, attrs, queue.Name + "_" + what));
    }
}
