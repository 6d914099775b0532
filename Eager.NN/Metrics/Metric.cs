namespace Eager.NN;

/// <summary>
/// A running statistic over batches (Keras' Metric): <see cref="Result"/> after any number of updates,
/// <see cref="Reset"/> between epochs. Metrics read concrete values on the host: update them with eager
/// tensors (for example the outputs a traced training step returns). Thread-safe.
/// </summary>
public abstract class Metric
{
    private readonly object gate = new();
    private double total, count;

    /// <summary>Creates a metric named <paramref name="name"/>.</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The name shown in progress lines ("loss", "accuracy").</summary>
    public string Name { get; }

    /// <summary>The current value (0 before any update).</summary>
    public double Result() { lock (gate) return count == 0 ? 0 : total / count; }

    /// <summary>Updates from one batch's targets and predictions: what <c>Model.Fit</c> and <c>Model.Evaluate</c> call for
    /// each compiled metric. Metrics that are not a
    /// function of (targets, predictions), such as <see cref="Mean"/>, cannot be compiled into a model.</summary>
    /// <exception cref="NotSupportedException">This metric does not take targets and predictions.</exception>
    public virtual void UpdateState(Tensor yTrue, Tensor yPred) =>
        throw new NotSupportedException($"{GetType().Name} '{Name}' is not computed from targets and predictions, so it cannot be a compiled metric; " +
                                        "use an accuracy metric or override UpdateState.");

    /// <summary>Forgets every update.</summary>
    public void Reset() { lock (gate) total = count = 0; }

    /// <summary>Adds <paramref name="sum"/> over <paramref name="n"/> observations.</summary>
    protected void Accumulate(double sum, double n) { lock (gate) { total += sum; count += n; } }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Result():0.####}";
}

/// <summary>The (weighted) mean of every value seen.</summary>
public sealed class Mean(string name = "mean") : Metric(name)
{
    /// <summary>Adds every element of <paramref name="values"/> (a scalar loss counts once), weighted when <paramref name="sampleWeight"/> is given.</summary>
    /// <exception cref="ArgumentException">The weights do not have the values' number of elements.</exception>
    public void Update(Tensor values, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToDoubleArray();
        if (sampleWeight is null) { Accumulate(v.Sum(), v.Length); return; }
        var w = sampleWeight.ToDoubleArray();
        if (w.Length != v.Length) throw new ArgumentException($"Mean '{Name}': {w.Length} weights for {v.Length} values.");
        Accumulate(v.Zip(w, (a, b) => a * b).Sum(), w.Sum());
    }

    /// <summary>Adds one value.</summary>
    public void Update(double value) => Accumulate(value, 1);
}

/// <summary>
/// A metric that compares targets and predictions position by position and reports the fraction that match
/// (the accuracy metrics). <see cref="Update"/> counts one batch.
/// </summary>
public abstract class AccuracyMetric : Metric
{
    private protected AccuracyMetric(string name) : base(name) { }

    /// <inheritdoc/>
    public sealed override void UpdateState(Tensor yTrue, Tensor yPred) => Update(yTrue, yPred);

    /// <summary>Counts the positions of one batch where the prediction matches the target.</summary>
    /// <exception cref="ArgumentException">The shapes do not fit (each metric says what it expects).</exception>
    public void Update(Tensor yTrue, Tensor yPred)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        var (expected, actual) = Classes(yTrue, yPred);
        int same = 0;
        for (int i = 0; i < expected.Length; i++) if (expected[i] == actual[i]) same++;   // NaN never matches
        Accumulate(same, expected.Length);
    }

    /// <summary>What is compared, position by position (two arrays of one length), after the shapes are checked.</summary>
    private protected abstract (double[] Expected, double[] Actual) Classes(Tensor yTrue, Tensor yPred);

    private protected void RequireSameShape(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Shape != yPred.Shape)
            throw new ArgumentException($"{GetType().Name} '{Name}': targets {yTrue.Shape} and predictions {yPred.Shape} differ in shape.");
    }

    /// <summary>The index of the largest entry of each row (first on ties).</summary>
    private protected double[] ArgMaxRows(Tensor t)
    {
        if (t.Rank < 1 || t.Shape[-1] <= 0) throw new ArgumentException($"{Name}: predictions need a non-empty last axis, got {t.Shape}.");
        int k = t.Shape[-1];
        var v = t.ToDoubleArray();
        var result = new double[v.Length / k];
        for (int r = 0; r < result.Length; r++)
        {
            int best = 0;
            for (int j = 1; j < k; j++) if (v[r * k + j] > v[r * k + best]) best = j;
            result[r] = best;
        }
        return result;
    }
}

/// <summary>The fraction of predictions equal to the targets (Keras' Accuracy: element-wise equality).</summary>
public sealed class Accuracy(string name = "accuracy") : AccuracyMetric(name)
{
    private protected override (double[] Expected, double[] Actual) Classes(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return (yTrue.ToDoubleArray(), yPred.ToDoubleArray());
    }
}

/// <summary>The fraction of rows whose arg-max prediction equals the integer label (Keras' SparseCategoricalAccuracy):
/// labels (batch), predictions (batch, classes).</summary>
public sealed class SparseCategoricalAccuracy(string name = "accuracy") : AccuracyMetric(name)
{
    private protected override (double[] Expected, double[] Actual) Classes(Tensor yTrue, Tensor yPred)
    {
        var labels = yTrue.ToDoubleArray();
        var pred = ArgMaxRows(yPred);
        if (labels.Length != pred.Length)
            throw new ArgumentException($"SparseCategoricalAccuracy '{Name}': {labels.Length} labels for {pred.Length} prediction rows (predictions {yPred.Shape}).");
        return (labels, pred);
    }
}

/// <summary>The fraction of rows whose arg-max prediction equals the arg-max of the one-hot target (Keras' CategoricalAccuracy).</summary>
public sealed class CategoricalAccuracy(string name = "accuracy") : AccuracyMetric(name)
{
    private protected override (double[] Expected, double[] Actual) Classes(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return (ArgMaxRows(yTrue), ArgMaxRows(yPred));
    }
}

/// <summary>The fraction of elements where (prediction &gt; threshold) equals the 0/1 target (Keras' BinaryAccuracy).</summary>
public sealed class BinaryAccuracy(double threshold = 0.5, string name = "accuracy") : AccuracyMetric(name)
{
    private protected override (double[] Expected, double[] Actual) Classes(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Shape.Size != yPred.Shape.Size)
            throw new ArgumentException($"BinaryAccuracy '{Name}': targets {yTrue.Shape} and predictions {yPred.Shape} differ in size.");
        return ([.. yTrue.ToDoubleArray().Select(t => t > 0.5 ? 1.0 : 0.0)], [.. yPred.ToDoubleArray().Select(p => p > threshold ? 1.0 : 0.0)]);
    }
}
