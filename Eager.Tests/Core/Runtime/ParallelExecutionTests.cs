namespace Eager.Tests.Core.Runtime;

public class ParallelExecutionTests
{
    private static readonly SessionOptions Parallel = new() { InterOpParallelism = InterOpParallelism.Always };

    [Test]
    public void IndependentBranchesGiveTheSequentialResult()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(-1, 8), "x");
            var branches = Enumerable.Range(1, 6).Select(k => Ops.ReduceSum(Ops.MatMul(x * (double)k, x, transposeB: true), axis: 1)).ToArray();
            var y = branches.Aggregate((a, b) => a + b);
            var data = Tensor.RandomNormal(new Shape(33, 8), seed: 3, dtype: DType.Float64);
            using var seq = new Session(g, new SessionOptions { InterOpParallelism = InterOpParallelism.Off });
            using var par = new Session(g, Parallel);
            var want = seq.Run(y, new FeedDict { { x, data } }).ToArray<double>();
            for (int i = 0; i < 20; i++)
                Assert.That(par.Run(y, new FeedDict { { x, data } }).ToArray<double>(), Is.EqualTo(want).Within(1e-9));
        }
    }

    [Test]
    public void StatefulNodesKeepTheirOrder()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var v = new Variable(Tensor.Scalar(1.0), name: "v");
            var reads = new List<Tensor>();
            for (int i = 0; i < 10; i++)
            {
                reads.Add(v.Read() * 1.0);
                v.AssignAdd(Tensor.Scalar(1.0));
            }
            using var s = new Session(g, Parallel);
            s.Run(v.Initializer!);
            // All assignments are targets; each read sees the assignments created before it.
            var targets = g.Nodes.Where(n => n.Op.Name == "AssignAdd").Select(n => new Operation(n)).ToArray();
            var got = s.Run(reads, targets);
            Assert.That(got.Select(t => t.Item<double>()), Is.EqualTo(Enumerable.Range(1, 10).Select(i => (double)i)));
        }
    }

    [Test]
    public void AFailureInAParallelStepIsRethrownWithItsType()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Ops.Placeholder(DType.Float32, new Shape(-1), "a");
            var b = Ops.Placeholder(DType.Float32, new Shape(-1), "b");
            var y = Ops.Add(a * 2f, b * 3f) + Ops.Add(a, a);
            using var s = new Session(g, Parallel);
            var e = Assert.Throws<ArgumentException>(() => s.Run(y, new FeedDict { { a, Tensor.Ones(new Shape(2)) }, { b, Tensor.Ones(new Shape(3)) } }));
            Assert.That(e!.Message, Does.Contain("Add"));
            Assert.That(s.Run(y, new FeedDict { { a, Tensor.Ones(new Shape(2)) }, { b, Tensor.Ones(new Shape(2)) } }).ToArray<float>(), Is.EqualTo(new[] { 7f, 7f }));
        }
    }

    [Test]
    public void ManyConcurrentParallelRunsFinish()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1), "x");
            var y = Enumerable.Range(1, 8).Select(k => x * (float)k).Aggregate((p, q) => p + q);
            using var s = new Session(g, Parallel);
            var results = new float[32];
            System.Threading.Tasks.Parallel.For(0, results.Length, i =>
                results[i] = s.Run(y, new FeedDict { { x, Tensor.Full(new Shape(3), i) } }).ToArray<float>()[2]);
            Assert.That(results, Is.EqualTo(Enumerable.Range(0, 32).Select(i => 36f * i)));
        }
    }
}
