using Eager.Kernels.Memory;

namespace Eager.Tests.Kernels;

/// <summary>
/// Bucket edges, and a large miss taking the memory of idle buffers of other sizes. Each test rents a struct type of
/// its own, so it has a pool of its own (the pool is per element type and process-wide).
/// </summary>
[NonParallelizable]
public class BufferPoolReuseTests
{
    private readonly record struct EdgeBlock(long A, long B);
    private readonly record struct DonorBlock(long A, long B);
    private readonly record struct KeeperBlock(long A, long B);
    private readonly record struct SmallBlock(long A, long B);

    private const int MiB = 1 << 20;

    [TestCase(1024)]
    [TestCase(4096)]
    [TestCase(1 << 16)]
    public void LengthsRoundUpToTheirPowerOfTwoAndShareItsBucket(int edge)
    {
        Assert.That(BufferPool<EdgeBlock>.Rent(edge), Has.Length.EqualTo(edge), "a power of two is exact");
        Assert.That(BufferPool<EdgeBlock>.Rent(edge + 1), Has.Length.EqualTo(2 * edge), "one past it takes the next bucket");
        var below = BufferPool<EdgeBlock>.Rent(edge - 1);
        Assert.That(below, Has.Length.EqualTo(edge));
        Assert.That(BufferPool<EdgeBlock>.ReturnLive(below), Is.True);
        Assert.That(BufferPool<EdgeBlock>.Rent(edge / 2 + 1), Is.SameAs(below), "any length in (edge / 2, edge] reuses it");
    }

    [Test]
    public void ALargeMissTakesTheMemoryOfAnIdleBufferOfAnotherSize()
    {
        // Four idle 2 MiB arrays (16-byte elements), then a 1 MiB miss: one 2 MiB array goes to the GC, whose large-object
        // heap gives its space to the fresh array.
        var held = Enumerable.Range(0, 4).Select(_ => BufferPool<DonorBlock>.Rent(2 * MiB / 16)).ToArray();
        foreach (var a in held) BufferPool<DonorBlock>.ReturnLive(a);
        long idle = BufferPool<DonorBlock>.RetainedBytes, gaveUp = BufferPool<DonorBlock>.GaveUpBytes;
        Assert.That(idle, Is.EqualTo(8L * MiB));
        var small = BufferPool<DonorBlock>.Rent(MiB / 16);
        Assert.That(small, Has.Length.EqualTo(MiB / 16));
        Assert.That(BufferPool<DonorBlock>.GaveUpBytes - gaveUp, Is.EqualTo(2L * MiB), "one larger array is enough");
        Assert.That(BufferPool<DonorBlock>.RetainedBytes, Is.EqualTo(6L * MiB));
        GC.KeepAlive(small);
    }

    [Test]
    public void ABucketThatMissedAfterGivingUpKeepsItsArrays()
    {
        var twos = Enumerable.Range(0, 2).Select(_ => BufferPool<KeeperBlock>.Rent(2 * MiB / 16)).ToArray();
        foreach (var a in twos) BufferPool<KeeperBlock>.ReturnLive(a);
        var one = BufferPool<KeeperBlock>.Rent(MiB / 16);            // gives up a 2 MiB array
        long gaveUp = BufferPool<KeeperBlock>.GaveUpBytes;
        Assert.That(gaveUp, Is.EqualTo(2L * MiB));
        // The 2 MiB size needs two after all: its second rental misses, so from now on it keeps what it has.
        var again = Enumerable.Range(0, 2).Select(_ => BufferPool<KeeperBlock>.Rent(2 * MiB / 16)).ToArray();
        foreach (var a in again) BufferPool<KeeperBlock>.ReturnLive(a);
        var another = BufferPool<KeeperBlock>.Rent(MiB / 16);        // a miss again, with 4 MiB idle in the 2 MiB bucket
        Assert.That(BufferPool<KeeperBlock>.GaveUpBytes, Is.EqualTo(gaveUp), "the 2 MiB bucket no longer gives up arrays");
        Assert.That(BufferPool<KeeperBlock>.RetainedBytes, Is.EqualTo(4L * MiB));
        GC.KeepAlive(one);
        GC.KeepAlive(another);
    }

    [Test]
    public void SmallMissesAndSmallIdleArraysAreLeftAlone()
    {
        // Idle 64 KiB arrays live in the compacted small-object heap: their space cannot take a large array.
        var smalls = Enumerable.Range(0, 64).Select(_ => BufferPool<SmallBlock>.Rent(64 * 1024 / 16)).ToArray();
        foreach (var a in smalls) BufferPool<SmallBlock>.ReturnLive(a);
        var big = BufferPool<SmallBlock>.Rent(2 * MiB / 16);
        Assert.That(BufferPool<SmallBlock>.GaveUpBytes, Is.Zero);
        // A 256 KiB miss is below the size worth a full collection, even with a 2 MiB array idle.
        BufferPool<SmallBlock>.ReturnLive(big);
        var mid = BufferPool<SmallBlock>.Rent(256 * 1024 / 16);
        Assert.That(BufferPool<SmallBlock>.GaveUpBytes, Is.Zero);
        Assert.That(BufferPool<SmallBlock>.RetainedBytes, Is.EqualTo(4L * MiB + 2L * MiB));
        GC.KeepAlive(mid);
    }
}
