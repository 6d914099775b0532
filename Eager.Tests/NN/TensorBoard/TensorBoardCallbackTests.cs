using Eager.NN;
using Eager.Tests.NN.Training;
using static Eager.Tests.NN.TensorBoard.EventFileReader;

namespace Eager.Tests.NN.TensorBoard;

public class TensorBoardCallbackTests
{
    [Test]
    public void FitLogsEpochScalarsHistogramsImagesAndTheTrainingGraph()
    {
        var dir = Directory.CreateTempSubdirectory("eager-tb-fit").FullName;
        try
        {
            var (x, y) = FitData.Blobs(60, 1);
            var model = FitData.Mlp(1);
            var h = model.Fit(x, y, epochs: 3, batchSize: 20, validationData: (x, y), verbose: 0,
                callbacks: [new Eager.NN.TensorBoard(dir, histogramFreq: 2, writeImages: true, updateFreq: 2)]);
            var train = Summaries(Directory.GetFiles(Path.Combine(dir, "train")).Single());
            var val = Summaries(Directory.GetFiles(Path.Combine(dir, "validation")).Single());
            float[] Series(List<(long Step, string Tag, List<Field> Value)> s, string tag) =>
                [.. s.Where(e => e.Tag == tag).OrderBy(e => e.Step).Select(e => e.Value.One(2).AsFloat)];
            Assert.That(Series(train, "epoch_loss"), Is.EqualTo(h["loss"].Select(v => (float)v)));
            Assert.That(Series(train, "epoch_accuracy"), Is.EqualTo(h["accuracy"].Select(v => (float)v)));
            Assert.That(Series(val, "epoch_loss"), Is.EqualTo(h["val_loss"].Select(v => (float)v)));
            Assert.That(train.Where(e => e.Tag == "batch_loss").Select(e => e.Step), Is.EqualTo(new[] { 2L, 4, 6, 8 }), "9 batches, every 2nd");
            var histograms = train.Where(e => e.Value.Any(f => f.Number == 5)).Select(e => (e.Step, e.Tag)).ToList();
            Assert.That(histograms, Is.EquivalentTo(new[] { 0L, 2 }.SelectMany(s => model.NamedVariables().Select(kv => (s, kv.Key)))));
            Assert.That(train.Count(e => e.Value.Any(f => f.Number == 4)), Is.EqualTo(3 * 2), "two dense kernels per epoch");
            var graphs = Records(Directory.GetFiles(Path.Combine(dir, "train")).Single()).Select(Fields).Count(e => e.Any(f => f.Number == 4));
            Assert.That(graphs, Is.EqualTo(1), "the training step's graph, once");
        }
        finally { Directory.Delete(dir, true); }
    }
}
