namespace Eager.Tests.Core.Data;

public class DatasetTests
{
    private static Tensor Floats(int n) => Tensor.From(Enumerable.Range(0, n).Select(i => (float)i).ToArray());

    private static float[] Scalars(Dataset ds) => ds.Select(e => e[0].Item<float>()).ToArray();

    private static long[] Longs(Dataset ds) => ds.Select(e => e[0].Item<long>()).ToArray();

    [Test]
    public void FromTensorSlicesGivesRowsOfEveryComponent()
    {
        var x = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var y = Tensor.From(new[] { 7, 8, 9 });
        var items = Dataset.FromTensorSlices(x, y).ToList();
        Assert.That(items, Has.Count.EqualTo(3));
        Assert.That(items[1][0].ToArray<float>(), Is.EqualTo(new[] { 3f, 4 }));
        Assert.That(items[1][1].Item<int>(), Is.EqualTo(8));
        Assert.That(items[2][0].Shape, Is.EqualTo(new Shape(2)));
    }

    [Test]
    public void FromTensorSlicesChecksInputs()
    {
        Assert.Throws<ArgumentException>(() => Dataset.FromTensorSlices());
        Assert.Throws<ArgumentException>(() => Dataset.FromTensorSlices(Tensor.Scalar(1f)));
        var ex = Assert.Throws<ArgumentException>(() => Dataset.FromTensorSlices(Floats(3), Floats(4)))!;
        Assert.That(ex.Message, Does.Contain("(4,)"));
        Assert.That(Dataset.FromTensorSlices(Tensor.Zeros(new Shape(0, 3))).Count(), Is.Zero);
    }

    [Test]
    public void FromTensorsIsOneElement()
    {
        var items = Dataset.FromTensors(Floats(3), Tensor.Scalar(1)).ToList();
        Assert.That(items, Has.Count.EqualTo(1));
        Assert.That(items[0][0].Shape, Is.EqualTo(new Shape(3)));
    }

    [Test]
    public void FromEnumerableAndGeneratorReplayOnEveryPass()
    {
        static IEnumerable<Tensor> Gen() { for (int i = 0; i < 3; i++) yield return Tensor.Scalar((float)i); }
        var ds = Dataset.FromEnumerable(Gen());
        Assert.That(Scalars(ds.Repeat(2)), Is.EqualTo(new[] { 0f, 1, 2, 0, 1, 2 }));
        int calls = 0;
        var gen = Dataset.FromGenerator(() => { calls++; return Gen().Select(t => new[] { t }); });
        Assert.That(Scalars(gen.Repeat(3)), Has.Length.EqualTo(9));
        Assert.That(calls, Is.EqualTo(3));
        var bad = Dataset.FromEnumerable(new[] { new[] { Tensor.Scalar(1f) }, null! });
        Assert.Throws<InvalidOperationException>(() => bad.ToList());
    }

    [Test]
    public void RangeCountsLikePython()
    {
        Assert.That(Longs(Dataset.Range(4)), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
        Assert.That(Longs(Dataset.Range(5, 0, -2)), Is.EqualTo(new long[] { 5, 3, 1 }));
        Assert.That(Dataset.Range(3, 3).Count(), Is.Zero);
        Assert.That(Dataset.Range(0, 2, dtype: DType.Float32).First()[0].DType, Is.EqualTo(DType.Float32));
        Assert.Throws<ArgumentException>(() => Dataset.Range(0, 3, 0));
    }

    [Test]
    public void TakeSkipRepeatFilter()
    {
        var ds = Dataset.Range(10);
        Assert.That(Longs(ds.Skip(3).Take(4)), Is.EqualTo(new long[] { 3, 4, 5, 6 }));
        Assert.That(Longs(ds.Take(-1)), Has.Length.EqualTo(10));
        Assert.That(Longs(ds.Skip(-1)), Is.Empty);
        Assert.That(Longs(ds.Take(0)), Is.Empty);
        Assert.That(Longs(ds.Take(2).Repeat(3)), Is.EqualTo(new long[] { 0, 1, 0, 1, 0, 1 }));
        Assert.That(Longs(ds.Repeat().Take(12)).Last(), Is.EqualTo(1));
        Assert.That(Longs(ds.Take(0).Repeat()), Is.Empty, "an empty dataset repeated forever ends");
        Assert.That(Longs(ds.Filter(e => e[0].Item<long>() % 3 == 0)), Is.EqualTo(new long[] { 0, 3, 6, 9 }));
    }

    [Test]
    public void BatchKeepsOrDropsTheRemainder()
    {
        var ds = Dataset.FromTensorSlices(Floats(10), Tensor.From(Enumerable.Range(0, 10).ToArray()));
        var batches = ds.Batch(4).ToList();
        Assert.That(batches.Select(b => b[0].Shape[0]), Is.EqualTo(new[] { 4, 4, 2 }));
        Assert.That(batches[2][0].ToArray<float>(), Is.EqualTo(new[] { 8f, 9 }));
        Assert.That(batches[1][1].ToArray<int>(), Is.EqualTo(new[] { 4, 5, 6, 7 }));
        Assert.That(ds.Batch(4, dropRemainder: true).Select(b => b[0].Shape[0]), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(ds.Batch(1).First()[0].Shape, Is.EqualTo(new Shape(1)));
        Assert.That(ds.Batch(17).Single()[0].Shape, Is.EqualTo(new Shape(10)));
        Assert.Throws<ArgumentException>(() => ds.Batch(0));
    }

    [Test]
    public void BatchOfRaggedElementsPointsToPaddedBatch()
    {
        var ds = Dataset.FromEnumerable(new[] { Floats(2), Floats(3) });
        var ex = Assert.Throws<ArgumentException>(() => ds.Batch(2).ToList())!;
        Assert.That(ex.Message, Does.Contain("PaddedBatch"));
    }

    [Test]
    public void PaddedBatchPadsToTheLongestOrToAGivenShape()
    {
        var ds = Dataset.FromEnumerable(new[] { Floats(1), Floats(3), Floats(2) });
        var b = ds.PaddedBatch(3).Single()[0];
        Assert.That(b.Shape, Is.EqualTo(new Shape(3, 3)));
        Assert.That(b.ToArray<float>(), Is.EqualTo(new[] { 0f, 0, 0, 0, 1, 2, 0, 1, 0 }));
        var fixedShape = ds.PaddedBatch(2, [new Shape(5)], [-1]).First()[0];
        Assert.That(fixedShape.ToArray<float>(), Is.EqualTo(new[] { 0f, -1, -1, -1, -1, 0, 1, 2, -1, -1 }));
        Assert.Throws<ArgumentException>(() => ds.PaddedBatch(3, [new Shape(2)]).ToList(), "an element larger than the padded shape");
    }

    [Test]
    public void ZipConcatenatesComponentsAndStopsAtTheShortest()
    {
        var z = Dataset.Range(5).Zip(Dataset.FromTensorSlices(Floats(3)));
        var items = z.ToList();
        Assert.That(items, Has.Count.EqualTo(3));
        Assert.That(items[2][0].Item<long>(), Is.EqualTo(2));
        Assert.That(items[2][1].Item<float>(), Is.EqualTo(2f));
        Assert.That(Dataset.Zip(Dataset.Range(2), Dataset.Range(2), Dataset.Range(2)).First(), Has.Length.EqualTo(3));
    }

    [Test]
    public void ShuffleIsAPermutationAndDeterministicForASeed()
    {
        var ds = Dataset.FromTensorSlices(Floats(33));
        var a = Scalars(ds.Shuffle(33, seed: 5));
        Assert.That(a.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 33).Select(i => (float)i)));
        Assert.That(a, Is.Not.EqualTo(a.OrderBy(v => v).ToArray()));
        Assert.That(Scalars(Dataset.FromTensorSlices(Floats(33)).Shuffle(33, seed: 5)), Is.EqualTo(a), "same seed, same order");
        Assert.That(Scalars(ds.Shuffle(33, seed: 6)), Is.Not.EqualTo(a));
    }

    [Test]
    public void ShuffleReshufflesEachPassUnlessToldNot()
    {
        var ds = Dataset.FromTensorSlices(Floats(17));
        var reshuffled = ds.Shuffle(17, seed: 1);
        var first = Scalars(reshuffled);
        Assert.That(Scalars(reshuffled), Is.Not.EqualTo(first));
        var fixedOrder = ds.Shuffle(17, seed: 1, reshuffleEachIteration: false);
        var pass1 = Scalars(fixedOrder);
        Assert.That(Scalars(fixedOrder), Is.EqualTo(pass1));
        var epochs = Scalars(ds.Shuffle(17, seed: 1).Repeat(2));
        Assert.That(epochs.Take(17), Is.EqualTo(first), "epoch 0 of a fresh dataset matches");
        Assert.That(epochs.Skip(17).OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, 17).Select(i => (float)i)));
    }

    [Test]
    public void SmallShuffleBufferOnlyMixesLocally()
    {
        var a = Scalars(Dataset.FromTensorSlices(Floats(20)).Shuffle(1, seed: 3));
        Assert.That(a, Is.EqualTo(Enumerable.Range(0, 20).Select(i => (float)i)), "a buffer of 1 keeps the order");
        var b = Scalars(Dataset.FromTensorSlices(Floats(20)).Shuffle(3, seed: 3));
        for (int i = 0; i < b.Length; i++) Assert.That(b[i], Is.LessThanOrEqualTo(i + 2), "an element can only move ahead by the buffer size");
        Assert.Throws<ArgumentException>(() => Dataset.Range(3).Shuffle(0));
    }

    [Test]
    public void CacheReplaysTheFirstPass()
    {
        int calls = 0;
        var ds = Dataset.Range(3).Map((Tensor x) => { Interlocked.Increment(ref calls); return x; }).Cache();
        Assert.That(Longs(ds), Is.EqualTo(new long[] { 0, 1, 2 }));
        Assert.That(Longs(ds), Is.EqualTo(new long[] { 0, 1, 2 }));
        Assert.That(calls, Is.EqualTo(3));
    }

    [Test]
    public void DescriptionListsTheChain()
    {
        var ds = Dataset.FromTensorSlices(Floats(10)).Shuffle(10, seed: 5).Batch(4);
        Assert.That(ds.ToString(), Is.EqualTo("Dataset FromTensorSlices((10,)).Shuffle(10, seed 5).Batch(4)"));
    }
}
