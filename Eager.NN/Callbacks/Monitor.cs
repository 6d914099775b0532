namespace Eager.NN;

/// <summary>Whether a monitored quantity improves by going down or up.</summary>
public enum MonitorMode
{
    /// <summary>Inferred from the name: accuracies and AUC ("accuracy", "val_acc", "auc") go up, everything else down.</summary>
    Auto,

    /// <summary>Smaller is better (losses).</summary>
    Min,

    /// <summary>Larger is better (accuracies).</summary>
    Max,
}

/// <summary>The best value of one logged quantity so far, and whether a new value beats it (shared by the callbacks that watch a metric).</summary>
internal sealed class Monitor
{
    private readonly bool larger;
    private readonly double minDelta;

    public Monitor(string name, MonitorMode mode, double minDelta, string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), $"{owner}: minDelta must be non-negative, got {minDelta}.");
        Name = name;
        Owner = owner;
        larger = mode == MonitorMode.Max || (mode == MonitorMode.Auto && IsAccuracyLike(name));
        this.minDelta = minDelta;
        Reset();
    }

    public string Name { get; }

    public string Owner { get; }

    public double Best { get; private set; }

    public void Reset() => Best = larger ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>True when <paramref name="value"/> beats <see cref="Best"/> by more than minDelta.</summary>
    public bool Improves(double value) => IsImprovement(value, Best);

    /// <summary>True when <paramref name="value"/> beats <paramref name="reference"/> by more than minDelta.</summary>
    public bool IsImprovement(double value, double reference) => larger ? value - minDelta > reference : value + minDelta < reference;

    /// <summary>Records <paramref name="value"/> as the best when it improves; returns whether it did.</summary>
    public bool Update(double value)
    {
        if (!Improves(value)) return false;
        Best = value;
        return true;
    }

    /// <summary>The monitored value in <paramref name="logs"/>, or null (with a warning naming what is there) when absent.</summary>
    public double? Read(Dictionary<string, double> logs)
    {
        if (logs.TryGetValue(Name, out var v)) return v;
        Console.Error.WriteLine($"{Owner}: the monitored metric '{Name}' is not in the logs (they have: {string.Join(", ", logs.Keys)}); " +
                                "pass validation data for 'val_' metrics.");
        return null;
    }

    private static bool IsAccuracyLike(string name)
    {
        var n = name.StartsWith("val_", StringComparison.Ordinal) ? name[4..] : name;
        return n is "acc" or "accuracy" or "auc" || n.EndsWith("accuracy", StringComparison.Ordinal) || n.EndsWith("_acc", StringComparison.Ordinal);
    }
}
