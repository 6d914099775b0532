using Eager.Kernels.Memory;

namespace Eager.Tests.Kernels;

/// <summary>Which arrays the pool keeps: tiny ones never, bias-sized ones only when given back live, large ones always.</summary>
[NonParallelizable]
public class BufferPoolTests
{
    [Test]
    public void TinyArraysAreExactAndNeverKept()
    {
        var a = BufferPool<float>.Rent(BufferPool<float>.MinRecycledLength - 1);
        Assert.That(a, Has.Length.EqualTo(BufferPool<float>.MinRecycledLength - 1));
        Assert.That(BufferPool<float>.ReturnLive(a), Is.False);
        Assert.That(BufferPool<float>.Rent(0), Is.Empty);
    }

    [Test]
    public void BiasSizedArraysComeBackWhenReturnedLive()
    {
        var a = BufferPool<double>.Rent(300);
        Assert.That(a, Has.Length.EqualTo(512), "rounded up to a power of two, like pooled arrays");
        Assert.That(BufferPool<double>.ReturnLive(a), Is.True);
        Assert.That(BufferPool<double>.Rent(400), Is.SameAs(a));
    }

    [Test]
    public void ArraysNotFromThePoolAreDropped()
    {
        Assert.That(BufferPool<int>.ReturnLive(new int[300]), Is.False, "not a rented length");
        var before = BufferPool<int>.RetainedBytes;
        BufferPool<int>.Return(new int[1000]);
        Assert.That(BufferPool<int>.RetainedBytes, Is.EqualTo(before));
    }
}
