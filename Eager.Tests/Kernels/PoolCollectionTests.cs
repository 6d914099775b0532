using System.Runtime.CompilerServices;
using Eager.Kernels.Memory;

namespace Eager.Tests.Kernels;

/// <summary>Dead tensors' buffers come back to the pool once rentals pass the budget.</summary>
[NonParallelizable]
public class PoolCollectionTests
{
    [Test]
    public void RentalsPastTheBudgetInduceACollection()
    {
        long budget = PoolCollection.Budget;
        int induced = PoolCollection.Induced;
        try
        {
            PoolCollection.Budget = 4 << 20;
            for (int i = 0; i < 64; i++) DropAOneMebibyteTensor();
            Assert.That(PoolCollection.Induced, Is.GreaterThan(induced));
        }
        finally
        {
            PoolCollection.Budget = budget;
        }
    }

    [Test]
    public void ZeroBudgetNeverCollects()
    {
        long budget = PoolCollection.Budget;
        try
        {
            PoolCollection.Budget = 0;
            int induced = PoolCollection.Induced;
            for (int i = 0; i < 16; i++) DropAOneMebibyteTensor();
            Assert.That(PoolCollection.Induced, Is.EqualTo(induced));
        }
        finally
        {
            PoolCollection.Budget = budget;
        }
    }

    [Test]
    public void AMissCollectsBeforeAllocatingAFreshArray()
    {
        long budget = PoolCollection.Budget;
        try
        {
            // A 32 MiB bucket nothing else uses; the miss threshold is half the budget.
            PoolCollection.Budget = 64 << 20;
            DropATensor(5_000_000);
            long fresh = BufferPool<float>.FreshArrays;
            int induced = PoolCollection.Induced;
            for (int i = 0; i < 8; i++) DropATensor(5_000_000);
            Assert.That(BufferPool<float>.FreshArrays - fresh, Is.LessThanOrEqualTo(1), "each dropped tensor's buffer comes back for the next");
            Assert.That(PoolCollection.Induced, Is.GreaterThan(induced));
        }
        finally
        {
            PoolCollection.Budget = budget;
        }
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
        DropATensor(100_000);
        int young = PoolCollection.InducedYoung;
        for (int i = 0; i < 64; i++) DropATensor(100_000);
        Assert.That(PoolCollection.InducedYoung, Is.EqualTo(young));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropATensor(int length) => GC.KeepAlive(Tensor.Zeros(new Shape(length)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropAOneMebibyteTensor() => GC.KeepAlive(Tensor.Zeros(new Shape(1 << 18)));
}
