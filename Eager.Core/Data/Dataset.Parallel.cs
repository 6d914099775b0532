using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Eager;

// Transformations that use other threads: parallel Map and Prefetch. Both keep the element order and hand a
// worker's exception to the consumer (original type and stack), and both stop their workers when the
// consumer stops enumerating.
public sealed partial class Dataset
{
    /// <summary>
    /// Applies <paramref name="fn"/> to every element. With a <paramref name="degreeOfParallelism"/> above 1 that many
    /// elements are mapped at once on the thread pool, and results still come out in input order.
    /// </summary>
    /// <param name="fn">Maps an element's components to new components; must be thread-safe when run in parallel.</param>
    /// <param name="degreeOfParallelism">Elements mapped concurrently; <see cref="Autotune"/> for one per processor.</param>
    public Dataset Map(Func<Tensor[], Tensor[]> fn, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(fn);
        int dop = Parallelism(degreeOfParallelism, "Map");
        Tensor[] Apply(Tensor[] e) => fn(e) ?? throw new InvalidOperationException("Dataset.Map: the function returned null; return the new components.");
        return Then(() => dop == 1 ? this.Select(Apply) : ParallelMapIterator(this, Apply, dop),
            dop == 1 ? "Map()" : $"Map(parallel {dop})", () => TraceSpec(ElementSpec, fn));
    }

    /// <summary>The output spec of a map function, found as TensorFlow does: by calling it on placeholders in a scratch
    /// graph. Null when the input spec is unknown or the function cannot be traced (it reads values, say).</summary>
    private static TensorSpec[]? TraceSpec(IReadOnlyList<TensorSpec>? input, Func<Tensor[], Tensor[]> fn)
    {
        if (input is null) return null;
        try
        {
            using (Graph.EagerScope())
            using (GradientTape.NoGradient())
            {
                var g = new Graph();
                using (g.AsDefault())
                    return fn([.. input.Select((sp, i) => Ops.Placeholder(sp.DType, sp.Shape, $"component{i}"))])?.Select(TensorSpec.Of).ToArray();
            }
        }
        catch (Exception)
        {
            return null; // the pipeline still runs; only graph iterators need the spec, and they say so
        }
    }

    /// <summary>Map for single-component elements: <c>ds.Map(x => x * 2f)</c>.</summary>
    public Dataset Map(Func<Tensor, Tensor> fn, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(fn);
        return Map(e => e.Length == 1
            ? [fn(e[0])]
            : throw new InvalidOperationException($"Dataset.Map: the function takes one tensor, but elements have {e.Length} components; use Map(Func<Tensor[], Tensor[]>)."),
            degreeOfParallelism);
    }

    /// <summary>Map for two-component elements, e.g. (image, label): <c>ds.Map((x, y) => [x / 255f, y])</c>.</summary>
    public Dataset Map(Func<Tensor, Tensor, Tensor[]> fn, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(fn);
        return Map(e => e.Length == 2
            ? fn(e[0], e[1])
            : throw new InvalidOperationException($"Dataset.Map: the function takes two tensors, but elements have {e.Length} components."),
            degreeOfParallelism);
    }

    private static int Parallelism(int requested, string op)
    {
        if (requested == Autotune) return Environment.ProcessorCount;
        if (requested < 1) throw new ArgumentException($"Dataset.{op}: degree of parallelism must be at least 1 (or Dataset.Autotune), got {requested}.");
        return requested;
    }

    private static IEnumerable<Tensor[]> ParallelMapIterator(Dataset source, Func<Tensor[], Tensor[]> fn, int dop)
    {
        // A sliding window of in-flight tasks, awaited in input order: order is kept and at most dop run at once.
        var window = new Queue<Task<Tensor[]>>(dop);
        try
        {
            using var e = source.GetEnumerator();
            while (true)
            {
                while (window.Count < dop && e.MoveNext())
                {
                    var element = e.Current;
                    window.Enqueue(Task.Run(() => fn(element)));
                }
                if (window.Count == 0) yield break;
                yield return window.Dequeue().GetAwaiter().GetResult(); // rethrows the worker's exception as is
            }
        }
        finally
        {
            // The consumer stopped or failed: let in-flight work finish so nothing outlives the pass.
            foreach (var t in window)
            {
                try { t.Wait(); }
                catch (AggregateException) { }
            }
        }
    }

    /// <summary>
    /// Produces up to <paramref name="bufferSize"/> elements ahead on a background thread, so the pipeline
    /// upstream runs while the consumer computes. Usually the last step of a pipeline.
    /// </summary>
    /// <param name="bufferSize">Elements produced ahead; <see cref="Autotune"/> for one per processor (at least 2).</param>
    public Dataset Prefetch(int bufferSize)
    {
        int n = bufferSize == Autotune ? Math.Max(2, Environment.ProcessorCount) : bufferSize;
        if (n < 1) throw new ArgumentException($"Dataset.Prefetch: bufferSize must be at least 1 (or Dataset.Autotune), got {bufferSize}.", nameof(bufferSize));
        return Then(() => PrefetchIterator(this, n), $"Prefetch({n})");
    }

    private static IEnumerable<Tensor[]> PrefetchIterator(Dataset source, int bufferSize)
    {
        using var stop = new CancellationTokenSource();
        using var buffer = new BlockingCollection<(Tensor[]? Element, ExceptionDispatchInfo? Error)>(bufferSize);
        var producer = new Thread(() =>
        {
            try
            {
                foreach (var e in source) buffer.Add((e, null), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                try { buffer.Add((null, ExceptionDispatchInfo.Capture(ex)), stop.Token); }
                catch (OperationCanceledException) { return; }
            }
            buffer.CompleteAdding();
        })
        { IsBackground = true, Name = "Dataset.Prefetch" };
        producer.Start();
        try
        {
            foreach (var (element, error) in buffer.GetConsumingEnumerable())
            {
                error?.Throw();
                yield return element!;
            }
        }
        finally
        {
            stop.Cancel();
            producer.Join(); // the upstream pass is disposed on the producer thread before the buffer goes away
        }
    }
}
