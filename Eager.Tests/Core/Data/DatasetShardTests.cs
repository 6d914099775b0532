namespace Eager.Tests.Core.Data;

public class DatasetShardTests
{
    private static long[] Longs(Dataset ds) => ds.Select(e => e[0].Item<long>()).ToArray();

    [Test]
    public void ShardsAreDisjointAndTogetherCoverEveryElementOnce()
    {
        foreach (int n in new[] { 0, 1, 7, 10 })
            foreach (int count in new[] { 1, 2, 3 })
            {
                var parts = Enumerable.Range(0, count).Select(i => Longs(Dataset.Range(n).Shard(count, i))).ToArray();
                Assert.That(parts.SelectMany(p => p).Order(), Is.EqualTo(Enumerable.Range(0, n).Select(i => (long)i)), $"n={n} count={count}");
                for (int i = 0; i < count; i++) Assert.That(parts[i].All(v => v % count == i), Is.True);
            }
    }

    [Test]
    public void ShardBeforeBatchGivesEachWorkerItsOwnBatches()
    {
        var ds = Dataset.Range(10).Shard(2, 1).Batch(2);
        Assert.That(ds.Select(b => b[0].ToArray<long>()).ToArray(), Is.EqualTo(new[] { new long[] { 1, 3 }, [5, 7], [9] }));
        Assert.That(ds.Description, Does.Contain("Shard(2, 1)"));
    }

    [Test]
    public void ShardChecksItsArguments()
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.Range(3).Shard(0, 0))!.Message, Does.Contain("count"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.Range(3).Shard(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.Range(3).Shard(2, -1));
    }
}
