namespace Eager.Tests.Core.Autodiff;

/// <summary>A long training loop must run in bounded memory: tapes release what they record, variables drop
/// their old values, and tensor buffers go back to the pool. Runs in about 2 s, so it is not marked Slow.</summary>
public class TrainingMemoryTests
{
    [Test]
    public void ThousandTrainingStepsDoNotGrowMemory()
    {
        // y = 2 x0 - 3 x1 + 1 fitted by a two-layer linear model (8 hidden units) with plain SGD.
        var x = Tensor.RandomNormal(new Shape(64, 2), seed: 3);
        var xs = x.ToArray<float>();
        var ys = new float[64];
        for (int i = 0; i < 64; i++) ys[i] = 2 * xs[2 * i] - 3 * xs[2 * i + 1] + 1;
        var y = Tensor.From(ys, new Shape(64, 1));
        var w1 = new Variable(Tensor.RandomNormal(new Shape(2, 8), stddev: 0.5, seed: 1), name: "w1");
        var b1 = new Variable(Tensor.Zeros(new Shape(8)), name: "b1");
        var w2 = new Variable(Tensor.RandomNormal(new Shape(8, 1), stddev: 0.5, seed: 2), name: "w2");
        var b2 = new Variable(Tensor.Zeros(new Shape(1)), name: "b2");
        var vars = new[] { w1, b1, w2, b2 };
        var lr = Tensor.Scalar(0.02f);

        float Step()
        {
            using var tape = new GradientTape();
            var h = Ops.MatMul(x, w1) + b1;
            var err = Ops.MatMul(h, w2) + b2 - y;
            var loss = Ops.ReduceSum(err * err) / 64f;
            var grads = tape.Gradient(loss, vars);
            using (GradientTape.NoGradient())
                for (int i = 0; i < vars.Length; i++) vars[i].AssignSub(grads[i]! * lr);
            return loss.Item<float>();
        }

        float first = Step();
        for (int i = 0; i < 99; i++) Step();
        long before = Settle();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        float last = 0;
        for (int i = 0; i < 900; i++) last = Step();
        long allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 900;
        long after = Settle();
        var info = GC.GetGCMemoryInfo();

        TestContext.Out.WriteLine($"loss {first} -> {last}; live heap {before} -> {after} bytes; {allocatedPerStep} bytes allocated per step; heap size {info.HeapSizeBytes}");
        Assert.That(last, Is.LessThan(first * 0.01f), "the model trains");
        Assert.That(after - before, Is.LessThan(4L << 20), "live memory after 900 more steps grows by less than 4 MiB");
        Assert.That(allocatedPerStep, Is.LessThan(1L << 20), "a step of this tiny model allocates well under 1 MiB");
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

    [Test]
    public void ANonPersistentTapeLetsActivationsGoDuringItsBackwardPass()
    {
        var x = Tensor.RandomNormal(new Shape(1024), seed: 4);
        WeakReference? late = null;
        bool collectedBeforeTheLastRule = false;
        Tensor? grad;
        using (var tape = new GradientTape())
        {
            tape.Watch(x);
            // The custom op is recorded first, so its rule runs last: by then the later records are done with.
            var first = Ops.CustomGradient(a => a[0] * 2f, (_, _, g) =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collectedBeforeTheLastRule = !late!.IsAlive;
                return [g * 2f];
            }, x);
            late = Later(first, out var loss);
            grad = tape.Gradient(loss, x);
        }
        Assert.That(collectedBeforeTheLastRule, Is.True, "the activation recorded after the custom op should be unreachable");
        var want = (Ops.Exp(x * 2f * 0.5f) * 2f * 0.5f).ToArray<float>();
        Assert.That(grad!.ToArray<float>(), Is.EqualTo(want).Within(1e-4f));
    }

    // Kept out of line so no local of the test method holds the activation.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference Later(Tensor first, out Tensor loss)
    {
        var activation = first * 0.5f;
        loss = Ops.ReduceSum(Ops.Exp(activation));
        return new WeakReference(activation);
    }
}
