namespace Eager.NN;

/// <summary>
/// Every logged value of every epoch of a <c>Model.Fit</c> run (Keras' History): <c>history["loss"]</c>,
/// <c>history["val_accuracy"]</c>, one entry per epoch. Fit returns it and keeps it in <see cref="Model.History"/>.
/// </summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<double>> values = new(StringComparer.Ordinal);
    private readonly List<int> epochs = [];

    /// <summary>The 0-based epochs recorded, in order.</summary>
    public IReadOnlyList<int> Epochs => epochs;

    /// <summary>The names logged ("loss", "accuracy", "val_loss", ...), sorted.</summary>
    public IReadOnlyList<string> Keys => [.. values.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The value of <paramref name="name"/> at each epoch (NaN where an epoch did not log it).</summary>
    /// <exception cref="KeyNotFoundException">Nothing by that name was logged.</exception>
    public IReadOnlyList<double> this[string name] => values.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"History: nothing named '{name}' was logged; the names are [{string.Join(", ", Keys)}].");

    /// <summary>Whether <paramref name="name"/> was logged.</summary>
    public bool Contains(string name) => values.ContainsKey(name);

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs) { }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        epochs.Add(epoch);
        foreach (var (k, v) in logs)
        {
            if (!values.TryGetValue(k, out var list)) values[k] = list = [.. Enumerable.Repeat(double.NaN, epochs.Count - 1)];
            list.Add(v);
        }
        foreach (var list in values.Values)
            if (list.Count < epochs.Count) list.Add(double.NaN);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"History over {epochs.Count} epochs: " + string.Join(", ", Keys.Select(k => $"{k} {values[k][^1]:0.####}"));
}
