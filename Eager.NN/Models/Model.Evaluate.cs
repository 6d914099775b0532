namespace Eager.NN;

public abstract partial class Model
{
    /// <summary>The loss and metrics over <paramref name="x"/> and <paramref name="y"/> in inference mode (Keras'
    /// evaluate with return_dict): { "loss": ..., "accuracy": ... }.</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        Compiled("Evaluate");
        return Evaluate(BatchSource.FromTensors(x, y, batchSize, null, $"Model '{Name}'.Evaluate"), verbose, callbacks);
    }

    /// <summary>The loss and metrics over a <see cref="Dataset"/> of [x, y] batches, in inference mode.</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public Dictionary<string, double> Evaluate(Dataset data, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        Compiled("Evaluate");
        return Evaluate(BatchSource.FromDataset(data, true, $"Model '{Name}'.Evaluate"), verbose, callbacks);
    }

    private Dictionary<string, double> Evaluate(BatchSource data, int verbose, IEnumerable<Callback>? callbacks)
    {
        var list = new CallbackList(callbacks, this, new() { ["steps"] = data.Steps ?? -1, ["verbose"] = verbose });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var logs = RunTest(data, list);
        if (verbose > 0) Console.WriteLine(ProgressDisplay.Summary("evaluate", data.Steps ?? 0, clock.Elapsed, logs));
        return logs;
    }

    /// <summary>The model's outputs for every row of <paramref name="x"/>, in batches of <paramref name="batchSize"/>,
    /// in inference mode, joined along the first dimension (Keras' predict).</summary>
    public Tensor Predict(Tensor x, int batchSize = 32, IEnumerable<Callback>? callbacks = null) =>
        Predict(BatchSource.FromTensors(x, null, batchSize, null, $"Model '{Name}'.Predict"), callbacks);

    /// <summary>The model's outputs for the x of every element of <paramref name="data"/> ([x] or [x, y] batches), joined.</summary>
    public Tensor Predict(Dataset data, IEnumerable<Callback>? callbacks = null) =>
        Predict(BatchSource.FromDataset(data, false, $"Model '{Name}'.Predict"), callbacks);

    private Tensor Predict(BatchSource data, IEnumerable<Callback>? callbacks)
    {
        var list = new CallbackList(callbacks, this, new() { ["steps"] = data.Steps ?? -1 });
        list.PredictBegin([]);
        var outputs = new List<Tensor>();
        int step = 0;
        foreach (var (x, _) in data.Pass())
        {
            list.PredictBatchBegin(step, []);
            outputs.Add(PredictStep(x));
            list.PredictBatchEnd(step++, []);
        }
        list.PredictEnd([]);
        if (outputs.Count == 0) throw new ArgumentException($"Model '{Name}'.Predict: the input has no rows.");
        using (GradientTape.NoGradient())
            return outputs.Count == 1 ? outputs[0] : Ops.Concat(outputs, 0);
    }

    /// <summary>One training step on one batch (Keras' train_on_batch): updates the weights and returns this batch's
    /// loss and metrics.</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public Dictionary<string, double> TrainOnBatch(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return OneBatch(x, y, TrainStep(x, y));
    }

    /// <summary>The loss and metrics of one batch in inference mode, without updating anything (Keras' test_on_batch).</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public Dictionary<string, double> TestOnBatch(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return OneBatch(x, y, TestStep(x, y));
    }

    /// <summary>The outputs for one batch in inference mode (Keras' predict_on_batch).</summary>
    public Tensor PredictOnBatch(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return PredictStep(x);
    }

    private Dictionary<string, double> OneBatch(Tensor x, Tensor y, Tensor[] r)
    {
        var tracker = new LossTracker();
        tracker.Add(r[0], x.Rank > 0 ? x.Shape[0] : 1);
        foreach (var m in metrics)
        {
            m.Reset();
            m.UpdateState(y, r[1]);
        }
        return Logs(tracker);
    }
}
