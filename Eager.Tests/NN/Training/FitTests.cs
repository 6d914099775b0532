using Eager.NN;

namespace Eager.Tests.NN.Training;

public class FitTests
{
    [Test]
    public void FitLearnsBlobsAndLogsEveryMetricPerEpoch()
    {
        var (x, y) = FitData.Blobs(300, 1);
        var (vx, vy) = FitData.Blobs(90, 2);
        var model = FitData.Mlp(3);
        var h = model.Fit(x, y, epochs: 6, batchSize: 32, validationData: (vx, vy), verbose: 0, seed: 4);
        Assert.That(h.Keys, Is.EquivalentTo(new[] { "loss", "accuracy", "val_loss", "val_accuracy" }));
        Assert.That(h.Epochs, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(h["loss"][^1], Is.LessThan(h["loss"][0] / 2));
        Assert.That(h["val_accuracy"][^1], Is.GreaterThan(0.9));
        Assert.That(model.History, Is.SameAs(h));
        Assert.That(model.TrainFunction, Is.Not.Null, "the step is traced by default");
        Assert.That(model.TrainFunction!.TraceCount, Is.EqualTo(2), "one trace for full batches of 32, one for the last 12 rows");
        // The logged validation numbers are what Evaluate says about the same data.
        var e = model.Evaluate(vx, vy, batchSize: 7);
        Assert.That(e["loss"], Is.EqualTo(h["val_loss"][^1]).Within(1e-5));
        Assert.That(e["accuracy"], Is.EqualTo(h["val_accuracy"][^1]).Within(1e-9));
    }

    [Test]
    public void TracedAndEagerStepsGiveTheSameWeights()
    {
        var (x, y) = FitData.Blobs(100, 5);
        var traced = FitData.Mlp(8);
        var eager = FitData.Mlp(8, runEagerly: true);
        Assert.That(FitData.Flat(traced.GetWeights()), Is.EqualTo(FitData.Flat(eager.GetWeights())));
        var ht = traced.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0, seed: 1);
        var he = eager.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0, seed: 1);
        Assert.That(eager.TrainFunction, Is.Null);
        Assert.That(FitData.Flat(traced.GetWeights()), Is.EqualTo(FitData.Flat(eager.GetWeights())).Within(1e-4));
        Assert.That(ht["loss"][1], Is.EqualTo(he["loss"][1]).Within(1e-5));
    }

    private sealed class TwoLayer : Model
    {
        private readonly Dense hidden = new(12, activation: Ops.Tanh);
        private readonly Dense output = new(3);

        protected override Tensor Forward(Tensor x, bool training) => output.Call(hidden.Call(x, training), training);
    }

    [Test]
    public void SubclassedModelsTrainOnADataset()
    {
        var (x, y) = FitData.Blobs(256, 3);
        Initializer.SetGlobalSeed(2);
        var model = new TwoLayer();
        model.Build(new Shape(-1, 2));
        Initializer.SetGlobalSeed(null);
        Assert.That(model.TrainableVariables, Has.Count.EqualTo(4));
        model.Compile(new Adam(0.05), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        var data = Dataset.FromTensorSlices(x, y).Shuffle(256, seed: 1).Batch(32);
        var steps = new List<double>();
        var h = model.Fit(data, epochs: 5, validationData: Dataset.FromTensorSlices(x, y).Batch(64), verbose: 0,
            callbacks: [new LambdaCallback { EpochBegin = (_, _) => steps.Add(-1) }, new StepsProbe(steps)]);
        Assert.That(h["accuracy"][^1], Is.GreaterThan(0.85));
        Assert.That(h["val_accuracy"][^1], Is.GreaterThan(0.85));
        Assert.That(steps.Where(s => s >= 0), Is.EqualTo(new[] { -1.0, 8, 8, 8, 8 }.Skip(1)), "a dataset's step count is known after its first pass");
        var p = model.Predict(Dataset.FromTensorSlices(x).Batch(100));
        Assert.That(p.Shape, Is.EqualTo(new Shape(256, 3)));
        Assert.That(p.ToArray<float>(), Is.EqualTo(model.Call(x).ToArray<float>()).Within(1e-5));
    }

    private sealed class StepsProbe(List<double> into) : Callback
    {
        public override void OnEpochBegin(int epoch, Dictionary<string, double> logs) { if (epoch > 0) into.Add(Params["steps"]); }
    }

    [Test]
    public void PredictJoinsBatchesAndMatchesCall()
    {
        var (x, _) = FitData.Blobs(70, 9);
        var model = FitData.Mlp(1);
        var p = model.Predict(x, batchSize: 32);
        Assert.That(p.Shape, Is.EqualTo(new Shape(70, 3)));
        Assert.That(p.ToArray<float>(), Is.EqualTo(model.Call(x).ToArray<float>()).Within(1e-5));
        Assert.That(model.PredictOnBatch(x).ToArray<float>(), Is.EqualTo(p.ToArray<float>()).Within(1e-5));
    }

    [Test]
    public void TrainOnBatchUpdatesTheWeightsAndReportsThatBatch()
    {
        var (x, y) = FitData.Blobs(40, 2);
        var model = FitData.Mlp(5);
        var before = FitData.Flat(model.GetWeights());
        var test = model.TestOnBatch(x, y);
        Assert.That(FitData.Flat(model.GetWeights()), Is.EqualTo(before), "TestOnBatch changes nothing");
        var r = model.TrainOnBatch(x, y);
        Assert.That(r["loss"], Is.EqualTo(test["loss"]).Within(1e-5), "the loss is the one before the update");
        Assert.That(r.Keys, Is.EquivalentTo(new[] { "loss", "accuracy" }));
        Assert.That(FitData.Flat(model.GetWeights()), Is.Not.EqualTo(before));
        Assert.That(model.Optimizer!.Iterations.Value.Item<long>(), Is.EqualTo(1));
    }

    [Test]
    public void ValidationSplitHoldsOutTheLastRows()
    {
        var (x, y) = FitData.Blobs(100, 4);
        var model = FitData.Mlp(2);
        var seen = new List<double>();
        var h = model.Fit(x, y, epochs: 1, batchSize: 10, validationSplit: 0.2, verbose: 0,
            callbacks: [new LambdaCallback { EpochEnd = (_, _) => seen.Add(0) }]);
        Assert.That(model.Optimizer!.Iterations.Value.Item<long>(), Is.EqualTo(8), "80 training rows in batches of 10");
        Assert.That(h.Contains("val_loss"), Is.True);
    }

    [Test]
    public void MisuseIsReportedAtTheCall()
    {
        var (x, y) = FitData.Blobs(10, 1);
        var raw = new Sequential(new Dense(3));
        var e = Assert.Throws<InvalidOperationException>(() => raw.Fit(x, y, verbose: 0))!;
        Assert.That(e.Message, Does.Contain("Compile"));
        var model = FitData.Mlp(1);
        var bad = Assert.Throws<ArgumentException>(() => model.Fit(x, Tensor.From(new int[9]), verbose: 0))!;
        Assert.That(bad.Message, Does.Contain("(10, 2)").And.Contain("(9,)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 0, verbose: 0));
        Assert.Throws<ArgumentException>(() => model.Fit(Dataset.FromTensorSlices(x).Batch(2), verbose: 0));
        Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), new MeanSquaredError(), ["f1"]));
        Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), new MeanSquaredError(), [new Accuracy(), new Accuracy()]));
    }

    [Test]
    public void VerboseFitWritesOneLinePerEpochWhenRedirected()
    {
        var (x, y) = FitData.Blobs(64, 1);
        var model = FitData.Mlp(1);
        var saved = Console.Out;
        var sw = new StringWriter();
        Console.SetOut(sw);
        try { model.Fit(x, y, epochs: 2, batchSize: 16, verbose: 2); }
        finally { Console.SetOut(saved); }
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Does.StartWith("Epoch 1/2  4/4").And.Contain("loss ").And.Contain("accuracy ").And.Contain("examples/s"));
    }
}
