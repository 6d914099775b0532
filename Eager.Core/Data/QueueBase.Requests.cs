namespace Eager;

// The machinery under the public queue API: one lock, two lists of pending requests served strictly in
// arrival order (as TensorFlow's QueueBase does), and a Flush that moves elements between them. Whoever
// changes the queue runs Flush under the lock, completing other threads' requests, then wakes the waiters.
public abstract partial class QueueBase
{
    private readonly object gate = new();
    private readonly LinkedList<Attempt> enqueues = new();
    private readonly LinkedList<Attempt> dequeues = new();
    private bool closed;

    /// <summary>Requests waiting now (for tests that need a producer or consumer to be blocked first).</summary>
    internal (int Enqueues, int Dequeues) Pending { get { lock (gate) return (enqueues.Count, dequeues.Count); } }

    /// <summary>One pending enqueue or dequeue request.</summary>
    private sealed class Attempt(bool enqueue)
    {
        public bool IsEnqueue { get; } = enqueue;
        public Tensor[][] Items { get; init; } = [];
        public int Next { get; set; }
        public int Requested { get; init; }
        public bool AllowSmall { get; init; }
        public List<Tensor[]> Taken { get; } = [];
        public bool Done { get; set; }
        public Func<Exception>? Error { get; set; }
        public LinkedListNode<Attempt>? Node { get; set; }
    }

    // Storage of the elements, by queue kind. Called only under the lock.
    private protected abstract int CountCore { get; }
    private protected abstract void PutCore(Tensor[] item);
    private protected abstract Tensor[] TakeCore();
    private protected abstract void PutBackCore(Tensor[] item);

    /// <summary>Queues a request, serves what can be served and waits for the rest. False only on a timeout
    /// with <paramref name="throwOnTimeout"/> false.</summary>
    private bool Run(Attempt a, string op, TimeSpan timeout, CancellationToken ct, bool throwOnTimeout = true)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), $"{Describe}.{op}: timeout {timeout} is negative.");
        ct.ThrowIfCancellationRequested();
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        // Registered outside the lock: disposing a registration waits for a running callback, which needs the lock.
        using var registration = ct.CanBeCanceled ? ct.Register(WakeAll) : default;
        lock (gate)
        {
            if (a.IsEnqueue && closed)
                throw new QueueClosedException($"{Describe} is closed: {op} is not allowed after Close (TensorFlow's CancelledError). " +
                    "Close a queue only after its last producer is done.");
            a.Node = (a.IsEnqueue ? enqueues : dequeues).AddLast(a);
            Flush();
            while (!a.Done)
            {
                if (ct.IsCancellationRequested)
                {
                    Abandon(a);
                    throw new OperationCanceledException($"{Describe}.{op} was cancelled while waiting; {AbandonNote(a)}", ct);
                }
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    Abandon(a);
                    if (!throwOnTimeout) return false;
                    throw new TimeoutException($"{Describe}.{op} timed out after {timeout.TotalMilliseconds} ms " +
                        $"(size {CountCore} of capacity {Capacity}); {AbandonNote(a)}");
                }
                Monitor.Wait(gate, (int)Math.Min(left, int.MaxValue));
            }
        }
        if (a.Error is not null) throw a.Error();
        return true;
    }

    private static string AbandonNote(Attempt a) => a.IsEnqueue
        ? $"{a.Next} of {a.Items.Length} elements had been added and stay in the queue."
        : "no elements were removed.";

    private void WakeAll()
    {
        lock (gate) Monitor.PulseAll(gate);
    }

    /// <summary>Withdraws a request that timed out or was cancelled; a dequeue's partial take goes back to the front.</summary>
    private void Abandon(Attempt a)
    {
        if (a.Node?.List is { } list) list.Remove(a.Node);
        if (!a.IsEnqueue) PutBack(a);
        Flush();
        Monitor.PulseAll(gate);
    }

    private void PutBack(Attempt a)
    {
        for (int i = a.Taken.Count - 1; i >= 0; i--) PutBackCore(a.Taken[i]);
        a.Taken.Clear();
    }

    /// <summary>Serves pending requests in arrival order until nothing moves. Called under the lock.</summary>
    private void Flush()
    {
        bool completed = false, moved;
        do
        {
            moved = false;
            while (enqueues.First is { } node)
            {
                var e = node.Value;
                while (e.Next < e.Items.Length && CountCore < Capacity) { PutCore(e.Items[e.Next++]); moved = true; }
                if (e.Next < e.Items.Length) break;
                e.Done = completed = true;
                enqueues.RemoveFirst();
            }
            while (dequeues.First is { } node)
            {
                var d = node.Value;
                if (closed && CountCore + d.Taken.Count < d.Requested)
                {
                    PutBack(d);
                    if (d.AllowSmall && CountCore > 0)
                    {
                        while (CountCore > 0) d.Taken.Add(TakeCore());
                    }
                    else
                    {
                        int left = CountCore;
                        d.Error = () => new OutOfRangeException(d.Requested == 1
                            ? $"{Describe} is closed and has no elements left (TensorFlow's OutOfRangeError): the input is exhausted."
                            : $"{Describe} is closed and has {left} elements, fewer than the {d.Requested} requested (TensorFlow's OutOfRangeError).");
                    }
                    d.Done = completed = moved = true;
                    dequeues.RemoveFirst();
                    continue;
                }
                int floor = closed ? 0 : MinAfterDequeue;
                while (d.Taken.Count < d.Requested && CountCore > floor) { d.Taken.Add(TakeCore()); moved = true; }
                if (d.Taken.Count < d.Requested) break;
                d.Done = completed = true;
                dequeues.RemoveFirst();
            }
        } while (moved);
        if (completed) Monitor.PulseAll(gate);
    }

    /// <summary>Checks one element against the queue's dtypes and shapes.</summary>
    private Tensor[] CheckElement(Tensor[] components, string op)
    {
        ArgumentNullException.ThrowIfNull(components);
        CheckCount(components, op);
        for (int i = 0; i < components.Length; i++)
        {
            var t = components[i];
            if (t.DType != dtypes[i] || (shapes is not null && !shapes[i].IsCompatibleWith(t.Shape)))
                throw new ArgumentException($"{Describe}.{op}: component {i}{ComponentName(i)} is {t.DType.Name()} {t.Shape}; " +
                    $"the queue expects {Expected(i)}.", nameof(components));
        }
        NoteEnqueued(components);
        return (Tensor[])components.Clone();
    }

    /// <summary>Checks a batch for EnqueueMany and slices it into elements (views, no copies).</summary>
    private Tensor[][] CheckBatch(Tensor[] components, string op)
    {
        ArgumentNullException.ThrowIfNull(components);
        CheckCount(components, op);
        int n = -1;
        for (int i = 0; i < components.Length; i++)
        {
            var t = components[i];
            if (t.Rank == 0)
                throw new ArgumentException($"{Describe}.{op}: component {i}{ComponentName(i)} is a scalar; EnqueueMany needs a batch dimension 0.", nameof(components));
            if (n >= 0 && t.Shape[0] != n)
                throw new ArgumentException($"{Describe}.{op}: component {i}{ComponentName(i)} has {t.Shape[0]} rows (shape {t.Shape}), " +
                    $"component 0 has {n}; every component needs the same batch size.", nameof(components));
            n = t.Shape[0];
            var row = new Shape(t.Shape.ToArray()[1..]);
            if (t.DType != dtypes[i] || (shapes is not null && !shapes[i].IsCompatibleWith(row)))
                throw new ArgumentException($"{Describe}.{op}: component {i}{ComponentName(i)} is {t.DType.Name()} {t.Shape}, " +
                    $"so its elements are {t.DType.Name()} {row}; the queue expects {Expected(i)}.", nameof(components));
        }
        var rowShapes = components.Select(Batching.RowShape).ToArray();
        NoteFirstShapes(i => rowShapes[i]);
        var rowStrides = components.Select(t => t.StridesArray[1..]).ToArray();
        var items = new Tensor[n][];
        for (int r = 0; r < n; r++)
        {
            items[r] = new Tensor[components.Length];
            for (int i = 0; i < components.Length; i++) items[r][i] = Batching.Slice(components[i], r, rowShapes[i], rowStrides[i]);
        }
        return items;
    }

    private void CheckCount(Tensor[] components, string op)
    {
        if (components.Length != dtypes.Length)
            throw new ArgumentException($"{Describe}.{op}: got {components.Length} components, the queue has {dtypes.Length} " +
                $"({string.Join(", ", Enumerable.Range(0, dtypes.Length).Select(Expected))}).", nameof(components));
        for (int i = 0; i < components.Length; i++)
        {
            if (components[i] is null) throw new ArgumentNullException(nameof(components), $"{Describe}.{op}: component {i} is null.");
            if (components[i].IsSymbolic)
                throw new ArgumentException($"{Describe}.{op}: component {i} is the graph tensor '{components[i].Name}'. " +
                    "Enqueue takes concrete tensors; inside a graph use queue.EnqueueOp(...) and run it in a Session.", nameof(components));
        }
    }

    private string ComponentName(int i) => names is null ? "" : $" ('{names[i]}')";

    private string Expected(int i) => shapes is null ? dtypes[i].Name() : $"{dtypes[i].Name()} {shapes[i]}";
}
