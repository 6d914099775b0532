using Eager.Kernels.Gemm;

namespace Eager.Tests.Kernels;

/// <summary>Bad arguments are rejected at the call with a message, never read or written out of bounds.</summary>
public class GemmErrorTests
{
    [Test]
    public void NegativeDimensionsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(-1, 2, 2, new float[4], 2, new float[4], 2, new float[4], 2));
        Assert.That(ex!.Message, Does.Contain("m=-1"));
    }

    [Test]
    public void ShortSpansAreRejected()
    {
        Assert.That(() => Gemm.Multiply<float>(2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2),
            Throws.ArgumentException.With.Message.Contains("A (2x2"));
        Assert.That(() => Gemm.Multiply<float>(2, 2, 2, new float[4], 2, new float[3], 2, new float[4], 2),
            Throws.ArgumentException.With.Message.Contains("B (2x2"));
        Assert.That(() => Gemm.Multiply<float>(2, 2, 2, new float[4], 2, new float[4], 2, new float[3], 2),
            Throws.ArgumentException.With.Message.Contains("C (2x2"));
        Assert.That(() => Gemm.Multiply<double>(true, false, 3, 2, 2, new double[5], 3, new double[4], 2, new double[6], 2),
            Throws.ArgumentException.With.Message.Contains("needs 6 elements"));
    }

    [Test]
    public void BadStridesAreRejected()
    {
        Assert.That(() => Gemm.Multiply<float>(2, 3, 2, new float[4], 2, new float[6], 3, new float[6], 2),
            Throws.ArgumentException.With.Message.Contains("row stride 2 is less than its 3 columns"));
        Assert.That(() => Gemm.MultiplyStrided<float>(2, 2, 2, new float[4], -2, 1, new float[4], 2, 1, new float[4], 2),
            Throws.ArgumentException.With.Message.Contains("non-negative"));
    }

    [Test]
    public void BatchedRejectsOverlappingOutputsAndShortSpans()
    {
        Assert.That(() => Gemm.MultiplyBatched<float>(2, 2, 2, 2, new float[8], 4, 2, 1, new float[8], 4, 2, 1, new float[8], 2, 2),
            Throws.ArgumentException.With.Message.Contains("overlap"));
        Assert.That(() => Gemm.MultiplyBatched<float>(3, 2, 2, 2, new float[8], 4, 2, 1, new float[12], 4, 2, 1, new float[12], 4, 2),
            Throws.ArgumentException.With.Message.Contains("A (2x2"));
        Assert.That(() => Gemm.MultiplyBatched<float>(-1, 2, 2, 2, new float[8], 4, 2, 1, new float[8], 4, 2, 1, new float[8], 4, 2),
            Throws.ArgumentException.With.Message.Contains("non-negative"));
    }
}
