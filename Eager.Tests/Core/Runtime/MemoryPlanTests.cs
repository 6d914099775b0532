using Eager.Kernels.Memory;
using Eager.Tests.Core.Passes;

namespace Eager.Tests.Core.Runtime;

/// <summary>
/// A Session run returns each intermediate buffer to the pool when the last slot over it dies, never a buffer
/// the run did not create (constants, variables, feeds), never one that is fetched (directly or through a view),
/// and never one a stateful op kept (Assign, Enqueue). Buffers are pooled from 1,024 elements, so the tensors
/// here are at least that large.
/// </summary>
[NonParallelizable]
public class MemoryPlanTests
{
    private const int N = 4096;

    private static Tensor Ramp(int n, float scale = 1f) => Tensor.From(Enumerable.Range(0, n).Select(i => i * scale).ToArray());

    private static float[] Expected(int n, Func<float, float> f) => [.. Enumerable.Range(0, n).Select(i => f(i))];

    private static void ChurnThePool()
    {
        // Reuse any buffer the run released wrongly: its contents change, and a wrong release shows as wrong values.
        for (int i = 0; i < 8; i++) GC.KeepAlive(Ops.Fill(new Shape(N), 123f) + 1f);
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [TestCase(InterOpParallelism.Off)]
    [TestCase(InterOpParallelism.Always)]
    public void IntermediatesGoBackToThePoolDuringTheRun(InterOpParallelism mode)
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            var a = Ops.Exp(x * 0.001f);
            var b = Ops.Reshape(Ops.Tanh(a), [64, 64]);
            var c = Ops.Sqrt(Ops.Abs(b)) + Ops.Square(b);
            y = Ops.ReduceSum(Ops.Reshape(c, [N]) * a);
        }
        using var s = new Session(g, new SessionOptions { InterOpParallelism = mode, Rewriter = null });
        long before = RunMemory.ReleasedTotal;
        var got = s.Run(y, new FeedDict { { x, Ramp(N) } }).Item<float>();
        Assert.That(RunMemory.ReleasedTotal - before, Is.GreaterThanOrEqualTo(4), "the Exp, Tanh, Sqrt/Abs/Square and product buffers");
        double want = 0;
        for (int i = 0; i < N; i++)
        {
            double a = Math.Exp(i * 0.001), b = Math.Tanh(a);
            want += (Math.Sqrt(Math.Abs(b)) + b * b) * a;
        }
        Assert.That(got, Is.EqualTo(want).Within(1e-5 * Math.Abs(want)));
    }

    [Test]
    public void AFetchedViewOfAnIntermediateKeepsItsBuffer()
    {
        var g = new Graph();
        Tensor x, view, other;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            var a = x * 2f;
            view = Ops.Reshape(a, [64, 64]);
            other = Ops.ReduceSum(a + 1f);
        }
        using var s = new Session(g, new SessionOptions { Rewriter = null });
        var r = s.Run([view, other], new FeedDict { { x, Ramp(N) } });
        ChurnThePool();
        Assert.That(r[0].ToArray<float>(), Is.EqualTo(Expected(N, i => i * 2f)));
    }

    [Test]
    public void ConstantsAndFeedsAreNeverReleased()
    {
        var g = new Graph();
        Tensor x, y, same;
        var big = Ramp(N);
        var fed = Ramp(N, 0.5f);
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            var c = Ops.Constant(big);
            same = Ops.Identity(c);
            y = Ops.ReduceSum(Ops.Identity(x) * Ops.Identity(c));
        }
        using var s = new Session(g, new SessionOptions { Rewriter = null });
        for (int i = 0; i < 3; i++)
        {
            s.Run([y, same], new FeedDict { { x, fed } });
            ChurnThePool();
        }
        Assert.That(big.ToArray<float>(), Is.EqualTo(Expected(N, i => i)));
        Assert.That(fed.ToArray<float>(), Is.EqualTo(Expected(N, i => i * 0.5f)));
        Assert.That(s.Run(same).ToArray<float>(), Is.EqualTo(Expected(N, i => i)));
    }

    [Test]
    public void AnAssignedValueStaysWithItsVariable()
    {
        var g = new Graph();
        Variable v;
        Tensor x;
        Operation assign, init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            v = new Variable(Tensor.Zeros(new Shape(N)), name: "v");
            // The assigned value is an intermediate of the run that also feeds a later op.
            var value = x * 3f;
            assign = Ops.Group(v.Assign(value), Ops.ReduceSum(value + 1f));
            init = Ops.GlobalVariablesInitializer();
        }
        using var s = new Session(g, new SessionOptions { Rewriter = null });
        s.Run(init);
        s.Run(assign, new FeedDict { { x, Ramp(N) } });
        ChurnThePool();
        Assert.That(s.Run(v).ToArray<float>(), Is.EqualTo(Expected(N, i => i * 3f)));
    }

    [Test]
    public void AnEnqueuedIntermediateSurvivesUntilDequeued()
    {
        var g = new Graph();
        Tensor x;
        Operation enqueue;
        Tensor dequeued;
        using (g.AsDefault())
        {
            var q = new FIFOQueue(4, [DType.Float32], [new Shape(N)]);
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            enqueue = q.EnqueueOp(Ops.Sqrt(x));
            dequeued = q.DequeueOp()[0];
        }
        using var s = new Session(g, new SessionOptions { Rewriter = null });
        s.Run(enqueue, new FeedDict { { x, Ramp(N) } });
        ChurnThePool();
        Assert.That(s.Run(dequeued).ToArray<float>(), Is.EqualTo(Expected(N, i => MathF.Sqrt(i))).Within(1e-6f));
    }

    [Test]
    public void ASteadyTrainingRunAllocatesNoFreshBuffers()
    {
        var g = new Graph();
        Tensor x;
        Operation train, init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(64, 128), name: "x");
            var w = new Variable(Ops.Fill(new Shape(128, 128), 0.01f), name: "w");
            using var tape = new GradientTape();
            var h = Ops.Relu(Ops.MatMul(x, w.Read()));
            var loss = Ops.ReduceMean(Ops.Square(h - 1f));
            var grad = tape.Gradient(loss, w);
            train = w.AssignSub(grad! * 0.01f).Op;
            init = Ops.GlobalVariablesInitializer();
        }
        using var s = new Session(g, new SessionOptions { InterOpParallelism = InterOpParallelism.Off });
        s.Run(init);
        var feed = new FeedDict { { x, Ops.Fill(new Shape(64, 128), 0.5f) } };
        // Each update leaves the variable's old value to the GC (a user may still hold it); the pool's induced
        // collections bring those back. A small budget makes the test reach that steady state in a few runs.
        long budget = PoolCollection.Budget;
        try
        {
            PoolCollection.Budget = 1 << 20;
            for (int i = 0; i < 40; i++) s.Run(train, feed);
            long fresh = BufferPool<float>.FreshArrays;
            long released = RunMemory.ReleasedTotal;
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            const int runs = 20;
            for (int i = 0; i < runs; i++) s.Run(train, feed);
            long perRun = (GC.GetAllocatedBytesForCurrentThread() - bytes) / runs;
            TestContext.Out.WriteLine($"managed bytes per run: {perRun}; fresh float buffers: {BufferPool<float>.FreshArrays - fresh}; released early per run: {(RunMemory.ReleasedTotal - released) / runs}");
            Assert.That(BufferPool<float>.FreshArrays - fresh, Is.Zero);
            Assert.That((RunMemory.ReleasedTotal - released) / runs, Is.GreaterThanOrEqualTo(4), "MatMul, both fused outputs, the weight gradient and its scaled copy");
            // Tensor objects, slot arrays and kernel argument arrays: a few KiB, against 64 KiB per weight-sized buffer.
            Assert.That(perRun, Is.LessThan(16 << 10));
        }
        finally
        {
            PoolCollection.Budget = budget;
        }
    }

    [Test]
    public void AFusedChainWritesIntoTheBufferOfAnInputThatDiesThere()
    {
        var g = new Graph();
        Tensor x, y, z;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(64, 64), name: "x");
            var m = Ops.MatMul(x, x);
            y = Ops.Relu(m * 2f - 1f) + 0.5f;   // m dies in this chain: its buffer can take y
            var n = Ops.MatMul(x, x, transposeB: true);
            var w = Ops.Tanh(n * 0.5f);        // n is still needed below: no reuse
            z = Ops.MatMul(w, n);
        }
        var xv = Tensor.RandomUniform(new Shape(64, 64), -1, 1, seed: 5);
        using var s = new Session(g, new SessionOptions { InterOpParallelism = InterOpParallelism.Off });
        long before = BufferDonation.Taken;
        var r = s.Run([y, z], new FeedDict { { x, xv } });
        Assert.That(BufferDonation.Taken - before, Is.EqualTo(1));
        var m0 = Ops.MatMul(xv, xv);
        PassCheck.AssertClose(r[0], Ops.Relu(m0 * 2f - 1f) + 0.5f);
        var n0 = Ops.MatMul(xv, xv, transposeB: true);
        PassCheck.AssertClose(r[1], Ops.MatMul(Ops.Tanh(n0 * 0.5f), n0));
    }

    [Test]
    public void PlanningCanBeSwitchedOff()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(N), name: "x");
            y = Ops.ReduceSum(Ops.Exp(x * 0.001f) * 2f + Ops.Sqrt(x));
        }
        using var s = new Session(g, new SessionOptions { PlanMemory = false, InterOpParallelism = InterOpParallelism.Off });
        long released = RunMemory.ReleasedTotal, taken = BufferDonation.Taken;
        var got = s.Run(y, new FeedDict { { x, Ramp(N) } }).Item<float>();
        Assert.That(RunMemory.ReleasedTotal, Is.EqualTo(released));
        Assert.That(BufferDonation.Taken, Is.EqualTo(taken));
        double want = Enumerable.Range(0, N).Sum(i => Math.Exp(i * 0.001) * 2 + Math.Sqrt(i));
        Assert.That(got, Is.EqualTo(want).Within(1e-5 * want));
    }

    [Test]
    public void BiasSizedIntermediatesAreRecycledToo()
    {
        // 256 to 1,023 elements carry no finalizable lease, so only the plan brings them back: a dropped eager
        // tensor of this size costs no more than a plain array, and a Session run reuses them.
        const int n = 300;
        var g = new Graph();
        Tensor x, y, kept;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(n), name: "x");
            var a = Ops.Exp(x * 0.01f);
            kept = a * 3f;
            y = Ops.ReduceSum(Ops.Sqrt(a) + Ops.Square(a));
        }
        using var s = new Session(g, new SessionOptions { InterOpParallelism = InterOpParallelism.Off, Rewriter = null });
        var feed = new FeedDict { { x, Ramp(n) } };
        s.Run([y, kept], feed);
        long before = RunMemory.ReleasedTotal;
        var r = s.Run([y, kept], feed);
        Assert.That(RunMemory.ReleasedTotal - before, Is.GreaterThanOrEqualTo(3), "the Exp, Sqrt and Square buffers");
        for (int i = 0; i < 8; i++) s.Run([y, kept], new FeedDict { { x, Ramp(n, -1f) } }); // reuses whatever was released
        Assert.That(r[1].ToArray<float>(), Is.EqualTo(Expected(n, i => MathF.Exp(i * 0.01f) * 3f)).Within(1e-4).Percent);
        double want = Enumerable.Range(0, n).Sum(i => Math.Sqrt(Math.Exp(i * 0.01)) + Math.Exp(i * 0.02));
        Assert.That(r[0].Item<float>(), Is.EqualTo(want).Within(1e-5 * want));
    }
}
