namespace Eager;

/// <summary>
/// A first-in, first-out queue of tensor tuples (TensorFlow's tf.queue.FIFOQueue).
/// <code>
/// var q = new FIFOQueue(capacity: 4, DType.Float32);
/// q.Enqueue(Tensor.Scalar(1f)); Tensor[] item = q.Dequeue(); q.Close();
/// </code>
/// See <see cref="QueueBase"/> for blocking, closing and cancellation.
/// </summary>
public class FIFOQueue : QueueBase
{
    private readonly LinkedList<Tensor[]> items = new();

    /// <summary>A queue whose elements have one component per dtype, of any shape.</summary>
    /// <param name="capacity">The most elements held; enqueue blocks beyond it.</param>
    /// <param name="dtypes">The dtype of each component.</param>
    public FIFOQueue(int capacity, params DType[] dtypes) : this(capacity, dtypes, null) { }

    /// <summary>A queue with optional fixed shapes and names for its components.</summary>
    /// <param name="capacity">The most elements held; enqueue blocks beyond it.</param>
    /// <param name="dtypes">The dtype of each component.</param>
    /// <param name="shapes">The fully defined shape of each component, checked on enqueue; null for any shape.</param>
    /// <param name="names">Component names, for <see cref="QueueBase.DequeueDictionary"/>; null for none.</param>
    /// <param name="name">The queue's name in messages and graphs.</param>
    public FIFOQueue(int capacity, DType[] dtypes, Shape[]? shapes, string[]? names = null, string name = "fifo_queue")
        : this(capacity, dtypes, shapes, names, name, allowUnknownDims: false) { }

    private protected FIFOQueue(int capacity, DType[] dtypes, Shape[]? shapes, string[]? names, string name, bool allowUnknownDims)
        : base(capacity, dtypes, shapes, names, name, allowUnknownDims) { }

    private protected override int CountCore => items.Count;

    private protected override void PutCore(Tensor[] item) => items.AddLast(item);

    private protected override Tensor[] TakeCore()
    {
        var first = items.First!.Value;
        items.RemoveFirst();
        return first;
    }

    private protected override void PutBackCore(Tensor[] item) => items.AddFirst(item);
}

/// <summary>
/// A FIFO queue for variable-length elements (TensorFlow's PaddingFIFOQueue): component shapes may have
/// unknown (-1) dimensions, and DequeueMany/DequeueUpTo pad every element of a batch with zeros to the
/// largest size in each dimension.
/// </summary>
public sealed class PaddingFIFOQueue : FIFOQueue
{
    /// <summary>Creates the queue; <paramref name="shapes"/> are required and may contain -1.</summary>
    /// <param name="capacity">The most elements held.</param>
    /// <param name="dtypes">The dtype of each component.</param>
    /// <param name="shapes">The shape of each component, -1 for a variable dimension (the rank is fixed).</param>
    /// <param name="names">Optional component names.</param>
    /// <param name="name">The queue's name.</param>
    public PaddingFIFOQueue(int capacity, DType[] dtypes, Shape[] shapes, string[]? names = null, string name = "padding_fifo_queue")
        : base(capacity, dtypes, shapes ?? throw new ArgumentNullException(nameof(shapes), "PaddingFIFOQueue needs a shape per component (use -1 for variable dimensions)."),
               names, name, allowUnknownDims: true) { }

    private protected override Tensor BatchComponent(List<Tensor> items, int component, string what)
    {
        var declared = Shapes![component];
        var target = Batching.MaxShape(items, declared.Rank, what);
        return Batching.Pad(items, target, 0, what);
    }
}

/// <summary>
/// A queue that dequeues elements in random order (TensorFlow's RandomShuffleQueue). Dequeues wait until
/// more than <see cref="MinAfterDequeue"/> elements are held, so that each pick is mixed from a large enough
/// pool; once the queue is closed the floor no longer applies and the remainder drains. With a seed the
/// order is reproducible for a given order of enqueues.
/// </summary>
public sealed class RandomShuffleQueue : QueueBase
{
    private readonly List<Tensor[]> items = [];
    private readonly SeededRandom random;
    private readonly int minAfterDequeue;

    /// <summary>A shuffling queue with components of any shape.</summary>
    public RandomShuffleQueue(int capacity, int minAfterDequeue, params DType[] dtypes)
        : this(capacity, minAfterDequeue, dtypes, seed: null) { }

    /// <summary>A shuffling queue.</summary>
    /// <param name="capacity">The most elements held.</param>
    /// <param name="minAfterDequeue">Elements kept back for mixing; must be below the capacity.</param>
    /// <param name="dtypes">The dtype of each component.</param>
    /// <param name="seed">Seed for the dequeue order; null for a random one.</param>
    /// <param name="shapes">Optional fully defined shape of each component.</param>
    /// <param name="names">Optional component names.</param>
    /// <param name="name">The queue's name.</param>
    public RandomShuffleQueue(int capacity, int minAfterDequeue, DType[] dtypes, int? seed, Shape[]? shapes = null, string[]? names = null,
        string name = "random_shuffle_queue")
        : base(capacity, dtypes, shapes, names, name, allowUnknownDims: false)
    {
        if (minAfterDequeue < 0 || minAfterDequeue >= capacity)
            throw new ArgumentException($"RandomShuffleQueue '{name}': minAfterDequeue must be in [0, capacity) = [0, {capacity}), got {minAfterDequeue}.",
                nameof(minAfterDequeue));
        this.minAfterDequeue = minAfterDequeue;
        random = new SeededRandom(seed);
    }

    /// <inheritdoc/>
    public override int MinAfterDequeue => minAfterDequeue;

    private protected override int CountCore => items.Count;

    private protected override void PutCore(Tensor[] item) => items.Add(item);

    private protected override Tensor[] TakeCore()
    {
        int i = random.Next(items.Count);
        var picked = items[i];
        items[i] = items[^1];
        items.RemoveAt(items.Count - 1);
        return picked;
    }

    private protected override void PutBackCore(Tensor[] item) => items.Add(item);
}
