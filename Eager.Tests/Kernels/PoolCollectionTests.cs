using System.Runtime.CompilerServices;
using Eager.Kernels.Memory;

namespace Eager.Tests.Kernels;

/// <summary>Dead tensors' buffers come back to the pool once rentals pass the budget.</summary>
[NonParallelizable]
public class PoolCollectionTests
{
    private long budget;

    [SetUp]
    public void SaveBudget() => budget = PoolCollection.Budget;

    [TearDown]
    public void RestoreBudget() => PoolCollection.Budget = budget;

    [Test]
    public void RentalsPastTheBudgetInduceACollection()
    {
        int induced = PoolCollection.Induced;
        PoolCollection.Budget = 4 << 20;
        int young = PoolCollection.InducedYoung;
        for (int i = 0; i < 64; i++) DropAOneMebibyteTensor();
        Assert.That(PoolCollection.Induced + PoolCollection.InducedYoung, Is.GreaterThan(induced + young));
    }

    [Test]
    public void ZeroBudgetNeverCollects()
    {
        PoolCollection.Budget = 0;
        int induced = PoolCollection.Induced;
        for (int i = 0; i < 16; i++) DropAOneMebibyteTensor();
        Assert.That(PoolCollection.Induced, Is.EqualTo(induced));
    }

    [Test]
    public void AMissCollectsBeforeAllocatingAFreshArray()
    {
        // A 32 MiB bucket nothing else uses; the miss threshold is half the budget.
        PoolCollection.Budget = 64 << 20;
        DropATensor(5_000_000);
        long fresh = BufferPool<float>.FreshArrays;
        int induced = PoolCollection.Induced + PoolCollection.InducedYoung;
        for (int i = 0; i < 8; i++) DropATensor(5_000_000);
        Assert.That(BufferPool<float>.FreshArrays - fresh, Is.LessThanOrEqualTo(1), "each dropped tensor's buffer comes back for the next");
        Assert.That(PoolCollection.Induced + PoolCollection.InducedYoung, Is.GreaterThan(induced));
    }

    [Test]
    public void ALargeMissBringsBackAYoungDeadBufferInsteadOfGrowing()
    {
        // An 8 MiB bucket, far below the budget's thresholds: a collection on a miss brings the dropped buffers back,
        // the young one, or a full one when other sizes sit idle and the miss gives them up (which of the two depends
        // on what earlier tests left in the pool).
        DropATensor(2_000_000);
        long fresh = BufferPool<float>.FreshArrays;
        int collections = PoolCollection.InducedYoung + PoolCollection.Induced;
        for (int i = 0; i < 8; i++) DropATensor(2_000_000);
        Assert.That(PoolCollection.InducedYoung + PoolCollection.Induced, Is.GreaterThan(collections));
        Assert.That(BufferPool<float>.FreshArrays - fresh, Is.LessThanOrEqualTo(3), "at most one fresh buffer per few young collections");
    }

    [Test]
    public void SmallMissesNeverRunAYoungCollection()
    {
        // Far from the budget's tick, which runs a young collection of its own.
        PoolCollection.Budget = 1L << 40;
        DropATensor(100_000);
        int young = PoolCollection.InducedYoung;
        for (int i = 0; i < 64; i++) DropATensor(100_000);
        Assert.That(PoolCollection.InducedYoung, Is.EqualTo(young));
    }

    [Test]
    public void TensorsThatDieYoungAreReclaimedWithoutAFullCollection()
    {
        // A MatMul 256 in a loop: one 256 KiB result dropped per call, below the sizes whose misses collect on their own.
        PoolCollection.Budget = 16 << 20;
        for (int i = 0; i < 256; i++) DropATensor(1 << 16); // the pool grows to a tick's worth of buffers
        int induced = PoolCollection.Induced, settled = PoolCollection.ReclaimedYoung;
        long fresh = BufferPool<float>.FreshArrays;
        for (int i = 0; i < 1024; i++) DropATensor(1 << 16);
        int young = PoolCollection.ReclaimedYoung - settled, full = PoolCollection.Induced - induced;
        TestContext.Out.WriteLine($"ticks settled young {young}, full collections {full}, fresh {BufferPool<float>.FreshArrays - fresh}");
        Assert.That(young, Is.GreaterThanOrEqualTo(12), "each 16 MiB tick is settled by a young collection");
        Assert.That(full, Is.LessThanOrEqualTo(2), "tensors that die young need no full collection");
        Assert.That(BufferPool<float>.FreshArrays - fresh, Is.LessThanOrEqualTo(4), "and still come back to the pool");
    }

    [Test]
    public void TensorsThatDieOldStillGetAFullCollection()
    {
        PoolCollection.Budget = 16 << 20;
        int induced = PoolCollection.Induced;
        for (int round = 0; round < 4; round++)
        {
            // Each round's tensors survive two collections (so they reach the oldest generation) and then die there,
            // where a young collection cannot find them.
            KeepThroughTwoCollectionsThenDrop(4);
            for (int i = 0; i < 20; i++) DropAOneMebibyteTensor();
        }
        Assert.That(PoolCollection.Induced, Is.GreaterThan(induced), "old dead tensors add up to a full collection");
    }

    [Test]
    public void AGrowingLiveSetStopsPayingForFullCollections()
    {
        // A forward pass keeping its activations: outstanding bytes grow because tensors are live, not dead; the first
        // full collections find nothing, after which the threshold grows and full collections become rare.
        var live = new List<Tensor>();
        try
        {
            PoolCollection.Budget = 16 << 20;
            int full = PoolCollection.ReclaimedFull, young = PoolCollection.ReclaimedYoung;
            for (int i = 0; i < 256; i++)
            {
                live.Add(Tensor.Zeros(new Shape(1 << 18)));
                DropAOneMebibyteTensor();
            }
            int paid = PoolCollection.ReclaimedFull - full, ticks = paid + PoolCollection.ReclaimedYoung - young;
            TestContext.Out.WriteLine($"full collections at {paid} of {ticks} ticks");
            Assert.That(paid, Is.GreaterThan(0), "live growth first looks like old dead tensors");
            // 8 MiB of live growth per 16 MiB tick: with the threshold at its cap (the budget) every other tick.
            Assert.That(paid, Is.LessThanOrEqualTo(ticks * 0.6), "once full collections find little they stop running at every tick");
        }
        finally
        {
            live.Clear();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void KeepThroughTwoCollectionsThenDrop(int count)
    {
        var kept = new List<Tensor>();
        for (int i = 0; i < count; i++) kept.Add(Tensor.Zeros(new Shape(1 << 20))); // 4 MiB each
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.KeepAlive(kept);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropATensor(int length) => GC.KeepAlive(Tensor.Zeros(new Shape(length)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropAOneMebibyteTensor() => GC.KeepAlive(Tensor.Zeros(new Shape(1 << 18)));
}
