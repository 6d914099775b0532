namespace Eager.NN;

/// <summary>
/// Sets the optimizer's learning rate at the start of every epoch from <c>schedule(epoch, currentRate)</c>
/// (Keras' LearningRateScheduler; epochs 0-based) and logs it as "learning_rate". For per-step schedules give the
/// optimizer a <see cref="LearningRateSchedule"/> instead.
/// </summary>
public sealed class LearningRateScheduler(Func<int, double, double> schedule, bool verbose = false) : Callback
{
    private readonly Func<int, double, double> schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The optimizer follows a LearningRateSchedule, which a per-epoch rate cannot override.</exception>
    public override void OnEpochBegin(int epoch, Dictionary<string, double> logs)
    {
        var opt = LearningRates.OptimizerOf(AttachedModel, "LearningRateScheduler");
        double lr = schedule(epoch, opt.LearningRate);
        if (!double.IsFinite(lr) || lr < 0)
            throw new InvalidOperationException($"LearningRateScheduler: the schedule returned {lr} for epoch {epoch}; a learning rate must be finite and non-negative.");
        opt.LearningRate = lr;
        if (verbose) Console.WriteLine($"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs) =>
        logs["learning_rate"] = LearningRates.OptimizerOf(AttachedModel, "LearningRateScheduler").LearningRate;
}

/// <summary>
/// Multiplies the learning rate by <c>factor</c> when a metric has not improved for <c>patience</c> epochs
/// (Keras' ReduceLROnPlateau), then waits <c>cooldown</c> epochs before watching again; never goes below
/// <c>minLearningRate</c>. Logs the rate as "learning_rate".
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly Monitor monitor;
    private int wait, cooldownLeft;

    /// <summary>Creates the callback.</summary>
    /// <exception cref="ArgumentOutOfRangeException">factor is not in (0, 1), or a count is negative.</exception>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, MonitorMode mode = MonitorMode.Auto,
                             double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0, bool verbose = false)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLROnPlateau: factor must be in (0, 1), got {factor}.");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        ArgumentOutOfRangeException.ThrowIfNegative(minLearningRate);
        this.monitor = new Monitor(monitor, mode, minDelta, "ReduceLROnPlateau");
        (Factor, Patience, Cooldown, MinLearningRate, Verbose) = (factor, patience, cooldown, minLearningRate, verbose);
    }

    /// <summary>The factor applied on a plateau.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement before reducing.</summary>
    public int Patience { get; }

    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The floor of the learning rate.</summary>
    public double MinLearningRate { get; }

    /// <summary>Whether reductions are printed.</summary>
    public bool Verbose { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs)
    {
        wait = cooldownLeft = 0;
        monitor.Reset();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        var opt = LearningRates.OptimizerOf(AttachedModel, "ReduceLROnPlateau");
        logs["learning_rate"] = opt.LearningRate;
        if (monitor.Read(logs) is not { } current) return;
        if (cooldownLeft > 0) { cooldownLeft--; wait = 0; }
        if (monitor.Update(current)) { wait = 0; return; }
        if (cooldownLeft > 0 || ++wait < Patience) return;
        double old = opt.LearningRate;
        if (old > MinLearningRate)
        {
            double lr = Math.Max(old * Factor, MinLearningRate);
            opt.LearningRate = lr;
            if (Verbose) Console.WriteLine($"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {lr}.");
            cooldownLeft = Cooldown;
            wait = 0;
        }
    }
}

internal static class LearningRates
{
    public static Optimizer OptimizerOf(Model model, string who)
    {
        var opt = model.Optimizer ?? throw new InvalidOperationException($"{who}: the model is not compiled; call Compile first.");
        if (opt.Schedule is not null)
            throw new InvalidOperationException($"{who}: the optimizer follows a {opt.Schedule.GetType().Name}, which sets the rate every step; use a fixed learning rate with this callback.");
        return opt;
    }
}
