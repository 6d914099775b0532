using System.Collections;

namespace Eager;

/// <summary>
/// An input pipeline in the style of tf.data: a recipe for a sequence of elements, each a <c>Tensor[]</c>
/// (one tensor per component), built from a source and chained transformations. Nothing runs until it
/// is enumerated; each enumeration is a fresh pass (an epoch) over the source.
/// <code>
/// var batches = Dataset.FromTensorSlices(images, labels)
///     .Shuffle(bufferSize: 1000, seed: 5)
///     .Map(e => [e[0] / 255f, e[1]], degreeOfParallelism: 4)
///     .Batch(32)
///     .Prefetch(2);
/// foreach (Tensor[] batch in batches) Train(batch[0], batch[1]);
/// await foreach (Tensor[] batch in batches) await TrainAsync(batch[0], batch[1]);
/// </code>
/// </summary>
/// <remarks>
/// Enumeration is deterministic for given seeds (parallel Map keeps the order). An exception in a
/// transformation, also one thrown on a Map or Prefetch worker, surfaces to the consumer with its type and
/// stack. Datasets support <c>await foreach</c> through <see cref="GetAsyncEnumerator"/> and
/// <see cref="AsAsyncEnumerable"/>; they do not implement IAsyncEnumerable themselves, so that LINQ calls on a
/// dataset stay unambiguous.
/// </remarks>
public sealed partial class Dataset : IEnumerable<Tensor[]>
{
    /// <summary>Pass as a degree of parallelism or prefetch size to use one per processor (TensorFlow's AUTOTUNE).</summary>
    public const int Autotune = -1;

    private readonly Func<IEnumerable<Tensor[]>> iterate;
    private readonly Lazy<TensorSpec[]?> spec;

    private Dataset(Func<IEnumerable<Tensor[]>> iterate, string description, Func<TensorSpec[]?>? spec)
    {
        this.iterate = iterate;
        Description = description;
        this.spec = new Lazy<TensorSpec[]?>(spec ?? (() => null));
    }

    /// <summary>
    /// The dtype and shape of each component of every element, where known without running the pipeline
    /// (-1 for a dimension that varies, such as the size of a last, smaller batch); null when unknown (elements from
    /// an enumerable, or a Map whose function cannot be traced). Graph iterators need it.
    /// </summary>
    public IReadOnlyList<TensorSpec>? ElementSpec => spec.Value;

    /// <summary>The chain of operations that builds this dataset, e.g. "FromTensorSlices((10,)).Batch(4)".</summary>
    public string Description { get; }

    /// <summary>Starts a new pass over the dataset.</summary>
    public IEnumerator<Tensor[]> GetEnumerator() => iterate().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Starts a new pass for <c>await foreach</c>. Each element is produced on the thread pool, so the awaiting
    /// thread never blocks; cancellation is checked between elements.
    /// </summary>
    public async IAsyncEnumerator<Tensor[]> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        using var e = GetEnumerator();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await Task.Run(e.MoveNext, cancellationToken)) yield break;
            yield return e.Current;
        }
    }

    /// <summary>This dataset as an <see cref="IAsyncEnumerable{T}"/> (for WithCancellation and async LINQ).</summary>
    public IAsyncEnumerable<Tensor[]> AsAsyncEnumerable() => new AsyncView(this);

    private sealed class AsyncView(Dataset dataset) : IAsyncEnumerable<Tensor[]>
    {
        public IAsyncEnumerator<Tensor[]> GetAsyncEnumerator(CancellationToken cancellationToken = default) => dataset.GetAsyncEnumerator(cancellationToken);
    }

    /// <inheritdoc/>
    public override string ToString() => "Dataset " + Description;

    /// <summary>The next step of the chain; its elements have this dataset's spec unless <paramref name="nextSpec"/> says otherwise.</summary>
    private Dataset Then(Func<IEnumerable<Tensor[]>> next, string step, Func<TensorSpec[]?>? nextSpec = null) =>
        new(next, Description + "." + step, nextSpec ?? (() => spec.Value));

    /// <summary>One element per row of the inputs: slices every component along axis 0 (views, no copies).</summary>
    /// <param name="components">Tensors of rank 1 or more with equal first dimensions.</param>
    /// <exception cref="ArgumentException">No components, a scalar component, or unequal first dimensions.</exception>
    public static Dataset FromTensorSlices(params Tensor[] components)
    {
        CheckComponents(components, "FromTensorSlices");
        int n = -1;
        for (int i = 0; i < components.Length; i++)
        {
            var t = components[i];
            if (t.Rank == 0) throw new ArgumentException($"Dataset.FromTensorSlices: component {i} is a scalar; slicing needs a first dimension.", nameof(components));
            if (n >= 0 && t.Shape[0] != n)
                throw new ArgumentException($"Dataset.FromTensorSlices: component {i} has shape {t.Shape}, component 0 has {n} rows; " +
                    "every component needs the same first dimension.", nameof(components));
            n = t.Shape[0];
        }
        var parts = (Tensor[])components.Clone();
        var rowShapes = parts.Select(Batching.RowShape).ToArray();
        var rowStrides = parts.Select(p => p.StridesArray[1..]).ToArray();
        IEnumerable<Tensor[]> Slices()
        {
            for (int r = 0; r < n; r++)
            {
                var element = new Tensor[parts.Length];
                for (int c = 0; c < element.Length; c++) element[c] = Batching.Slice(parts[c], r, rowShapes[c], rowStrides[c]);
                yield return element;
            }
        }
        return new Dataset(Slices, $"FromTensorSlices({string.Join(", ", parts.Select(p => p.Shape))})",
            () => [.. parts.Select((p, i) => new TensorSpec(rowShapes[i], p.DType))]);
    }

    /// <summary>A dataset of exactly one element: the given components.</summary>
    public static Dataset FromTensors(params Tensor[] components)
    {
        CheckComponents(components, "FromTensors");
        var parts = (Tensor[])components.Clone();
        return new Dataset(() => [(Tensor[])parts.Clone()], $"FromTensors({string.Join(", ", parts.Select(p => p.Shape))})",
            () => [.. parts.Select(TensorSpec.Of)]);
    }

    /// <summary>Elements from an enumerable, enumerated again on every pass (iterator methods and collections can be).</summary>
    public static Dataset FromEnumerable(IEnumerable<Tensor[]> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        return new Dataset(() => Checked(elements, "FromEnumerable"), "FromEnumerable", null);
    }

    /// <summary>Single-component elements from an enumerable of tensors.</summary>
    public static Dataset FromEnumerable(IEnumerable<Tensor> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        return new Dataset(() => Checked(elements.Select(t => new[] { t }), "FromEnumerable"), "FromEnumerable", null);
    }

    /// <summary>Elements from a generator called once per pass (TensorFlow's from_generator).</summary>
    public static Dataset FromGenerator(Func<IEnumerable<Tensor[]>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return new Dataset(() => Checked(generator() ?? throw new InvalidOperationException("Dataset.FromGenerator: the generator returned null."), "FromGenerator"),
            "FromGenerator", null);
    }

    /// <summary>Elements dequeued from <paramref name="queue"/> until it is closed and drained.</summary>
    public static Dataset FromQueue(QueueBase queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        IEnumerable<Tensor[]> Drain()
        {
            while (true)
            {
                Tensor[] item;
                try { item = queue.Dequeue(); }
                catch (OutOfRangeException) { yield break; }
                yield return item;
            }
        }
        return new Dataset(Drain, $"FromQueue({queue.Name})",
            () => queue.Shapes is { } shapes ? [.. shapes.Select((sh, i) => new TensorSpec(sh, queue.DTypes[i]))] : null);
    }

    /// <summary>Scalars 0, 1, ..., stop-1 (int64, as in TensorFlow).</summary>
    public static Dataset Range(long stop) => Range(0, stop);

    /// <summary>Scalars start, start+step, ... before stop, of <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentException">step is zero.</exception>
    public static Dataset Range(long start, long stop, long step = 1, DType dtype = DType.Int64)
    {
        if (step == 0) throw new ArgumentException("Dataset.Range: step must not be zero.", nameof(step));
        IEnumerable<Tensor[]> Values()
        {
            for (long v = start; step > 0 ? v < stop : v > stop; v += step)
                yield return [dtype == DType.Int64 ? Tensor.Scalar(v) : Tensor.Scalar((double)v, dtype)];
        }
        return new Dataset(Values, $"Range({start}, {stop}, {step})", () => [new TensorSpec(Shape.Scalar, dtype)]);
    }

    private static void CheckComponents(Tensor[] components, string op)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Length == 0) throw new ArgumentException($"Dataset.{op}: give at least one component tensor.", nameof(components));
        for (int i = 0; i < components.Length; i++)
        {
            if (components[i] is null) throw new ArgumentNullException(nameof(components), $"Dataset.{op}: component {i} is null.");
            if (components[i].IsSymbolic)
                throw new ArgumentException($"Dataset.{op}: component {i} is the graph tensor '{components[i].Name}'; datasets hold concrete tensors.", nameof(components));
        }
    }

    private static IEnumerable<Tensor[]> Checked(IEnumerable<Tensor[]> source, string op)
    {
        long index = 0;
        foreach (var e in source)
        {
            if (e is null || e.Length == 0 || e.Any(t => t is null))
                throw new InvalidOperationException($"Dataset.{op}: element {index} is null, empty or has a null component.");
            index++;
            yield return e;
        }
    }
}
