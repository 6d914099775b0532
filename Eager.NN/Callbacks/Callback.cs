namespace Eager.NN;

/// <summary>
/// Hooks into <c>Model.Fit</c>, <c>Model.Evaluate</c> and <c>Model.Predict</c> at Keras' points. Epoch and batch numbers are 0-based. <c>logs</c> hold the running values by name ("loss",
/// "accuracy", and at epoch end "val_loss", "val_accuracy"); a callback may add entries (ReduceLROnPlateau adds
/// "learning_rate") that later callbacks and the <see cref="History"/> see. Set <see cref="Model.StopTraining"/> to
/// end training after the current epoch.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained; set before <see cref="OnTrainBegin"/> (and before test or predict hooks).</summary>
    public Model? Model { get; internal set; }

    /// <summary>The run's settings: "epochs", "steps" (per epoch; -1 while unknown), "verbose".</summary>
    public IReadOnlyDictionary<string, double> Params { get; internal set; } = new Dictionary<string, double>();

    /// <summary>The model, for subclasses that need it.</summary>
    /// <exception cref="InvalidOperationException">The callback is not attached to a model run.</exception>
    protected Model AttachedModel => Model ?? throw new InvalidOperationException($"{GetType().Name}: the callback is used outside Fit, Evaluate or Predict.");

    /// <summary>Called once when Fit starts.</summary>
    public virtual void OnTrainBegin(Dictionary<string, double> logs) { }

    /// <summary>Called once when Fit ends (also after an early stop).</summary>
    public virtual void OnTrainEnd(Dictionary<string, double> logs) { }

    /// <summary>Called at the start of each epoch.</summary>
    public virtual void OnEpochBegin(int epoch, Dictionary<string, double> logs) { }

    /// <summary>Called after each epoch's training and validation with the epoch's metrics (validation ones prefixed "val_").</summary>
    public virtual void OnEpochEnd(int epoch, Dictionary<string, double> logs) { }

    /// <summary>Called before each training batch.</summary>
    public virtual void OnTrainBatchBegin(int batch, Dictionary<string, double> logs) { }

    /// <summary>Called after each training batch with the epoch's running metrics.</summary>
    public virtual void OnTrainBatchEnd(int batch, Dictionary<string, double> logs) { }

    /// <summary>Called when an evaluation starts (validation inside Fit, or Evaluate).</summary>
    public virtual void OnTestBegin(Dictionary<string, double> logs) { }

    /// <summary>Called when an evaluation ends, with its metrics (not prefixed).</summary>
    public virtual void OnTestEnd(Dictionary<string, double> logs) { }

    /// <summary>Called before each evaluation batch.</summary>
    public virtual void OnTestBatchBegin(int batch, Dictionary<string, double> logs) { }

    /// <summary>Called after each evaluation batch with the running metrics.</summary>
    public virtual void OnTestBatchEnd(int batch, Dictionary<string, double> logs) { }

    /// <summary>Called when Predict starts.</summary>
    public virtual void OnPredictBegin(Dictionary<string, double> logs) { }

    /// <summary>Called when Predict ends.</summary>
    public virtual void OnPredictEnd(Dictionary<string, double> logs) { }

    /// <summary>Called before each prediction batch.</summary>
    public virtual void OnPredictBatchBegin(int batch, Dictionary<string, double> logs) { }

    /// <summary>Called after each prediction batch.</summary>
    public virtual void OnPredictBatchEnd(int batch, Dictionary<string, double> logs) { }
}

/// <summary>A callback made of delegates (Keras' LambdaCallback), for one-off hooks in scripts.</summary>
public sealed class LambdaCallback : Callback
{
    /// <summary>Runs at the start of each epoch.</summary>
    public Action<int, Dictionary<string, double>>? EpochBegin { get; init; }

    /// <summary>Runs at the end of each epoch.</summary>
    public Action<int, Dictionary<string, double>>? EpochEnd { get; init; }

    /// <summary>Runs after each training batch.</summary>
    public Action<int, Dictionary<string, double>>? TrainBatchEnd { get; init; }

    /// <summary>Runs when training starts.</summary>
    public Action<Dictionary<string, double>>? TrainBegin { get; init; }

    /// <summary>Runs when training ends.</summary>
    public Action<Dictionary<string, double>>? TrainEnd { get; init; }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, Dictionary<string, double> logs) => EpochBegin?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs) => EpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, Dictionary<string, double> logs) => TrainBatchEnd?.Invoke(batch, logs);

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs) => TrainBegin?.Invoke(logs);

    /// <inheritdoc/>
    public override void OnTrainEnd(Dictionary<string, double> logs) => TrainEnd?.Invoke(logs);
}
