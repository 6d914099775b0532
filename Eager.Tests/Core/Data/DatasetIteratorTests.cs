namespace Eager.Tests.Core.Data;

/// <summary>Element specs and graph iterators (TensorFlow 1's make_one_shot_iterator().get_next()).</summary>
public class DatasetIteratorTests
{
    private static readonly Tensor Xs = Tensor.From(Enumerable.Range(0, 30).Select(i => (float)i).ToArray(), new Shape(10, 3));
    private static readonly Tensor Ys = Tensor.From(Enumerable.Range(0, 10).ToArray());

    private static string Specs(Dataset ds) =>
        ds.ElementSpec is null ? "unknown" : string.Join(" ", ds.ElementSpec.Select(s => $"{s.DType.Name()}{s.Shape}"));

    [Test]
    public void ElementSpecFollowsTheChain()
    {
        var slices = Dataset.FromTensorSlices(Xs, Ys);
        Assert.That(Specs(slices), Is.EqualTo("float32(3,) int32()"));
        Assert.That(Specs(slices.Shuffle(4, seed: 1).Repeat().Take(3).Skip(1).Filter(_ => true).Prefetch(1).Cache()), Is.EqualTo("float32(3,) int32()"));
        Assert.That(Specs(slices.Batch(4)), Is.EqualTo("float32(None, 3) int32(None,)"));
        Assert.That(Specs(slices.Batch(4, dropRemainder: true)), Is.EqualTo("float32(4, 3) int32(4,)"));
        Assert.That(Specs(slices.Map((x, y) => [x * 2f, Ops.Cast(y, DType.Float32)])), Is.EqualTo("float32(3,) float32()"));
        Assert.That(Specs(slices.Map(e => [Tensor.Scalar(e[1].Item<int>() * 1f)])), Is.EqualTo("unknown"), "a function that reads values cannot be traced");
        Assert.That(Specs(Dataset.Range(3).Zip(slices)), Is.EqualTo("int64() float32(3,) int32()"));
        Assert.That(Specs(Dataset.FromEnumerable(new[] { Xs })), Is.EqualTo("unknown"));
        Assert.That(Specs(Dataset.FromTensors(Xs)), Is.EqualTo("float32(10, 3)"));
        var ragged = Dataset.FromTensorSlices(Xs).Map((Tensor x) => x).PaddedBatch(2, [new Shape(5)]);
        Assert.That(Specs(ragged), Is.EqualTo("float32(None, 5)"));
    }

    [Test]
    public void SessionPullsOneElementPerRunUntilTheEnd()
    {
        var it = Dataset.FromTensorSlices(Xs, Ys).Batch(4).MakeIterator();
        var g = new Graph();
        Tensor rowSums, labels;
        Operation reset;
        using (g.AsDefault())
        {
            var next = it.GetNext();
            Assert.That(next[0].Shape, Is.EqualTo(new Shape(-1, 3)));
            rowSums = Ops.ReduceSum(next[0], [1], keepDims: false);
            labels = next[1];
            reset = it.ResetOp();
        }
        using var sess = new Session(g);
        var seen = new List<int>();
        float total = 0;
        try
        {
            while (true)
            {
                var r = sess.Run([rowSums, labels]);
                total += r[0].ToArray<float>().Sum();
                seen.AddRange(r[1].ToArray<int>());
            }
        }
        catch (OutOfRangeException) { }
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 10)), "one element per run, both fetches from the same element");
        Assert.That(total, Is.EqualTo(435f));
        sess.Run(reset);
        Assert.That(sess.Run(labels).ToArray<int>(), Is.EqualTo(new[] { 0, 1, 2, 3 }), "a new pass");
    }

    [Test]
    public void EagerGetNextAndReset()
    {
        var it = Dataset.Range(2).MakeIterator();
        Assert.That(it.GetNext()[0].Item<long>(), Is.EqualTo(0));
        Assert.That(it.GetNext()[0].Item<long>(), Is.EqualTo(1));
        Assert.Throws<OutOfRangeException>(() => it.GetNext());
        it.Reset();
        Assert.That(it.GetNext()[0].Item<long>(), Is.EqualTo(0));
        Assert.Throws<InvalidOperationException>(() => it.ResetOp(), "ResetOp builds a graph op");
    }

    [Test]
    public void UnknownSpecMustBeGivenAndIsChecked()
    {
        var ds = Dataset.FromEnumerable(new[] { Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(3)) });
        var ex = Assert.Throws<InvalidOperationException>(() => ds.MakeIterator())!;
        Assert.That(ex.Message, Does.Contain("TensorSpec"));
        var it = ds.MakeIterator(new TensorSpec(new Shape(2), DType.Float32));
        Assert.That(it.GetNext()[0].Shape, Is.EqualTo(new Shape(2)));
        Assert.Throws<InvalidOperationException>(() => it.GetNext(), "the second element does not fit the spec");
        var loose = ds.MakeIterator(new TensorSpec(new Shape(-1), DType.Float32));
        Assert.That(loose.GetNext()[0].Shape[0] + loose.GetNext()[0].Shape[0], Is.EqualTo(5));
    }
}
