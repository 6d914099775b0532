using System.Runtime.CompilerServices;
using Eager.Kernels.Gemm;
using Eager.NN;

namespace Eager.Tests.Core.Tensors;

/// <summary>
/// A convolution's packed filter is kept beside the filter's storage once the same data is used twice: the kept copy
/// gives exactly the uncached result on every kernel family, a variable updated in place (an optimizer step,
/// AssignSub, a write through AsSpan) or assigned gets its new weights packed, a Session's donated buffers and graph
/// variables are seen, and the copies die with their filter and stay within the budget.
/// </summary>
[NonParallelizable]
public class PackedCacheTests
{
    private long savedMax;

    [SetUp]
    public void Save() => savedMax = PackedCache.MaxBytes;

    [TearDown]
    public void Restore()
    {
        PackedCache.MaxBytes = savedMax;
        Gemm.Path = GemmPath.Auto;
    }

    private static Tensor Random(int seed, params int[] dims) => Tensor.RandomNormal(new Shape(dims), seed: seed) * 0.3f;

    /// <summary>The convolution with the cache off and a filter of its own (nothing kept can be read).</summary>
    private static float[] Uncached(Tensor x, Tensor w, string padding = "SAME")
    {
        long max = PackedCache.MaxBytes;
        PackedCache.MaxBytes = 0;
        try { return Ops.Conv2D(x, Tensor.From(w.ToArray<float>(), w.Shape), padding: padding).ToArray<float>(); }
        finally { PackedCache.MaxBytes = max; }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    // (batch, h, w, cin, cout): odd sizes around the 16- and 32-wide panels, 14-pixel rows, one pixel.
    private static readonly int[][] Shapes = [[1, 7, 9, 16, 17], [2, 6, 28, 17, 40], [1, 1, 1, 16, 33], [1, 14, 14, 32, 64], [1, 5, 7, 19, 8]];

    [Test]
    public void AKeptPackingGivesTheUncachedResultOnEveryKernelFamily(
        [Values(GemmPath.Vector512, GemmPath.Vector256, GemmPath.Simple)] GemmPath path, [Range(0, 4)] int which)
    {
        Gemm.Path = path;
        var s = Shapes[which];
        var x = Random(1, s[0], s[1], s[2], s[3]);
        var w = Random(2, 3, 3, s[3], s[4]);
        var want = Uncached(x, w);
        long packs = PackedCache.Packs, hits = PackedCache.Hits;
        for (int i = 0; i < 3; i++)
            Assert.That(Ops.Conv2D(x, w, padding: "SAME").ToArray<float>(), Is.EqualTo(want), $"call {i}");
        bool packsFilters = path != GemmPath.Simple && s[4] > 8;
        Assert.That(PackedCache.Packs - packs, Is.EqualTo(packsFilters ? 1 : 0), "packed once, on the second call");
        Assert.That(PackedCache.Hits - hits, Is.EqualTo(packsFilters ? 1 : 0), "the third call reads the kept copy");
    }

    [Test]
    public void TheInputGradientKeepsNoPacking([Values(GemmPath.Vector512, GemmPath.Vector256)] GemmPath path)
    {
        Gemm.Path = path;
        var w = Tensor.RandomNormal(new Shape(3, 3, 20, 24), seed: 3, dtype: DType.Float64);
        var dy = Tensor.RandomNormal(new Shape(2, 9, 10, 24), seed: 4, dtype: DType.Float64);
        var shape = new Shape(2, 9, 10, 20);
        PackedCache.MaxBytes = 0;
        var want = Ops.Conv2DBackpropInput(shape, w, dy, padding: "SAME").ToArray<double>();
        PackedCache.MaxBytes = savedMax;
        long packs = PackedCache.Packs;
        for (int i = 0; i < 3; i++)
            Assert.That(Ops.Conv2DBackpropInput(shape, w, dy, padding: "SAME").ToArray<double>(), Is.EqualTo(want));
        Assert.That(PackedCache.Packs - packs, Is.EqualTo(0), "a frozen filter differentiated through keeps no second copy");
        // Float64 forward calls keep theirs.
        var x = Tensor.RandomNormal(shape, seed: 5, dtype: DType.Float64);
        PackedCache.MaxBytes = 0;
        var forward = Ops.Conv2D(x, w, padding: "SAME").ToArray<double>();
        PackedCache.MaxBytes = savedMax;
        packs = PackedCache.Packs;
        for (int i = 0; i < 3; i++)
            Assert.That(Ops.Conv2D(x, w, padding: "SAME").ToArray<double>(), Is.EqualTo(forward));
        Assert.That(PackedCache.Packs - packs, Is.EqualTo(1));
    }

    [Test]
    public void AViewAtAnOffsetIsKeptApartFromTheRestOfItsStorage()
    {
        var both = Random(5, 2, 3, 3, 16, 24);
        var x = Random(6, 1, 8, 8, 16);
        var first = Ops.Slice(both, [0, 0, 0, 0, 0], [1, 3, 3, 16, 24]).Reshape(3, 3, 16, 24);
        var second = Ops.Slice(both, [1, 0, 0, 0, 0], [1, 3, 3, 16, 24]).Reshape(3, 3, 16, 24);
        for (int i = 0; i < 3; i++)
        {
            Assert.That(Ops.Conv2D(x, first, padding: "SAME").ToArray<float>(), Is.EqualTo(Uncached(x, first)));
            Assert.That(Ops.Conv2D(x, second, padding: "SAME").ToArray<float>(), Is.EqualTo(Uncached(x, second)));
        }
    }

    // Out of line so that no read of the variable stays reachable: the next update may then write in place.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] Conv(Tensor x, Variable w) => Ops.Conv2D(x, w, padding: "SAME").ToArray<float>();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] UncachedOf(Tensor x, Variable w) => Uncached(x, w.Value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sub(Variable w, Tensor d) => w.AssignSub(d);

    [Test]
    public void AVariableUpdatedInPlaceIsPackedAgain([Values(GemmPath.Vector512, GemmPath.Vector256)] GemmPath path)
    {
        Gemm.Path = path;
        var x = Random(7, 1, 9, 11, 16);
        var w = new Variable(Random(8, 3, 3, 16, 40), name: "w");
        var d = Random(9, 3, 3, 16, 40);
        Sub(w, d * 0f); // from now on the variable owns its buffer
        Collect();
        for (int step = 0; step < 3; step++)
        {
            long packs = PackedCache.Packs, hits = PackedCache.Hits;
            var want = UncachedOf(x, w);
            for (int i = 0; i < 3; i++) Assert.That(Conv(x, w), Is.EqualTo(want), $"step {step}, call {i}");
            Assert.That(PackedCache.Packs - packs, Is.EqualTo(1));
            Assert.That(PackedCache.Hits - hits, Is.EqualTo(1));
            Collect();
            long inPlace = Variable.InPlaceUpdates;
            Sub(w, d);
            Assert.That(Variable.InPlaceUpdates - inPlace, Is.EqualTo(1), "the update wrote into the buffer the packing came from");
        }
    }

    [Test]
    public void AnOptimizerStepGivesTheNextConvolutionTheNewWeights()
    {
        var x = Random(10, 2, 8, 8, 16);
        var target = Random(11, 2, 8, 8, 24);
        var init = Random(12, 3, 3, 16, 24).ToArray<float>();
        float[] Train(long budget)
        {
            PackedCache.MaxBytes = budget;
            var w = new Variable(Tensor.From(init, new Shape(3, 3, 16, 24)), name: "w");
            var opt = new Adam(learningRate: 0.05);
            var seen = new List<float>();
            for (int step = 0; step < 4; step++)
            {
                // Two uses of each version before the step, so the enabled cache keeps a packing for the step to outdate.
                seen.AddRange(Conv(x, w));
                seen.AddRange(Conv(x, w));
                Step(x, target, w, opt);
            }
            seen.AddRange(Conv(x, w));
            return [.. seen];
        }
        var plain = Train(0);
        long inPlace = Variable.InPlaceUpdates;
        var cached = Train(savedMax);
        Assert.That(Variable.InPlaceUpdates - inPlace, Is.GreaterThanOrEqualTo(1), "Adam wrote into the variable's buffer");
        Assert.That(cached, Is.EqualTo(plain));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Step(Tensor x, Tensor target, Variable w, Adam opt)
    {
        Tensor g;
        using (var tape = new GradientTape())
            g = tape.Gradient(Ops.ReduceMean(Ops.Square(Ops.Conv2D(x, w, padding: "SAME") - target)), w)!;
        opt.ApplyGradients([g], [w]);
    }

    [Test]
    public void AssignAndAWriteThroughAsSpanAreSeen()
    {
        var x = Random(13, 1, 6, 6, 16);
        var w = new Variable(Random(14, 3, 3, 16, 24), name: "w");
        for (int i = 0; i < 3; i++) Conv(x, w);
        var next = Random(15, 3, 3, 16, 24);
        w.Assign(next);
        Assert.That(Conv(x, w), Is.EqualTo(Uncached(x, next)));

        var f = Random(16, 3, 3, 16, 24);
        for (int i = 0; i < 3; i++) Ops.Conv2D(x, f, padding: "SAME");
        f.AsSpan<float>().Fill(0.25f);
        Assert.That(Ops.Conv2D(x, f, padding: "SAME").ToArray<float>(), Is.EqualTo(Uncached(x, f)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UseAndForget(Tensor x)
    {
        var w = Random(17, 3, 3, 16, 48);
        for (int i = 0; i < 3; i++) Ops.Conv2D(x, w, padding: "SAME");
        return new WeakReference(w);
    }

    [Test]
    public void PackedCopiesDieWithTheirFilter()
    {
        var x = Random(18, 1, 6, 6, 16);
        Collect();
        long before = PackedCache.Bytes, packs = PackedCache.Packs;
        var weak = UseAndForget(x);
        if (PackedCache.Packs == packs) Assert.Ignore("this machine's convolution path packs no filter");
        Assert.That(PackedCache.Bytes, Is.GreaterThan(before));
        Collect();
        Assert.That(weak.IsAlive, Is.False);
        Assert.That(PackedCache.Bytes, Is.LessThanOrEqualTo(before));
    }

    [Test]
    public void TheBudgetDropsTheLeastRecentlyUsed()
    {
        var x = Random(19, 1, 6, 6, 16);
        var filters = Enumerable.Range(0, 4).Select(i => Random(20 + i, 3, 3, 16, 64)).ToArray();
        Collect();
        PackedCache.MaxBytes = PackedCache.Bytes + 2 * (3L * 3 * 16 * 64 * 4 + 64) + 4096;
        foreach (var f in filters)
            for (int i = 0; i < 3; i++)
                Assert.That(Ops.Conv2D(x, f, padding: "SAME").ToArray<float>(), Is.EqualTo(Uncached(x, f)));
        Assert.That(PackedCache.Bytes, Is.LessThanOrEqualTo(PackedCache.MaxBytes));
    }

    [Test]
    public void TracedFunctionsAndSessionsUseTheCurrentWeights()
    {
        var x = Random(30, 1, 8, 8, 16);
        var c = Random(31, 3, 3, 16, 24);
        var f = Function.Create(t => Ops.Relu(Ops.Conv2D(t, c, padding: "SAME")));
        var want = Ops.Relu(Tensor.From(Uncached(x, c), new Shape(1, 8, 8, 24))).ToArray<float>();
        for (int i = 0; i < 3; i++) Assert.That(f.Invoke(x).ToArray<float>(), Is.EqualTo(want));

        var g = new Graph();
        Tensor input, y1, y2, next, read, assign;
        Operation init;
        using (g.AsDefault())
        {
            input = Ops.Placeholder(DType.Float32, new Shape(1, 8, 8, 16), name: "x");
            var w = new Variable(Random(32, 3, 3, 16, 24), name: "w");
            read = w.Read();
            var scaled = read * 2f;                           // a filter the run computes (its buffer is the run's)
            y1 = Ops.Conv2D(input, scaled, padding: "SAME");
            y2 = Ops.Conv2D(input, Ops.Exp(scaled * 0.1f), padding: "SAME");
            next = Ops.Placeholder(DType.Float32, new Shape(3, 3, 16, 24), name: "next");
            assign = w.Assign(next);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        for (int round = 0; round < 3; round++)
        {
            var wv = sess.Run(read);
            var feeds = new FeedDict { { input, x } };
            for (int i = 0; i < 3; i++)
            {
                var got = sess.Run([y1, y2], feeds);
                Assert.That(got[0].ToArray<float>(), Is.EqualTo(Uncached(x, wv * 2f)), $"round {round}");
                Assert.That(got[1].ToArray<float>(), Is.EqualTo(Uncached(x, Ops.Exp(wv * 2f * 0.1f))).Within(1e-5f), $"round {round}");
            }
            sess.Run(assign, new FeedDict { { next, Random(40 + round, 3, 3, 16, 24) } });
        }
    }
}
