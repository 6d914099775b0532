namespace Eager.NN;

/// <summary>The batches of one Fit, Evaluate or Predict input: rows of tensors (shuffled per pass when asked) or the
/// elements of a Dataset, each [x] or [x, y]. Learns the number of steps of a Dataset from its first pass.</summary>
internal sealed class BatchSource
{
    private readonly Func<IEnumerable<(Tensor X, Tensor? Y)>> pass;

    private BatchSource(Func<IEnumerable<(Tensor X, Tensor? Y)>> pass, int? steps)
    {
        this.pass = pass;
        Steps = steps;
    }

    /// <summary>Batches per pass; null until a Dataset has been through once.</summary>
    public int? Steps { get; private set; }

    public IEnumerable<(Tensor X, Tensor? Y)> Pass()
    {
        int n = 0;
        foreach (var b in pass())
        {
            n++;
            yield return b;
        }
        Steps = n;
    }

    /// <summary>Batches of <paramref name="batchSize"/> rows (the last one smaller), in a new random order every pass when <paramref name="shuffle"/> is given.</summary>
    public static BatchSource FromTensors(Tensor x, Tensor? y, int batchSize, Random? shuffle, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"{op}: batchSize must be positive, got {batchSize}.");
        if (x.Rank == 0) throw new ArgumentException($"{op}: x must have a batch dimension, got the scalar {x.DType.Name()}{x.Shape}.", nameof(x));
        if (x.IsSymbolic || y is { IsSymbolic: true }) throw new ArgumentException($"{op}: x and y must be concrete tensors, not graph tensors.");
        int n = x.Shape[0];
        if (y is not null && (y.Rank == 0 || y.Shape[0] != n))
            throw new ArgumentException($"{op}: x is {x.DType.Name()}{x.Shape} and y is {y.DType.Name()}{y.Shape}; they need the same number of rows (first dimension).", nameof(y));
        IEnumerable<(Tensor, Tensor?)> Batches()
        {
            var order = Enumerable.Range(0, n).ToArray();
            if (shuffle is not null) shuffle.Shuffle(order);
            for (int start = 0; start < n; start += batchSize)
            {
                var idx = Tensor.From(order[start..Math.Min(n, start + batchSize)]);
                Tensor bx, by;
                using (Graph.EagerScope())
                using (GradientTape.NoGradient())
                {
                    bx = Ops.Gather(x, idx);
                    by = y is null ? null! : Ops.Gather(y, idx);
                }
                yield return (bx, y is null ? null : by);
            }
        }
        return new BatchSource(Batches, (n + batchSize - 1) / batchSize);
    }

    /// <summary>The elements of <paramref name="data"/> as batches; with <paramref name="needsTargets"/> each must be [x, y].</summary>
    public static BatchSource FromDataset(Dataset data, bool needsTargets, string op)
    {
        ArgumentNullException.ThrowIfNull(data);
        IEnumerable<(Tensor, Tensor?)> Batches()
        {
            foreach (var e in data)
            {
                if (needsTargets && e.Length < 2)
                    throw new ArgumentException($"{op}: the dataset {data.Description} gives elements of {e.Length} component(s); training and evaluation need [x, y] batches.");
                if (e[0].Rank == 0)
                    throw new ArgumentException($"{op}: the dataset {data.Description} gives scalar x; batch it first (.Batch(32)).");
                yield return (e[0], e.Length > 1 ? e[1] : null);
            }
        }
        return new BatchSource(Batches, null);
    }

    /// <summary>Splits off the last <paramref name="fraction"/> of the rows (before any shuffling, as Keras does).</summary>
    public static ((Tensor X, Tensor Y) Train, (Tensor X, Tensor Y) Validation) Split(Tensor x, Tensor y, double fraction, string op)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"{op}: validationSplit must be in [0, 1), got {fraction}.");
        int n = x.Shape[0], cut = n - (int)Math.Round(n * fraction);
        if (cut <= 0 || cut >= n)
            throw new ArgumentException($"{op}: validationSplit {fraction} of {n} rows leaves {cut} for training and {n - cut} for validation; both need at least one.");
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
        {
            var head = Tensor.From(Enumerable.Range(0, cut).ToArray());
            var tail = Tensor.From(Enumerable.Range(cut, n - cut).ToArray());
            return ((Ops.Gather(x, head), Ops.Gather(y, head)), (Ops.Gather(x, tail), Ops.Gather(y, tail)));
        }
    }
}
