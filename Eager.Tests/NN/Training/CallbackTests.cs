using Eager.NN;

namespace Eager.Tests.NN.Training;

public class CallbackTests
{
    private sealed class Recorder : Callback
    {
        public List<string> Events { get; } = [];
        public override void OnTrainBegin(Dictionary<string, double> logs) => Events.Add("train_begin");
        public override void OnTrainEnd(Dictionary<string, double> logs) => Events.Add("train_end");
        public override void OnEpochBegin(int epoch, Dictionary<string, double> logs) => Events.Add($"epoch_begin {epoch}");
        public override void OnEpochEnd(int epoch, Dictionary<string, double> logs) => Events.Add($"epoch_end {epoch} {string.Join(",", logs.Keys.Order())}");
        public override void OnTrainBatchBegin(int batch, Dictionary<string, double> logs) => Events.Add($"batch_begin {batch}");
        public override void OnTrainBatchEnd(int batch, Dictionary<string, double> logs) => Events.Add($"batch_end {batch}");
        public override void OnTestBegin(Dictionary<string, double> logs) => Events.Add("test_begin");
        public override void OnTestEnd(Dictionary<string, double> logs) => Events.Add("test_end");
        public override void OnTestBatchEnd(int batch, Dictionary<string, double> logs) => Events.Add($"test_batch_end {batch}");
        public override void OnPredictBegin(Dictionary<string, double> logs) => Events.Add("predict_begin");
        public override void OnPredictEnd(Dictionary<string, double> logs) => Events.Add("predict_end");
    }

    [Test]
    public void HooksRunInKerasOrder()
    {
        var (x, y) = FitData.Blobs(20, 1);
        var model = FitData.Mlp(1);
        var r = new Recorder();
        model.Fit(x, y, epochs: 2, batchSize: 10, validationData: (x, y), callbacks: [r], verbose: 0);
        string[] epoch(int e) => [$"epoch_begin {e}", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
            "test_begin", "test_batch_end 0", "test_batch_end 1", "test_end", $"epoch_end {e} accuracy,loss,val_accuracy,val_loss"];
        Assert.That(r.Events, Is.EqualTo(new[] { "train_begin" }.Concat(epoch(0)).Concat(epoch(1)).Append("train_end")));
        Assert.That(r.Model, Is.SameAs(model));
        Assert.That(r.Params["epochs"], Is.EqualTo(2));
        r.Events.Clear();
        model.Predict(x, callbacks: [r]);
        Assert.That(r.Events, Is.EqualTo(new[] { "predict_begin", "predict_end" }));
    }

    [Test]
    public void StopTrainingFromABatchEndsTheEpochThere()
    {
        var (x, y) = FitData.Blobs(100, 1);
        var model = FitData.Mlp(1);
        var stop = new LambdaCallback { TrainBatchEnd = (b, _) => { if (b == 2) model.StopTraining = true; } };
        var h = model.Fit(x, y, epochs: 5, batchSize: 10, callbacks: [stop], verbose: 0);
        Assert.That(h.Epochs, Has.Count.EqualTo(1));
        Assert.That(model.Optimizer!.Iterations.Value.Item<long>(), Is.EqualTo(3));
    }

    /// <summary>Sets logs["score"] from a list, so monitor-driven callbacks see a scripted sequence.</summary>
    private static LambdaCallback Script(params double[] scores) => new() { EpochEnd = (e, logs) => logs["score"] = scores[e] };

    [Test]
    public void EarlyStoppingWaitsPatienceEpochsAndRestoresTheBestWeights()
    {
        var (x, y) = FitData.Blobs(40, 1);
        var model = FitData.Mlp(1);
        var weights = new List<double[]>();
        var record = new LambdaCallback { EpochEnd = (_, _) => weights.Add(FitData.Flat(model.GetWeights())) };
        var es = new EarlyStopping(monitor: "score", patience: 2, restoreBestWeights: true, mode: MonitorMode.Min);
        var h = model.Fit(x, y, epochs: 10, batchSize: 10, callbacks: [Script(5, 3, 4, 3.5, 1, 0), record, es], verbose: 0);
        Assert.That(es.StoppedEpoch, Is.EqualTo(3), "epochs 2 and 3 did not beat 3");
        Assert.That(es.BestEpoch, Is.EqualTo(1));
        Assert.That(h.Epochs, Has.Count.EqualTo(4));
        Assert.That(FitData.Flat(model.GetWeights()), Is.EqualTo(weights[1]));
    }

    [Test]
    public void EarlyStoppingModeAndMinDelta()
    {
        var (x, y) = FitData.Blobs(20, 1);
        var model = FitData.Mlp(1);
        var es = new EarlyStopping(monitor: "val_accuracy", patience: 1, minDelta: 0.05);
        model.Fit(x, y, epochs: 6, batchSize: 10, callbacks: [new LambdaCallback { EpochEnd = (e, l) => l["val_accuracy"] = 0.5 + 0.01 * e }, es], verbose: 0);
        Assert.That(es.StoppedEpoch, Is.EqualTo(1), "accuracy is maximised (auto mode) and gains of 0.01 are below minDelta");
        var withBaseline = new EarlyStopping(monitor: "score", patience: 2, baseline: 1.0, mode: MonitorMode.Min);
        model.Fit(x, y, epochs: 6, batchSize: 10, callbacks: [Script(3, 2, 1.5, 0.5, 0.4, 0.3), withBaseline], verbose: 0);
        Assert.That(withBaseline.StoppedEpoch, Is.EqualTo(1), "nothing beat the baseline within the patience");
    }

    [Test]
    public void ModelCheckpointSavesOnlyImprovementsAtomicallyAndRestores()
    {
        var dir = Directory.CreateTempSubdirectory("eager-ckpt").FullName;
        try
        {
            var (x, y) = FitData.Blobs(40, 1);
            var model = FitData.Mlp(1);
            var saved = new List<string>();
            var weights = new List<double[]>();
            var mc = new ModelCheckpoint(Path.Combine(dir, "m.{epoch:02d}-{score:.1f}.ckpt"), monitor: "score", saveBestOnly: true);
            var record = new LambdaCallback { EpochEnd = (_, _) => { weights.Add(FitData.Flat(model.GetWeights())); if (mc.LastSaved is { } p && !saved.Contains(p)) saved.Add(p); } };
            model.Fit(x, y, epochs: 4, batchSize: 10, callbacks: [Script(2, 3, 1, 1.5), mc, record], verbose: 0);
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "m.01-2.0.ckpt", "m.03-1.0.ckpt" }),
                "no temporary files are left behind");
            var fresh = FitData.Mlp(99);
            var status = new Checkpoint(fresh, fresh.Optimizer).Restore(Path.Combine(dir, "m.03-1.0.ckpt"));
            Assert.That(status.Missing, Is.Empty);
            Assert.That(FitData.Flat(fresh.GetWeights()), Is.EqualTo(weights[2]));
            Assert.That(fresh.Optimizer!.Iterations.Value.Item<long>(), Is.EqualTo(12), "the optimizer's state is saved too");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void ModelCheckpointPathFields()
    {
        var logs = new Dictionary<string, double> { ["val_loss"] = 0.123456, ["acc"] = 0.5 };
        Assert.That(ModelCheckpoint.FormatPath("w.{epoch:02d}-{val_loss:.2f}.ckpt", 6, logs), Is.EqualTo("w.07-0.12.ckpt"));
        Assert.That(ModelCheckpoint.FormatPath("w{epoch}_{acc}", 0, logs), Is.EqualTo("w1_0.5"));
        Assert.That(ModelCheckpoint.FormatPath("w{epoch:3d}", 0, logs), Is.EqualTo("w  1"));
        var e = Assert.Throws<KeyNotFoundException>(() => ModelCheckpoint.FormatPath("{val_acc}", 0, logs))!;
        Assert.That(e.Message, Does.Contain("val_acc").And.Contain("val_loss"));
    }

    [Test]
    public void LearningRateSchedulerSetsTheRateEachEpoch()
    {
        var (x, y) = FitData.Blobs(20, 1);
        var model = FitData.Mlp(1);
        var seen = new List<double>();
        var h = model.Fit(x, y, epochs: 3, batchSize: 10, verbose: 0,
            callbacks: [new LearningRateScheduler((e, lr) => e == 0 ? 0.1 : lr / 2), new LambdaCallback { EpochEnd = (_, _) => seen.Add(model.Optimizer!.LearningRate) }]);
        Assert.That(seen, Is.EqualTo(new[] { 0.1, 0.05, 0.025 }));
        Assert.That(h["learning_rate"], Is.EqualTo(new[] { 0.1, 0.05, 0.025 }));
        var scheduled = FitData.Mlp(1);
        scheduled.Compile(new Adam(new ExponentialDecay(0.1, 10, 0.5)), new SparseCategoricalCrossentropy(true));
        Assert.Throws<InvalidOperationException>(() => scheduled.Fit(x, y, callbacks: [new LearningRateScheduler((_, lr) => lr)], verbose: 0));
    }

    [Test]
    public void ReduceLROnPlateauCutsTheRateAfterPatienceAndCoolsDown()
    {
        var (x, y) = FitData.Blobs(20, 1);
        var model = FitData.Mlp(1, lr: 1.0);
        var rates = new List<double>();
        var rop = new ReduceLROnPlateau(monitor: "score", factor: 0.5, patience: 2, cooldown: 1, minLearningRate: 0.2);
        model.Fit(x, y, epochs: 9, batchSize: 10, verbose: 0,
            callbacks: [Script(1, 1, 1, 1, 1, 1, 1, 1, 1), rop, new LambdaCallback { EpochEnd = (_, _) => rates.Add(model.Optimizer!.LearningRate) }]);
        // Keras' counting: epoch 0 sets the best; 1, 2 wait -> cut at 2; 3 ends the cooldown and waits; cut at 4, at 6 (to the
        // floor 0.2), and none at 8 (already at the floor).
        Assert.That(rates, Is.EqualTo(new[] { 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2 }));
    }

    [Test]
    public void CsvLoggerWritesAHeaderAndARowPerEpoch()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-log-{Guid.NewGuid():N}.csv");
        try
        {
            var (x, y) = FitData.Blobs(20, 1);
            var model = FitData.Mlp(1);
            var h = model.Fit(x, y, epochs: 2, batchSize: 10, validationData: (x, y), callbacks: [new CSVLogger(path)], verbose: 0);
            var lines = File.ReadAllLines(path);
            Assert.That(lines[0], Is.EqualTo("epoch,accuracy,loss,val_accuracy,val_loss"));
            Assert.That(lines, Has.Length.EqualTo(3));
            var row = lines[2].Split(',').Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.That(row, Is.EqualTo(new[] { 1, h["accuracy"][1], h["loss"][1], h["val_accuracy"][1], h["val_loss"][1] }));
            model.Fit(x, y, epochs: 1, batchSize: 10, validationData: (x, y), callbacks: [new CSVLogger(path, append: true)], verbose: 0);
            Assert.That(File.ReadAllLines(path), Has.Length.EqualTo(4), "appending adds rows, not a second header");
        }
        finally { File.Delete(path); }
    }
}
