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

    /// <summary>
    /// The long run behind the numbers in docs/memory.md: the same loop for 10,000 steps, resident memory read every
    /// 1,000. Explicit (it takes minutes on a loaded machine): run it by name,
    /// <c>dotnet test Eager.Tests -c Release --filter "FullyQualifiedName~TenThousandAdamSteps"</c>.
    /// </summary>
    [Test]
    [Category("Slow")]
    [Explicit("10,000 steps: run by name to measure resident memory over a long loop")]
    public void TenThousandAdamStepsKeepResidentMemoryFlat()
    {
        var x = Tensor.RandomNormal(new Shape(32, 256), seed: 1);
        var labels = Tensor.From(Enumerable.Range(0, 32).Select(i => i % 10).ToArray());
        var model = new Sequential(new Dense(256, activation: Ops.Relu), new Dense(256, activation: Ops.Relu), new Dense(10));
        var opt = new Adam(learningRate: 1e-3f);
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var rss = new List<double>();
        var heap = new List<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= 10_000; step++)
        {
            using (var tape = new GradientTape())
            {
                var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: labels, logits: model.Call(x)));
                opt.ApplyGradients(tape.Gradient(loss, model.TrainableVariables), model.TrainableVariables);
            }
            if (step % 1000 != 0) continue;
            // Read without collecting first: this is the memory the loop holds as it runs.
            process.Refresh();
            rss.Add(process.WorkingSet64 / 1048576.0);
            heap.Add(GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);
            TestContext.Out.WriteLine($"step {step}: resident {rss[^1]:F1} MiB, managed heap {heap[^1]:F1} MiB, pool idle {BufferPool<float>.RetainedBytes / 1048576.0:F1} MiB, " +
                                      $"fresh pool arrays {BufferPool<float>.FreshArrays}, peak resident {process.PeakWorkingSet64 / 1048576.0:F1} MiB, {clock.Elapsed.TotalSeconds:F0} s");
        }
        // From step 2,000 on the loop is warm: resident memory may wander by what a collection leaves (a few MiB) but not grow.
        double grown = rss[^1] - rss[1], spread = rss.Skip(1).Max() - rss.Skip(1).Min();
        TestContext.Out.WriteLine($"resident memory from step 2,000 to 10,000: {rss[1]:F1} -> {rss[^1]:F1} MiB, spread {spread:F1} MiB");
        Assert.That(grown, Is.LessThan(16), "resident memory stays flat over 8,000 warm steps");
        Assert.That(spread, Is.LessThan(32), "resident memory stays within a band");
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
