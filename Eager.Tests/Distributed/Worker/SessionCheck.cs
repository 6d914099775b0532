using Eager;
using Eager.Distributed;
using Eager.NN;

/// <summary>The TensorFlow 1 way: symbolic gradients and DistributedOptimizer.ApplyGradients in a graph, run by a Session
/// (the all-reduces are nodes ordered by control dependencies). Two ranks on half batches against one process on the
/// full batch, eagerly, after 20 steps.</summary>
internal static class SessionCheck
{
    private const int Batch = 16, Steps = 20;

    public static void Run(Communicator world)
    {
        var rng = new Random(5);
        var xs = Enumerable.Range(0, Batch * Steps * 6).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var ys = Enumerable.Range(0, Batch * Steps * 2).Select(_ => (float)rng.NextDouble()).ToArray();
        var w0 = Tensor.RandomNormal(new Shape(6, 2), seed: 3);
        Tensor Rows(float[] a, int width, int start, int count) => Tensor.From(a[(start * width)..((start + count) * width)], new Shape(count, width));

        var rw = new Variable(w0, name: "w");
        var rb = new Variable(Tensor.Zeros(new Shape(2)), name: "b");
        var reference = new SGD(0.2, momentum: 0.9);
        for (int s = 0; s < Steps; s++)
        {
            var x = Rows(xs, 6, s * Batch, Batch);
            var y = Rows(ys, 2, s * Batch, Batch);
            reference.Minimize(() => Ops.ReduceMean(Ops.Square(Ops.MatMul(x, rw) + rb - y)), [rw, rb]);
        }

        int share = Batch / world.Size;
        var g = new Graph();
        Tensor[] final;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 6), name: "x");
            var y = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "y");
            var w = new Variable(w0, name: "w");
            var b = new Variable(Tensor.Zeros(new Shape(2)), name: "b");
            var loss = Ops.ReduceMean(Ops.Square(Ops.MatMul(x, w) + b - y));
            var grads = Ops.Gradients(loss, [w, b]);
            // A tiny bucket size puts w and b in buckets of their own: two all-reduces to keep in order.
            var train = new DistributedOptimizer(new SGD(0.2, momentum: 0.9), bucketBytes: 16).ApplyGradients(grads, [w, b])!;
            var init = Ops.GlobalVariablesInitializer();
            using var session = new Session(g);
            session.Run(init);
            for (int s = 0; s < Steps; s++)
            {
                int start = s * Batch + world.Rank * share;
                session.Run(train, new FeedDict { { x, Rows(xs, 6, start, share) }, { y, Rows(ys, 2, start, share) } });
            }
            final = session.Run(new Tensor[] { w, b });
        }
        double worst = 0;
        foreach (var (a, r) in new[] { (final[0], rw.Value), (final[1], rb.Value) })
        {
            var av = a.ToArray<float>();
            var rv = r.ToArray<float>();
            for (int k = 0; k < av.Length; k++) worst = Math.Max(worst, Math.Abs(av[k] - rv[k]) / Math.Max(1, Math.Abs(rv[k])));
        }
        if (worst > 1e-5 || double.IsNaN(worst))
            throw new InvalidOperationException($"rank {world.Rank}: the Session-trained weights differ from one process on the full batch by {worst:E2} (limit 1e-5)");
        if (world.IsRoot) Console.WriteLine($"largest relative difference from the single-process run: {worst:E2}");
    }
}
