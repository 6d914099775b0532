namespace Eager.Tests.Core;

/// <summary>Output sizes are checked before a kernel allocates: against what a tensor can hold, and against a
/// <see cref="Dispatcher.LimitElements"/> budget.</summary>
public class OutputLimitsTests
{
    [Test]
    public void AnInferredOutputNoTensorCanHoldIsRejectedNamingTheOp()
    {
        using (new Graph().AsDefault())
        {
            var a = Ops.Placeholder(DType.Float32, new Shape(65536, 1), "a");
            var b = Ops.Placeholder(DType.Float32, new Shape(1, 65536), "b");
            var e = Assert.Throws<ArgumentException>(() => Ops.MatMul(a, b));
            Assert.That(e!.Message, Does.Contain("output 0 would be float32(65536, 65536), 4294967296 elements, more than a tensor can hold")
                .And.Contain("float32(65536, 1), float32(1, 65536)"));
        }
    }

    [Test]
    public void AResizeScaleBeyondInt32IsRejected()
    {
        using (new Graph().AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 4, 4, 1), "x");
            var e = Assert.Throws<ArgumentException>(() => Ops.Resize(x, -1, 8, "nearest", "asymmetric", "floor", scaleHeight: 1e12));
            Assert.That(e!.Message, Does.StartWith("Resize: scale 1000000000000 makes an input size of 4"));
        }
    }

    [Test]
    public void ARangeLongerThanATensorCanHoldSaysSo()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(long.MaxValue), Tensor.Scalar(2L)));
        Assert.That(e!.Message, Does.StartWith("Range: start 0, limit").And.Contain("more than a tensor can hold"));
    }

    [Test]
    public void RangeValuesPerDType()
    {
        Assert.That(Ops.Range(Tensor.Scalar(3), Tensor.Scalar(-4), Tensor.Scalar(-2)).ToArray<int>(), Is.EqualTo(new[] { 3, 1, -1, -3 }));
        Assert.That(Ops.Range(Tensor.Scalar(1L << 40), Tensor.Scalar((1L << 40) + 3), Tensor.Scalar(1L)).ToArray<long>(),
            Is.EqualTo(new[] { 1L << 40, (1L << 40) + 1, (1L << 40) + 2 }));
        Assert.That(Ops.Range(Tensor.Scalar(0.5f), Tensor.Scalar(2f), Tensor.Scalar(0.5f)).ToArray<float>(), Is.EqualTo(new[] { 0.5f, 1f, 1.5f }));
        Assert.That(Ops.Range(Tensor.Scalar(0.0), Tensor.Scalar(0.3), Tensor.Scalar(0.1)).ToArray<double>(), Is.EqualTo(new[] { 0.0, 0.1, 0.2 }).Within(1e-15));
        Assert.That(Ops.Range(Tensor.Scalar(5L), Tensor.Scalar(5L), Tensor.Scalar(1L)).Shape, Is.EqualTo(new Shape(0)));
    }

    [Test]
    public void ABudgetIsSharedByTheOpsInItsScopeAndEndsWithIt()
    {
        using (Dispatcher.LimitElements(10))
        {
            Assert.That(Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(6L), Tensor.Scalar(1L)).Shape.Size, Is.EqualTo(6));
            var e = Assert.Throws<ArgumentException>(() => Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(5L), Tensor.Scalar(1L)));
            Assert.That(e!.Message, Does.StartWith("Range: outputs int64(5").And.Contain("exceed the 4 elements left").And.Contain("limit of 10"));
            Assert.That(Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(4L), Tensor.Scalar(1L)).Shape.Size, Is.EqualTo(4));
        }
        Assert.That(Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(100L), Tensor.Scalar(1L)).Shape.Size, Is.EqualTo(100));
    }

    [Test]
    public void ScopesNestAndTheInnermostCounts()
    {
        using (Dispatcher.LimitElements(100))
        {
            using (Dispatcher.LimitElements(3))
                Assert.Throws<ArgumentException>(() => Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(4L), Tensor.Scalar(1L)));
            Assert.That(Ops.Range(Tensor.Scalar(0L), Tensor.Scalar(50L), Tensor.Scalar(1L)).Shape.Size, Is.EqualTo(50));
        }
    }

    [Test]
    public void OpsAddedToAGraphAreNotCounted()
    {
        using (Dispatcher.LimitElements(1))
        using (new Graph().AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(1000), "x");
            Assert.That((x * x).Shape.Size, Is.EqualTo(1000));
        }
    }
}
