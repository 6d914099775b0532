namespace Eager.Tests.Core.Data;

/// <summary>A dataset feeding a traced step (the TensorFlow 2 way of writing an input pipeline).</summary>
public class DatasetFunctionTests
{
    [Test]
    public void BatchesFeedATracedStepThatIsTracedOnce()
    {
        var xs = Tensor.From(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), new Shape(6, 2));
        var ys = Tensor.From(Enumerable.Range(0, 6).Select(i => (float)i).ToArray());
        var total = new Variable(Tensor.Scalar(0f), name: "total");
        var step = Function.Create((Tensor x, Tensor y) =>
        {
            var s = Ops.ReduceSum(x, [0, 1], keepDims: false) + Ops.ReduceSum(y, [0], keepDims: false);
            total.AssignAdd(s);
            return s;
        });
        var pipeline = Dataset.FromTensorSlices(xs, ys).Shuffle(6, seed: 2).Batch(2, dropRemainder: true).Prefetch(2);
        float sum = 0;
        foreach (var batch in pipeline) sum += step.Invoke(batch[0], batch[1]).Item<float>();
        Assert.That(step.TraceCount, Is.EqualTo(1), "every batch has the same signature");
        Assert.That(sum, Is.EqualTo(66f + 15f));
        Assert.That(total.Value.Item<float>(), Is.EqualTo(81f));
    }
}
