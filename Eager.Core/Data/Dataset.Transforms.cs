namespace Eager;

// Sequential transformations: each returns a new Dataset whose passes pull from a fresh pass of this one.
public sealed partial class Dataset
{
    /// <summary>Keeps the elements for which <paramref name="predicate"/> is true.</summary>
    public Dataset Filter(Func<Tensor[], bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Then(() => this.Where(predicate), "Filter()");
    }

    /// <summary>The first <paramref name="count"/> elements (all when negative).</summary>
    public Dataset Take(long count) => Then(() => count < 0 ? this : TakeIterator(this, count), $"Take({count})");

    /// <summary>Everything after the first <paramref name="count"/> elements (nothing when negative).</summary>
    public Dataset Skip(long count) => Then(() => count < 0 ? [] : SkipIterator(this, count), $"Skip({count})");

    /// <summary>
    /// Every <paramref name="count"/>-th element starting at <paramref name="index"/> (tf.data's shard): worker
    /// <paramref name="index"/> of <paramref name="count"/> sees a disjoint part, and together the workers see every element
    /// once. Shard before Shuffle and Batch, with the same seeds on every worker, so the parts stay disjoint.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">count is below 1, or index is outside [0, count).</exception>
    public Dataset Shard(int count, int index)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"Dataset.Shard: count must be at least 1, got {count}.");
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), $"Dataset.Shard: index must be in [0, {count}), got {index}.");
        return count == 1 ? this : Then(() => ShardIterator(this, count, index), $"Shard({count}, {index})");
    }

    private static IEnumerable<Tensor[]> ShardIterator(Dataset source, int count, int index)
    {
        long i = 0;
        foreach (var e in source)
            if (i++ % count == index) yield return e;
    }

    private static IEnumerable<Tensor[]> TakeIterator(Dataset source, long count)
    {
        if (count == 0) yield break;
        long i = 0;
        foreach (var e in source)
        {
            yield return e;
            if (++i == count) yield break;
        }
    }

    private static IEnumerable<Tensor[]> SkipIterator(Dataset source, long count)
    {
        long i = 0;
        foreach (var e in source)
            if (i++ >= count) yield return e;
    }

    /// <summary>Passes over this dataset <paramref name="count"/> times (forever when negative). Each pass is a new
    /// epoch: a Shuffle upstream reshuffles unless told not to.</summary>
    public Dataset Repeat(int count = -1) => Then(() => RepeatIterator(this, count), count < 0 ? "Repeat()" : $"Repeat({count})");

    private static IEnumerable<Tensor[]> RepeatIterator(Dataset source, int count)
    {
        for (int pass = 0; count < 0 || pass < count; pass++)
        {
            bool any = false;
            foreach (var e in source) { any = true; yield return e; }
            if (!any) yield break; // an empty dataset repeated forever is still empty
        }
    }

    /// <summary>
    /// Shuffles with a buffer (TensorFlow's algorithm): the buffer is filled with the first
    /// <paramref name="bufferSize"/> elements, then each output is a random pick from it, replaced by the next input.
    /// A buffer as large as the dataset gives a uniform shuffle.
    /// </summary>
    /// <param name="bufferSize">Elements held for mixing; at least 1.</param>
    /// <param name="seed">Seed for a reproducible order; null picks one at random once.</param>
    /// <param name="reshuffleEachIteration">Use a different (still seed-determined) order on every pass.</param>
    public Dataset Shuffle(int bufferSize, int? seed = null, bool reshuffleEachIteration = true)
    {
        if (bufferSize < 1) throw new ArgumentException($"Dataset.Shuffle: bufferSize must be at least 1, got {bufferSize}.", nameof(bufferSize));
        long baseSeed = seed ?? (long)System.Random.Shared.NextInt64();
        long passes = -1;
        return Then(() =>
        {
            long pass = Interlocked.Increment(ref passes);
            return ShuffleIterator(this, bufferSize, reshuffleEachIteration ? SeededRandom.Derive(baseSeed, pass) : baseSeed);
        }, $"Shuffle({bufferSize}{(seed.HasValue ? $", seed {seed}" : "")})");
    }

    private static IEnumerable<Tensor[]> ShuffleIterator(Dataset source, int bufferSize, long seed)
    {
        var random = new SeededRandom(seed);
        var buffer = new List<Tensor[]>(Math.Min(bufferSize, 1 << 16));
        using var e = source.GetEnumerator();
        while (buffer.Count < bufferSize && e.MoveNext()) buffer.Add(e.Current);
        while (buffer.Count > 0)
        {
            int i = random.Next(buffer.Count);
            var picked = buffer[i];
            if (e.MoveNext()) buffer[i] = e.Current;
            else { buffer[i] = buffer[^1]; buffer.RemoveAt(buffer.Count - 1); }
            yield return picked;
        }
    }

    /// <summary>
    /// Stacks <paramref name="batchSize"/> consecutive elements into one, each component gaining a leading
    /// batch dimension. The last batch is smaller unless <paramref name="dropRemainder"/>.
    /// </summary>
    /// <exception cref="ArgumentException">(on enumeration) elements of one batch differ in shape; use PaddedBatch.</exception>
    public Dataset Batch(int batchSize, bool dropRemainder = false)
    {
        CheckBatchSize(batchSize, "Batch");
        return Then(() => BatchIterator(this, batchSize, dropRemainder, (items, c) =>
            Batching.Stack(items, $"Dataset.Batch component {c}", "Use PaddedBatch for variable-length elements.")),
            $"Batch({batchSize}{(dropRemainder ? ", dropRemainder" : "")})",
            () => ElementSpec?.Select(sp => new TensorSpec(Shape.Wrap([dropRemainder ? batchSize : -1, .. sp.Shape]), sp.DType)).ToArray());
    }

    /// <summary>
    /// Like <see cref="Batch"/>, but pads every component to a common shape first: to
    /// <paramref name="paddedShapes"/> where given (-1 for "the largest in the batch"), otherwise to the largest
    /// size in each dimension, filling with <paramref name="paddingValues"/> (zero by default).
    /// </summary>
    /// <exception cref="ArgumentException">(on enumeration) an element is larger than its padded shape, or ranks differ.</exception>
    public Dataset PaddedBatch(int batchSize, Shape[]? paddedShapes = null, double[]? paddingValues = null, bool dropRemainder = false)
    {
        CheckBatchSize(batchSize, "PaddedBatch");
        var shapes = paddedShapes is null ? null : (Shape[])paddedShapes.Clone();
        var values = paddingValues is null ? null : (double[])paddingValues.Clone();
        return Then(() => BatchIterator(this, batchSize, dropRemainder, (items, c) =>
        {
            string what = $"Dataset.PaddedBatch component {c}";
            if (shapes is not null && c >= shapes.Length) throw new ArgumentException($"{what}: {shapes.Length} padded shapes given for more components.");
            if (values is not null && c >= values.Length) throw new ArgumentException($"{what}: {values.Length} padding values given for more components.");
            int rank = shapes?[c].Rank ?? items[0].Rank;
            var max = Batching.MaxShape(items, rank, what);
            var target = shapes is null ? max : Shape.Wrap(shapes[c].Select((d, i) => d < 0 ? max[i] : d).ToArray());
            return Batching.Pad(items, target, values?[c] ?? 0, what);
        }), $"PaddedBatch({batchSize}{(dropRemainder ? ", dropRemainder" : "")})",
            () => ElementSpec?.Select((sp, c) => new TensorSpec(Shape.Wrap([dropRemainder ? batchSize : -1,
                .. sp.Shape.Select((d, i) => shapes is not null && c < shapes.Length && shapes[c].Rank == sp.Shape.Rank && shapes[c][i] >= 0 ? shapes[c][i] : d)]),
                sp.DType)).ToArray());
    }

    private static void CheckBatchSize(int batchSize, string op)
    {
        if (batchSize < 1) throw new ArgumentException($"Dataset.{op}: batchSize must be at least 1, got {batchSize}.", nameof(batchSize));
    }

    private static IEnumerable<Tensor[]> BatchIterator(Dataset source, int batchSize, bool dropRemainder, Func<List<Tensor>, int, Tensor> combine)
    {
        var pending = new List<Tensor[]>(batchSize);
        foreach (var e in source)
        {
            if (pending.Count > 0 && e.Length != pending[0].Length)
                throw new InvalidOperationException($"Dataset.Batch: elements have {pending[0].Length} and {e.Length} components; a batch needs equal structure.");
            pending.Add(e);
            if (pending.Count == batchSize)
            {
                yield return Combine(pending, combine);
                pending.Clear();
            }
        }
        if (pending.Count > 0 && !dropRemainder) yield return Combine(pending, combine);
    }

    private static Tensor[] Combine(List<Tensor[]> elements, Func<List<Tensor>, int, Tensor> combine)
    {
        var result = new Tensor[elements[0].Length];
        for (int c = 0; c < result.Length; c++) result[c] = combine(elements.Select(e => e[c]).ToList(), c);
        return result;
    }

    /// <summary>Pairs this dataset's elements with <paramref name="other"/>'s (components concatenated); ends with the shorter.</summary>
    public Dataset Zip(Dataset other) => Zip([this, other]);

    /// <summary>Elements made of the components of each dataset's element in turn; ends with the shortest dataset.</summary>
    public static Dataset Zip(params Dataset[] datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        if (datasets.Length == 0 || datasets.Any(d => d is null)) throw new ArgumentException("Dataset.Zip: give at least one non-null dataset.", nameof(datasets));
        var parts = (Dataset[])datasets.Clone();
        IEnumerable<Tensor[]> Zipped()
        {
            var enumerators = new List<IEnumerator<Tensor[]>>();
            try
            {
                foreach (var d in parts) enumerators.Add(d.GetEnumerator());
                while (enumerators.All(e => e.MoveNext())) yield return enumerators.SelectMany(e => e.Current).ToArray();
            }
            finally
            {
                foreach (var e in enumerators) e.Dispose();
            }
        }
        return new Dataset(Zipped, $"Zip({string.Join(", ", parts.Select(p => p.Description))})",
            () => parts.All(p => p.ElementSpec is not null) ? [.. parts.SelectMany(p => p.ElementSpec!)] : null);
    }

    /// <summary>Keeps the elements of the first full pass in memory and replays them on later passes.</summary>
    public Dataset Cache()
    {
        List<Tensor[]>? cached = null;
        var gate = new object();
        IEnumerable<Tensor[]> Replay()
        {
            List<Tensor[]>? done;
            lock (gate) done = cached;
            if (done is not null)
            {
                foreach (var e in done) yield return e;
                yield break;
            }
            var filling = new List<Tensor[]>();
            foreach (var e in this) { filling.Add(e); yield return e; }
            lock (gate) cached ??= filling; // only a complete pass is cached
        }
        return Then(Replay, "Cache()");
    }
}
