namespace Eager;

/// <summary>
/// One pass over a <see cref="Dataset"/> that can be pulled from graph code (TensorFlow 1's
/// <c>dataset.make_one_shot_iterator().get_next()</c>): <see cref="GetNext"/> gives symbolic tensors while a graph is
/// being built, and every Session run that needs them takes the next element. At the end of the data a run throws
/// <see cref="OutOfRangeException"/>; <see cref="Reset"/> (or <see cref="ResetOp"/> in a graph) starts a new pass.
/// Thread-safe: concurrent runs each get a different element.
/// <code>
/// var it = Dataset.FromTensorSlices(xs, ys).Batch(32, dropRemainder: true).MakeIterator();
/// using (g.AsDefault()) { var next = it.GetNext(); var loss = Loss(model(next[0]), next[1]); ... }
/// try { while (true) sess.Run(train); } catch (OutOfRangeException) { }
/// </code>
/// </summary>
public sealed class DatasetIterator
{
    private readonly object gate = new();
    private IEnumerator<Tensor[]>? current;

    internal DatasetIterator(Dataset dataset, TensorSpec[] elementSpec)
    {
        Dataset = dataset;
        ElementSpec = elementSpec;
    }

    /// <summary>The dataset iterated.</summary>
    public Dataset Dataset { get; }

    /// <summary>What every element is: the output specs of <see cref="GetNext"/>.</summary>
    public IReadOnlyList<TensorSpec> ElementSpec { get; }

    /// <summary>The next element: symbolic while a graph is being built (taken when a Session runs it), the element
    /// itself eagerly.</summary>
    /// <exception cref="OutOfRangeException">Eagerly, or when run: the pass is over.</exception>
    public Tensor[] GetNext() => Ops.IteratorGetNext(this);

    /// <summary>A graph op that starts a new pass when run.</summary>
    /// <exception cref="InvalidOperationException">No graph is being built (eager code calls <see cref="Reset"/>).</exception>
    public Operation ResetOp() => Ops.IteratorReset(this);

    /// <summary>Starts a new pass now (a reshuffling Shuffle gives a new order).</summary>
    public void Reset()
    {
        IEnumerator<Tensor[]>? old;
        lock (gate) { old = current; current = null; }
        old?.Dispose();
    }

    /// <summary>Takes the next element of the current pass (the kernel of IteratorGetNext).</summary>
    internal Tensor[] Next()
    {
        Tensor[] element;
        lock (gate)
        {
            current ??= Dataset.GetEnumerator();
            if (!current.MoveNext())
                throw new OutOfRangeException($"DatasetIterator over {Dataset.Description}: end of sequence (TensorFlow's OutOfRangeError). " +
                    "Reset the iterator to start another pass.");
            element = current.Current;
        }
        if (element.Length != ElementSpec.Count || element.Where((t, i) => t.DType != ElementSpec[i].DType || !ElementSpec[i].Shape.IsCompatibleWith(t.Shape)).Any())
            throw new InvalidOperationException($"DatasetIterator over {Dataset.Description}: the element is " +
                $"[{string.Join(", ", element.Select(t => $"{t.DType.Name()} {t.Shape}"))}], the iterator's spec says " +
                $"[{string.Join(", ", ElementSpec.Select(s => $"{s.DType.Name()} {s.Shape}"))}]. Pass a spec that fits every element (-1 for dims that vary).");
        return element;
    }
}

public sealed partial class Dataset
{
    /// <summary>
    /// An iterator whose <see cref="DatasetIterator.GetNext"/> works in graphs. The element spec comes from
    /// <paramref name="elementSpec"/> or else from <see cref="ElementSpec"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No spec was given and the dataset's is unknown.</exception>
    public DatasetIterator MakeIterator(params TensorSpec[] elementSpec)
    {
        ArgumentNullException.ThrowIfNull(elementSpec);
        var known = elementSpec.Length > 0 ? elementSpec : ElementSpec?.ToArray();
        if (known is null)
            throw new InvalidOperationException($"Dataset.MakeIterator: the element spec of {Description} is not known without running it " +
                "(elements from an enumerable, or a Map that cannot be traced); pass it: MakeIterator(new TensorSpec(shape, dtype), ...).");
        return new DatasetIterator(this, [.. known]);
    }
}
