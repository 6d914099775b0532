namespace Eager.NN;

/// <summary>
/// Stops training when a monitored metric has stopped improving (Keras' EarlyStopping): after
/// <see cref="Patience"/> epochs without an improvement larger than minDelta, it sets <see cref="Model.StopTraining"/>.
/// With <c>restoreBestWeights</c> the model ends with the weights of its best epoch (Keras 3: also when training
/// ran to the last epoch).
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly Monitor monitor;
    private IReadOnlyList<Tensor>? bestWeights;
    private int wait;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The logged quantity to watch ("val_loss", "val_accuracy", "loss").</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="mode">Whether smaller or larger is better; Auto infers it from the name.</param>
    /// <param name="baseline">When set, training stops unless the metric beats this value within <paramref name="patience"/> epochs.</param>
    /// <param name="restoreBestWeights">Whether to put back the weights of the best epoch at the end.</param>
    /// <param name="startFromEpoch">Epochs to let pass before watching (warm-up).</param>
    /// <param name="verbose">Prints a line when it stops or restores.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative patience, minDelta or startFromEpoch.</exception>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
                         double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0, bool verbose = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(startFromEpoch);
        this.monitor = new Monitor(monitor, mode, minDelta, "EarlyStopping");
        (Patience, Baseline, RestoreBestWeights, StartFromEpoch, Verbose) = (patience, baseline, restoreBestWeights, startFromEpoch, verbose);
    }

    /// <summary>The watched quantity.</summary>
    public string MonitorName => monitor.Name;

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>The value to beat, if any.</summary>
    public double? Baseline { get; }

    /// <summary>Whether the best epoch's weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Epochs ignored at the start.</summary>
    public int StartFromEpoch { get; }

    /// <summary>Whether it prints what it does.</summary>
    public bool Verbose { get; }

    /// <summary>The 0-based epoch at which training was stopped; -1 when it was not.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <summary>The 0-based epoch with the best value; -1 before any.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <summary>The best value seen.</summary>
    public double Best => monitor.Best;

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs)
    {
        wait = 0;
        StoppedEpoch = BestEpoch = -1;
        bestWeights = null;
        monitor.Reset();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if (monitor.Read(logs) is not { } current || epoch < StartFromEpoch) return;
        var model = AttachedModel;
        if (RestoreBestWeights && bestWeights is null) bestWeights = model.GetWeights();
        wait++;
        if (monitor.Update(current))
        {
            BestEpoch = epoch;
            if (RestoreBestWeights) bestWeights = model.GetWeights();
            if (Baseline is not { } b || monitor.IsImprovement(current, b)) { wait = 0; return; }
        }
        if (wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            model.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(Dictionary<string, double> logs)
    {
        if (StoppedEpoch >= 0 && Verbose) Console.WriteLine($"Epoch {StoppedEpoch + 1}: early stopping");
        if (RestoreBestWeights && bestWeights is not null)
        {
            if (Verbose) Console.WriteLine($"Restoring model weights from the end of the best epoch: {BestEpoch + 1}.");
            AttachedModel.SetWeights(bestWeights);
        }
    }
}
