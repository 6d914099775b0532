namespace Eager.NN;

/// <summary>
/// Logs training to TensorBoard (Keras' TensorBoard callback): event files under <c>logDir/train</c> and
/// <c>logDir/validation</c> with "epoch_loss", "epoch_accuracy" ... per epoch (validation metrics under their plain
/// names in the validation run, so TensorBoard overlays the two), "batch_loss" ... every <c>updateFreq</c> batches when
/// that is set, weight histograms every <c>histogramFreq</c> epochs, 2-D weights as images with <c>writeImages</c>, and
/// the traced training step's graph after the first epoch with <c>writeGraph</c>. Files are flushed every epoch and
/// closed when training ends. Run <c>tensorboard --logdir logs</c> to watch.
/// </summary>
public sealed class TensorBoard : Callback, IDisposable
{
    private SummaryWriter? train, validation;
    private bool graphWritten;
    private long batchStep;

    /// <summary>Creates the callback.</summary>
    /// <param name="logDir">The folder TensorBoard is pointed at.</param>
    /// <param name="histogramFreq">Write weight histograms every this many epochs (0: never).</param>
    /// <param name="writeGraph">Write the graph of the traced training step.</param>
    /// <param name="writeImages">Write 2-D weights (dense kernels) as gray images, scaled to their range.</param>
    /// <param name="updateFreq">Also write batch-level scalars every this many batches (0: epochs only).</param>
    public TensorBoard(string logDir = "logs", int histogramFreq = 0, bool writeGraph = true, bool writeImages = false, int updateFreq = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDir);
        ArgumentOutOfRangeException.ThrowIfNegative(histogramFreq);
        ArgumentOutOfRangeException.ThrowIfNegative(updateFreq);
        (LogDir, HistogramFreq, WriteGraph, WriteImages, UpdateFreq) = (logDir, histogramFreq, writeGraph, writeImages, updateFreq);
    }

    /// <summary>The log folder.</summary>
    public string LogDir { get; }

    /// <summary>Epochs between weight histograms (0: none).</summary>
    public int HistogramFreq { get; }

    /// <summary>Whether the training graph is written.</summary>
    public bool WriteGraph { get; }

    /// <summary>Whether 2-D weights are written as images.</summary>
    public bool WriteImages { get; }

    /// <summary>Batches between batch-level scalars (0: none).</summary>
    public int UpdateFreq { get; }

    /// <summary>The training run's event file (null outside training).</summary>
    public string? TrainFile => train?.FilePath;

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs)
    {
        Dispose();
        train = new SummaryWriter(Path.Combine(LogDir, "train"));
        graphWritten = false;
        batchStep = 0;
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, Dictionary<string, double> logs)
    {
        batchStep++;
        if (UpdateFreq == 0 || train is null || batchStep % UpdateFreq != 0) return;
        foreach (var (k, v) in logs) train.AddScalar("batch_" + k, v, batchStep);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if (train is null) return;
        foreach (var (k, v) in logs)
        {
            if (!k.StartsWith("val_", StringComparison.Ordinal)) { train.AddScalar("epoch_" + k, v, epoch); continue; }
            validation ??= new SummaryWriter(Path.Combine(LogDir, "validation"));
            validation.AddScalar("epoch_" + k[4..], v, epoch);
        }
        var model = AttachedModel;
        if (WriteGraph && !graphWritten && model.TrainFunction?.ConcreteFunctions is [var step, ..])
        {
            train.AddGraph(step);
            graphWritten = true;
        }
        if (HistogramFreq > 0 && epoch % HistogramFreq == 0)
            foreach (var (name, v) in model.NamedVariables()) train.AddHistogram(name, v.Value, epoch);
        if (WriteImages)
            foreach (var (name, v) in model.NamedVariables())
                if (v.Shape.Rank == 2 && v.DType.IsFloating) train.AddImage(name, Scaled(v.Value), epoch);
        train.Flush();
        validation?.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(Dictionary<string, double> logs) => Dispose();

    /// <summary>Flushes and closes the event files.</summary>
    public void Dispose()
    {
        train?.Dispose();
        validation?.Dispose();
        train = validation = null;
    }

    private static Tensor Scaled(Tensor w)
    {
        var d = w.ToDoubleArray();
        double lo = d.Min(), hi = d.Max(), span = hi > lo ? hi - lo : 1;
        return Tensor.From([.. d.Select(v => (float)((v - lo) / span))], w.Shape);
    }
}
