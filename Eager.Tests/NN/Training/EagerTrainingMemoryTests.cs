using Eager.Kernels.Memory;
using Eager.NN;

namespace Eager.Tests.NN.Training;

/// <summary>An eager training loop (tape, Adam) keeps its memory flat: the pool stops growing once warm, the managed heap
/// stays put, and the optimizer writes the weights and moments in place.</summary>
public class EagerTrainingMemoryTests
{
    [Test]
    [Category("Slow")]
    public void TwoThousandAdamStepsKeepMemoryFlat()
    {
        var x = Tensor.RandomNormal(new Shape(32, 256), seed: 1);
        var labels = Tensor.From(Enumerable.Range(0, 32).Select(i => i % 10).ToArray());
        var model = new Sequential(new Dense(256, activation: Ops.Relu), new Dense(256, activation: Ops.Relu), new Dense(10));
        var opt = new Adam(learningRate: 1e-3f);

        float Step()
        {
            using var tape = new GradientTape();
            var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: labels, logits: model.Call(x)));
            opt.ApplyGradients(tape.Gradient(loss, model.TrainableVariables), model.TrainableVariables);
            return loss.Item<float>();
        }

        float first = Step();
        for (int i = 0; i < 200; i++) Step();
        long heapBefore = Settle();
        long freshBefore = BufferPool<float>.FreshArrays;
        long retainedBefore = BufferPool<float>.RetainedBytes;
        long inPlaceBefore = Variable.InPlaceUpdates, copiedBefore = Variable.CopiedUpdates;
        float last = 0;
        for (int i = 0; i < 1800; i++) last = Step();
        long inPlace = Variable.InPlaceUpdates - inPlaceBefore, copied = Variable.CopiedUpdates - copiedBefore;
        long fresh = BufferPool<float>.FreshArrays - freshBefore;
        long heapAfter = Settle();
        TestContext.Out.WriteLine($"loss {first} -> {last}; heap {heapBefore} -> {heapAfter} B; fresh pool arrays {fresh}; " +
                                  $"pool idle {retainedBefore} -> {BufferPool<float>.RetainedBytes} B; in-place updates {inPlace}, copied {copied}");
        Assert.That(last, Is.LessThan(first), "the model trains");
        Assert.That(heapAfter - heapBefore, Is.LessThan(2L << 20), "the managed heap stays flat");
        Assert.That(fresh, Is.LessThanOrEqualTo(4), "a warm loop gets every buffer from the pool");
        Assert.That(BufferPool<float>.RetainedBytes - retainedBefore, Is.LessThan(8L << 20), "the pool holds no more idle memory");
        Assert.That(inPlace, Is.GreaterThan(copied), "most updates write into the variables' own buffers");
    }

    private static long Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
