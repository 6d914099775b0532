namespace Eager.NN;

/// <summary>The callbacks of one run, called in order.</summary>
internal sealed class CallbackList
{
    private readonly Callback[] callbacks;

    public CallbackList(IEnumerable<Callback>? callbacks, Model model, Dictionary<string, double> parameters, params Callback[] last)
    {
        // Default callbacks (History) run last, so they see what user callbacks add to the logs, as in Keras.
        var list = (callbacks ?? []).Concat(last).ToArray();
        if (list.Any(c => c is null)) throw new ArgumentNullException(nameof(callbacks), $"Model '{model.Name}': a callback is null.");
        foreach (var c in list)
        {
            c.Model = model;
            c.Params = parameters;
        }
        this.callbacks = list;
    }

    public void TrainBegin(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTrainBegin(logs); }
    public void TrainEnd(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTrainEnd(logs); }
    public void EpochBegin(int epoch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnEpochBegin(epoch, logs); }
    public void EpochEnd(int epoch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnEpochEnd(epoch, logs); }
    public void TrainBatchBegin(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTrainBatchBegin(batch, logs); }
    public void TrainBatchEnd(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTrainBatchEnd(batch, logs); }
    public void TestBegin(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTestBegin(logs); }
    public void TestEnd(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTestEnd(logs); }
    public void TestBatchBegin(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTestBatchBegin(batch, logs); }
    public void TestBatchEnd(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnTestBatchEnd(batch, logs); }
    public void PredictBegin(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnPredictBegin(logs); }
    public void PredictEnd(Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnPredictEnd(logs); }
    public void PredictBatchBegin(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnPredictBatchBegin(batch, logs); }
    public void PredictBatchEnd(int batch, Dictionary<string, double> logs) { foreach (var c in callbacks) c.OnPredictBatchEnd(batch, logs); }
}
