namespace Eager.Tests.Core.Runtime;

public class SessionConcurrencyTests
{
    [Test]
    public void ConcurrentRunsNeverMixFeeds()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            var y = Ops.ReduceSum(x * 2f + 1f, axis: 1);
            using var s = new Session(g);
            const int threads = 8, runs = 40;
            var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                for (int r = 0; r < runs; r++)
                {
                    int rows = 1 + (t + r) % 5;
                    float v = t * 1000 + r;
                    var got = s.Run(y, new FeedDict { { x, Tensor.Full(new Shape(rows, 3), v) } }).ToArray<float>();
                    if (got.Length != rows || got.Any(e => e != 3 * (2 * v + 1))) errors.Add($"thread {t} run {r}: [{string.Join(", ", got)}]");
                }
            });
            Assert.That(errors, Is.Empty);
            Assert.That(s.CachedPlanCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void ConcurrentRunsShareVariables()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var counter = new Variable(Tensor.Zeros(new Shape(1)), name: "counter");
            var readOnly = (Tensor)counter * 1f;
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            Parallel.For(0, 8, _ => { for (int i = 0; i < 20; i++) s.Run(readOnly); });
            var inc = Ops.AssignAdd(counter, Tensor.Ones(new Shape(1)));
            for (int i = 0; i < 5; i++) s.Run(inc);
            Assert.That(s.Run(readOnly).ToArray<float>(), Is.EqualTo(new[] { 5f }));
        }
    }
}
