namespace Eager;

/// <summary>
/// A bounded, thread-safe queue of tuples of tensors (TensorFlow's QueueBase): producers enqueue while the
/// training loop dequeues; enqueue blocks while the queue is full and dequeue while it is empty.
/// Every element has one tensor per component, each of the component's dtype (and shape, when given).
/// </summary>
/// <remarks>
/// Semantics follow TensorFlow exactly. Requests are served in arrival order. After <see cref="Close"/>,
/// enqueues fail with <see cref="QueueClosedException"/> while dequeues drain what remains and then throw
/// <see cref="OutOfRangeException"/>; enqueues already waiting when the queue is closed still complete as
/// room frees up, unless the queue is closed with <c>cancelPendingEnqueues</c>. A request that times out or
/// is cancelled takes nothing with it: a partly served DequeueMany puts its elements back at the front.
/// Every blocking call has overloads with a timeout (throws <see cref="TimeoutException"/>) and with a
/// <see cref="CancellationToken"/> (throws <see cref="OperationCanceledException"/>).
/// </remarks>
public abstract partial class QueueBase
{
    private readonly DType[] dtypes;
    private readonly Shape[]? shapes;
    private readonly string[]? names;

    private protected QueueBase(int capacity, DType[] dtypes, Shape[]? shapes, string[]? names, string name, bool allowUnknownDims)
    {
        ArgumentNullException.ThrowIfNull(dtypes);
        Name = name;
        string kind = GetType().Name;
        if (capacity <= 0) throw new ArgumentException($"{kind} '{name}': capacity must be positive, got {capacity}.", nameof(capacity));
        if (dtypes.Length == 0) throw new ArgumentException($"{kind} '{name}': give at least one component dtype.", nameof(dtypes));
        if (shapes is not null)
        {
            if (shapes.Length != dtypes.Length)
                throw new ArgumentException($"{kind} '{name}': {shapes.Length} shapes for {dtypes.Length} dtypes; give one shape per component.", nameof(shapes));
            foreach (var s in shapes)
            {
                if (!allowUnknownDims && !s.IsFullyDefined)
                    throw new ArgumentException($"{kind} '{name}': shape {s} has unknown dimensions; {kind} needs fully defined shapes. " +
                        "Use PaddingFIFOQueue for variable-length elements.", nameof(shapes));
            }
        }
        if (names is not null)
        {
            if (names.Length != dtypes.Length)
                throw new ArgumentException($"{kind} '{name}': {names.Length} names for {dtypes.Length} dtypes; give one name per component.", nameof(names));
            if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
                throw new ArgumentException($"{kind} '{name}': component names [{string.Join(", ", names)}] are not unique.", nameof(names));
        }
        Capacity = capacity;
        this.dtypes = (DType[])dtypes.Clone();
        this.shapes = shapes is null ? null : (Shape[])shapes.Clone();
        this.names = names is null ? null : (string[])names.Clone();
    }

    /// <summary>The queue's name (used in error messages and graph node names).</summary>
    public string Name { get; }

    /// <summary>The most elements the queue holds; enqueue blocks beyond it.</summary>
    public int Capacity { get; }

    /// <summary>The dtype of each component.</summary>
    public IReadOnlyList<DType> DTypes => dtypes;

    /// <summary>The shape of each component, or null when elements may have any shape.</summary>
    public IReadOnlyList<Shape>? Shapes => shapes;

    /// <summary>The name of each component, or null when components are unnamed.</summary>
    public IReadOnlyList<string>? Names => names;

    /// <summary>Elements that must stay in the queue after a dequeue (RandomShuffleQueue's mixing floor; 0 otherwise).</summary>
    public virtual int MinAfterDequeue => 0;

    /// <summary>Adds one element; blocks while the queue is full.</summary>
    /// <param name="components">One tensor per component, of the component's dtype and shape.</param>
    /// <exception cref="ArgumentException">A component has the wrong count, dtype or shape.</exception>
    /// <exception cref="QueueClosedException">The queue is closed, or was closed with cancelPendingEnqueues while waiting.</exception>
    public void Enqueue(params Tensor[] components) => Enqueue(components, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Adds one element, waiting at most <paramref name="timeout"/> for room.</summary>
    /// <exception cref="TimeoutException">No room freed up in time; nothing was added.</exception>
    public void Enqueue(Tensor[] components, TimeSpan timeout) => Enqueue(components, timeout, CancellationToken.None);

    /// <summary>Adds one element; waits for room until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="OperationCanceledException">Cancelled before there was room; nothing was added.</exception>
    public void Enqueue(Tensor[] components, CancellationToken cancellationToken) => Enqueue(components, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Adds one element, with both a timeout and a cancellation token.</summary>
    public void Enqueue(Tensor[] components, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var item = CheckElement(components, "Enqueue");
        Run(new Attempt(enqueue: true) { Items = [item] }, "Enqueue", timeout, cancellationToken);
    }

    /// <summary>Adds one element given by component name (the queue must have names).</summary>
    public void Enqueue(IReadOnlyDictionary<string, Tensor> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (names is null) throw new InvalidOperationException($"{Describe}.Enqueue: the queue has no component names; pass the tensors in order.");
        var missing = names.Where(n => !components.ContainsKey(n)).ToArray();
        var extra = components.Keys.Where(k => !names.Contains(k)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            throw new ArgumentException($"{Describe}.Enqueue: components are [{string.Join(", ", names)}]; " +
                $"missing [{string.Join(", ", missing)}], unknown [{string.Join(", ", extra)}].", nameof(components));
        Enqueue(names.Select(n => components[n]).ToArray());
    }

    /// <summary>
    /// Adds <c>components[i].Shape[0]</c> elements, slicing each component along axis 0. Elements go in one at
    /// a time as room frees up, so a batch larger than the capacity works.
    /// </summary>
    /// <exception cref="ArgumentException">Components disagree on the batch size, or a slice has the wrong dtype or shape.</exception>
    public void EnqueueMany(params Tensor[] components) => EnqueueMany(components, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>EnqueueMany with a timeout and a cancellation token. Elements added before the timeout stay.</summary>
    public void EnqueueMany(Tensor[] components, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var items = CheckBatch(components, "EnqueueMany");
        Run(new Attempt(enqueue: true) { Items = items }, "EnqueueMany", timeout, cancellationToken);
    }

    /// <summary>Removes the oldest element (a random one for RandomShuffleQueue); blocks while the queue is empty.</summary>
    /// <returns>One tensor per component.</returns>
    /// <exception cref="OutOfRangeException">The queue is closed and empty.</exception>
    public Tensor[] Dequeue() => Dequeue(Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>Dequeue waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No element arrived in time.</exception>
    public Tensor[] Dequeue(TimeSpan timeout) => Dequeue(timeout, CancellationToken.None);

    /// <summary>Dequeue waiting until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Tensor[] Dequeue(CancellationToken cancellationToken) => Dequeue(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Dequeue with both a timeout and a cancellation token.</summary>
    public Tensor[] Dequeue(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var a = new Attempt(enqueue: false) { Requested = 1 };
        Run(a, "Dequeue", timeout, cancellationToken);
        return a.Taken[0];
    }

    /// <summary>Dequeue without throwing: false when nothing arrived within <paramref name="timeout"/>
    /// (use <see cref="TimeSpan.Zero"/> to poll). Still throws OutOfRangeException on a closed, empty queue.</summary>
    public bool TryDequeue(out Tensor[] components, TimeSpan timeout)
    {
        var a = new Attempt(enqueue: false) { Requested = 1 };
        if (!Run(a, "Dequeue", timeout, CancellationToken.None, throwOnTimeout: false)) { components = []; return false; }
        components = a.Taken[0];
        return true;
    }

    /// <summary>Dequeue returning components by name (the queue must have names).</summary>
    public IReadOnlyDictionary<string, Tensor> DequeueDictionary()
    {
        if (names is null) throw new InvalidOperationException($"{Describe}.DequeueDictionary: the queue has no component names; use Dequeue.");
        var item = Dequeue();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) result[names[i]] = item[i];
        return result;
    }

    /// <summary>
    /// Removes <paramref name="n"/> elements and stacks each component along a new axis 0 (shape (n, ...)).
    /// Blocks until n elements have arrived; n may exceed the capacity.
    /// </summary>
    /// <exception cref="OutOfRangeException">The queue is closed with fewer than n elements; none are removed.</exception>
    public Tensor[] DequeueMany(int n) => DequeueMany(n, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>DequeueMany with a timeout and a cancellation token; on either, elements taken go back to the front.</summary>
    public Tensor[] DequeueMany(int n, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        DequeueBatch(n, "DequeueMany", allowSmall: false, timeout, cancellationToken);

    /// <summary>
    /// Like <see cref="DequeueMany(int)"/>, except that on a closed queue holding fewer than n (but some)
    /// elements it returns those at once instead of throwing.
    /// </summary>
    /// <exception cref="OutOfRangeException">The queue is closed and empty.</exception>
    public Tensor[] DequeueUpTo(int n) => DequeueUpTo(n, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>DequeueUpTo with a timeout and a cancellation token.</summary>
    public Tensor[] DequeueUpTo(int n, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        DequeueBatch(n, "DequeueUpTo", allowSmall: true, timeout, cancellationToken);

    private Tensor[] DequeueBatch(int n, string op, bool allowSmall, TimeSpan timeout, CancellationToken ct)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"{Describe}.{op}: n must be non-negative, got {n}.");
        if (n == 0)
        {
            if (shapes is null || shapes.Any(s => !s.IsFullyDefined))
                throw new ArgumentException($"{Describe}.{op}(0): an empty batch needs fully defined component shapes.", nameof(n));
            return dtypes.Select((d, i) => Tensor.Zeros(new Shape([0, .. shapes[i]]), d)).ToArray();
        }
        var a = new Attempt(enqueue: false) { Requested = n, AllowSmall = allowSmall };
        Run(a, op, timeout, ct);
        var result = new Tensor[dtypes.Length];
        for (int c = 0; c < result.Length; c++)
            result[c] = BatchComponent(a.Taken.Select(t => t[c]).ToList(), c, $"{Describe}.{op} component {c}");
        return result;
    }

    /// <summary>Stacks one component of a dequeued batch; PaddingFIFOQueue pads here.</summary>
    private protected virtual Tensor BatchComponent(List<Tensor> items, int component, string what) =>
        Batching.Stack(items, what, "Give the queue fixed shapes, or use PaddingFIFOQueue to pad variable-length elements.");

    /// <summary>The number of elements in the queue now.</summary>
    public int Size { get { lock (gate) return CountCore; } }

    /// <summary>True after <see cref="Close"/>.</summary>
    public bool IsClosed { get { lock (gate) return closed; } }

    /// <summary>
    /// Closes the queue: later enqueues fail; dequeues drain what remains, then throw OutOfRangeException.
    /// </summary>
    /// <param name="cancelPendingEnqueues">Also fail enqueues that are blocked waiting for room now
    /// (otherwise they complete as consumers free room). Closing twice is allowed.</param>
    public void Close(bool cancelPendingEnqueues = false)
    {
        lock (gate)
        {
            closed = true;
            if (cancelPendingEnqueues)
            {
                foreach (var e in enqueues)
                {
                    e.Error = () => new QueueClosedException($"{Describe}: a pending enqueue was cancelled because the queue was closed with cancelPendingEnqueues.");
                    e.Done = true;
                }
                enqueues.Clear();
            }
            Flush();
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>"FIFOQueue 'name'" for messages.</summary>
    private protected string Describe => $"{GetType().Name} '{Name}'";

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Describe}(capacity={Capacity}, dtypes=[{string.Join(", ", dtypes.Select(d => d.Name()))}]" +
        (shapes is null ? "" : $", shapes=[{string.Join(", ", shapes)}]") + $", size={Size}{(IsClosed ? ", closed" : "")})";
}

/// <summary>Thrown by an enqueue on a closed queue (TensorFlow's CancelledError for queues).</summary>
public sealed class QueueClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public QueueClosedException(string message) : base(message) { }
}
