namespace Eager;

// The queue seen from graphs: methods that build the ops of Ops/Queue.cs, and the checks their inference runs.
public abstract partial class QueueBase
{
    /// <summary>A graph op that enqueues one element when a Session runs it (TensorFlow's queue.enqueue in a graph).</summary>
    /// <param name="components">Graph tensors, one per component; dtypes and (possibly partial) shapes are checked now.</param>
    /// <exception cref="InvalidOperationException">No graph is being built; eager code calls <see cref="Enqueue(Tensor[])"/>.</exception>
    public Operation EnqueueOp(params Tensor[] components) => Ops.QueueEnqueue(this, components);

    /// <summary>A graph op that enqueues every row of the components when run.</summary>
    public Operation EnqueueManyOp(params Tensor[] components) => Ops.QueueEnqueueMany(this, components);

    /// <summary>A graph op that closes the queue when run.</summary>
    public Operation CloseOp(bool cancelPendingEnqueues = false) => Ops.QueueClose(this, cancelPendingEnqueues);

    /// <summary>Dequeues one element: symbolic tensors while a graph is being built (the queue needs shapes), the
    /// element itself when run eagerly.</summary>
    public Tensor[] DequeueOp(TimeSpan? timeout = null) => Ops.QueueDequeue(this, timeout);

    /// <summary>Dequeues n elements stacked along axis 0; symbolic in a graph.</summary>
    public Tensor[] DequeueManyOp(int n, TimeSpan? timeout = null) => Ops.QueueDequeueMany(this, n, timeout);

    /// <summary>Dequeues up to n elements (fewer only once closed); symbolic in a graph, with an unknown first dimension.</summary>
    public Tensor[] DequeueUpToOp(int n, TimeSpan? timeout = null) => Ops.QueueDequeueUpTo(this, n, timeout);

    /// <summary>The number of elements as an int32 scalar tensor; symbolic in a graph.</summary>
    public Tensor SizeOp() => Ops.QueueSize(this);

    // For a queue made without shapes: the element shapes of the first enqueue (built in a graph or run eagerly), which
    // the dequeue ops of a graph take as their output shapes. TensorFlow leaves them unknown; a graph here needs them.
    private Shape[]? firstShapes;

    /// <summary>Remembers the element shapes of the first enqueue of a queue without declared shapes.</summary>
    private void NoteFirstShapes(Func<int, Shape> shapeOf)
    {
        if (shapes is not null || Volatile.Read(ref firstShapes) is not null) return;
        var s = new Shape[dtypes.Length];
        for (int i = 0; i < s.Length; i++) s[i] = shapeOf(i);
        Interlocked.CompareExchange(ref firstShapes, s, null);
    }

    /// <summary>Validates possibly symbolic components for the enqueue ops (unknown dimensions match anything).</summary>
    internal void CheckSymbolicElement(Tensor[] components, string op, bool batched)
    {
        if (components.Length != dtypes.Length)
            throw new ArgumentException($"{op} on {Describe}: got {components.Length} components, the queue has {dtypes.Length} " +
                $"({string.Join(", ", Enumerable.Range(0, dtypes.Length).Select(Expected))}).");
        int rows = -1;
        for (int i = 0; i < components.Length; i++)
        {
            var t = components[i];
            var shape = t.Shape;
            if (batched)
            {
                if (t.Rank == 0) throw new ArgumentException($"{op} on {Describe}: component {i}{ComponentName(i)} is a scalar; it needs a batch dimension 0.");
                int n = shape[0];
                if (n >= 0 && rows >= 0 && n != rows)
                    throw new ArgumentException($"{op} on {Describe}: component {i}{ComponentName(i)} has {n} rows (shape {shape}), an earlier one has {rows}.");
                if (n >= 0) rows = n;
                shape = Shape.Wrap(shape.ToArray()[1..]);
            }
            if (t.DType != dtypes[i] || (shapes is not null && !shapes[i].IsCompatibleWith(shape)))
                throw new ArgumentException($"{op} on {Describe}: component {i}{ComponentName(i)} is {t.DType.Name()} {t.Shape}" +
                    (batched ? $" (elements {shape})" : "") + $"; the queue expects {Expected(i)}.");
        }
        NoteFirstShapes(i => batched ? (components[i].Shape.IsUnknownRank ? Shape.Unknown : Shape.Wrap(components[i].Shape.ToArray()[1..])) : components[i].Shape);
    }

    /// <summary>Remembers the shapes of an element enqueued eagerly (see <see cref="NoteFirstShapes"/>).</summary>
    private void NoteEnqueued(Tensor[] element) => NoteFirstShapes(i => element[i].Shape);

    /// <summary>Output specs of the dequeue ops: one element (<paramref name="batch"/> null) or a batch of that size (-1 unknown).</summary>
    internal TensorSpec[] OutputSpecs(string op, int? batch)
    {
        var known = shapes ?? Volatile.Read(ref firstShapes) ?? throw new ArgumentException(
            $"{op} on {Describe}: the queue has no component shapes and nothing was enqueued yet, so the graph cannot know what it returns. " +
            "Create the queue with shapes (e.g. new FIFOQueue(capacity, dtypes, shapes)), or build its enqueue op first: the dequeue then takes the shapes of the first enqueue.");
        return dtypes.Select((d, i) => new TensorSpec(known[i].IsUnknownRank ? Shape.Unknown : batch is { } b ? Shape.Wrap([b, .. known[i]]) : known[i], d)).ToArray();
    }
}
