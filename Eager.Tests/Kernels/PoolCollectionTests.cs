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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropAOneMebibyteTensor() => GC.KeepAlive(Tensor.Zeros(new Shape(1 << 18)));
}
