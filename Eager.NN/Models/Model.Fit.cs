namespace Eager.NN;

public abstract partial class Model
{
    /// <summary>
    /// Trains on the rows of <paramref name="x"/> and <paramref name="y"/> for <paramref name="epochs"/> passes in
    /// batches of <paramref name="batchSize"/> (Keras' fit). Each epoch logs "loss" (the mean over its examples) and every
    /// compiled metric; with validation data (or <paramref name="validationSplit"/>, the last fraction of the rows, taken
    /// before shuffling) also "val_loss" and "val_" + each metric. Returns the <see cref="History"/>.
    /// </summary>
    /// <param name="x">Inputs, rows along the first dimension.</param>
    /// <param name="y">Targets, one row per input row.</param>
    /// <param name="epochs">The epoch to end before (with <paramref name="initialEpoch"/>, the number of passes).</param>
    /// <param name="batchSize">Rows per step; the last batch of an epoch may be smaller.</param>
    /// <param name="validationData">Held-out inputs and targets evaluated after each epoch.</param>
    /// <param name="callbacks">Hooks such as EarlyStopping, ModelCheckpoint, TensorBoard.</param>
    /// <param name="shuffle">Whether each epoch visits the rows in a new random order.</param>
    /// <param name="verbose">0 silent; 1 a progress bar per epoch (a plain line per epoch when the output is redirected); 2 a line per epoch.</param>
    /// <param name="validationSplit">A fraction of the rows to hold out for validation instead of <paramref name="validationData"/>.</param>
    /// <param name="seed">Seeds the shuffling (runs repeat exactly with the same seed and initial weights).</param>
    /// <param name="initialEpoch">The epoch to start at (to resume a run).</param>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ArgumentException">x and y differ in rows, or a size is out of range.</exception>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, (Tensor X, Tensor Y)? validationData = null,
                       IEnumerable<Callback>? callbacks = null, bool shuffle = true, int verbose = 1, double validationSplit = 0,
                       int? seed = null, int initialEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Compiled("Fit");
        if (validationSplit != 0 && validationData is null)
            ((x, y), validationData) = BatchSource.Split(x, y, validationSplit, $"Model '{Name}'.Fit");
        var train = BatchSource.FromTensors(x, y, batchSize, shuffle ? new Random(seed ?? Random.Shared.Next()) : null, $"Model '{Name}'.Fit");
        var val = validationData is { } v ? BatchSource.FromTensors(v.X, v.Y, batchSize, null, $"Model '{Name}'.Fit(validationData)") : null;
        return RunFit(train, val, epochs, callbacks, verbose, initialEpoch);
    }

    /// <summary>Trains on a <see cref="Dataset"/> whose elements are [x, y] batches (batch it with <c>.Batch(n)</c>; shuffle
    /// it with <c>.Shuffle(...)</c>, which reshuffles every epoch). See the tensor overload for the rest.</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public History Fit(Dataset data, int epochs = 1, Dataset? validationData = null, IEnumerable<Callback>? callbacks = null,
                       int verbose = 1, int initialEpoch = 0)
    {
        Compiled("Fit");
        var train = BatchSource.FromDataset(data, true, $"Model '{Name}'.Fit");
        var val = validationData is null ? null : BatchSource.FromDataset(validationData, true, $"Model '{Name}'.Fit(validationData)");
        return RunFit(train, val, epochs, callbacks, verbose, initialEpoch);
    }

    private History RunFit(BatchSource train, BatchSource? val, int epochs, IEnumerable<Callback>? callbacks, int verbose, int initialEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialEpoch);
        if (epochs < initialEpoch) throw new ArgumentOutOfRangeException(nameof(epochs), $"Model '{Name}'.Fit: epochs ({epochs}) is below initialEpoch ({initialEpoch}).");
        var history = new History();
        var parameters = new Dictionary<string, double> { ["epochs"] = epochs, ["steps"] = train.Steps ?? -1, ["verbose"] = verbose };
        var list = new CallbackList(callbacks, this, parameters, history);
        var display = new ProgressDisplay(verbose, epochs);
        History = history;
        StopTraining = false;
        list.TrainBegin([]);
        var epochLogs = new Dictionary<string, double>();
        for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            list.EpochBegin(epoch, []);
            epochLogs = display.RunEpoch(epoch, train.Steps, report =>
            {
                var logs = TrainEpoch(train, list, report);
                if (val is not null)
                    foreach (var (k, v) in RunTest(val, list)) logs["val_" + k] = v;
                return logs;
            });
            parameters["steps"] = train.Steps ?? -1;
            list.EpochEnd(epoch, epochLogs);
        }
        list.TrainEnd(epochLogs);
        return history;
    }

    private Dictionary<string, double> TrainEpoch(BatchSource train, CallbackList list, Action<int, long, Dictionary<string, double>> report)
    {
        var tracker = new LossTracker();
        foreach (var m in metrics) m.Reset();
        int step = 0;
        long seen = 0;
        foreach (var (x, y) in train.Pass())
        {
            list.TrainBatchBegin(step, []);
            var r = TrainStep(x, y!);
            tracker.Add(r[0], x.Shape[0]);
            foreach (var m in metrics) m.UpdateState(y!, r[1]);
            var logs = Logs(tracker);
            list.TrainBatchEnd(step, logs);
            step++;
            seen += x.Shape[0];
            report(step, seen, logs);
            if (StopTraining) break;
        }
        return Logs(tracker);
    }

    /// <summary>Loss and metrics over one pass of <paramref name="data"/>, in inference mode.</summary>
    private Dictionary<string, double> RunTest(BatchSource data, CallbackList list)
    {
        list.TestBegin([]);
        var tracker = new LossTracker();
        foreach (var m in metrics) m.Reset();
        int step = 0;
        foreach (var (x, y) in data.Pass())
        {
            list.TestBatchBegin(step, []);
            var r = TestStep(x, y!);
            tracker.Add(r[0], x.Shape[0]);
            foreach (var m in metrics) m.UpdateState(y!, r[1]);
            list.TestBatchEnd(step++, Logs(tracker));
        }
        var logs = Logs(tracker);
        list.TestEnd(logs);
        return logs;
    }

    private Dictionary<string, double> Logs(LossTracker tracker)
    {
        var logs = new Dictionary<string, double>(StringComparer.Ordinal) { ["loss"] = tracker.Result };
        foreach (var m in metrics) logs[m.Name] = m.Result();
        return logs;
    }

    /// <summary>The mean loss over the examples seen (each batch's mean loss weighted by its rows).</summary>
    private sealed class LossTracker
    {
        private double sum;
        private long count;

        public double Result => count == 0 ? double.NaN : sum / count;

        public void Add(Tensor loss, int rows)
        {
            var v = loss.ToDoubleArray();
            sum += (v.Length == 1 ? v[0] : v.Average()) * rows;
            count += rows;
        }
    }
}
