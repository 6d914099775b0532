using Eager;
using Eager.Distributed;
using Eager.NN;

/// <summary>Two ranks on half batches against one process on the full batch: after 20 steps of SGD with momentum the
/// weights must agree to 1e-5. Every rank also trains the single-process reference itself, without MPI.</summary>
internal static class TrainingCheck
{
    private const int Batch = 16, Steps = 20;

    public static void Run(Communicator world, bool traced)
    {
        var (images, labels) = Data();
        Initializer.SetGlobalSeed(7);
        var reference = Model();
        // Rank 0 starts like the reference; the others start elsewhere until BroadcastVariables.
        Initializer.SetGlobalSeed(world.IsRoot ? 7 : 8 + world.Rank);
        var model = Model();
        world.BroadcastVariables(model.TrainableVariables);

        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var referenceOptimizer = new SGD(0.1, momentum: 0.9);
        // A small bucket size splits the few kilobytes of gradients into several buckets.
        var optimizer = new DistributedOptimizer(new SGD(0.1, momentum: 0.9), bucketBytes: 512);
        var step = Function.Create((Tensor x, Tensor y) => optimizer.Minimize(() => loss.Call(y, model.Call(x, training: true)), model.TrainableVariables));

        int share = Batch / world.Size;
        for (int s = 0; s < Steps; s++)
        {
            var x = Rows(images, s * Batch, Batch);
            var y = Rows(labels, s * Batch, Batch);
            referenceOptimizer.Minimize(() => loss.Call(y, reference.Call(x, training: true)), reference.TrainableVariables);
            var mx = Rows(images, s * Batch + world.Rank * share, share);
            var my = Rows(labels, s * Batch + world.Rank * share, share);
            if (traced) step.Invoke(mx, my);
            else optimizer.Minimize(() => loss.Call(my, model.Call(mx, training: true)), model.TrainableVariables);
        }

        double worst = 0;
        for (int i = 0; i < model.TrainableVariables.Count; i++)
        {
            var a = model.TrainableVariables[i].Value.ToArray<float>();
            var b = reference.TrainableVariables[i].Value.ToArray<float>();
            for (int k = 0; k < a.Length; k++) worst = Math.Max(worst, Math.Abs(a[k] - b[k]) / Math.Max(1, Math.Abs(b[k])));
        }
        if (worst > 1e-5 || double.IsNaN(worst))
            throw new InvalidOperationException($"rank {world.Rank}: after {Steps} steps the weights differ from one process on the full batch by {worst:E2} (limit 1e-5)");
        if (world.IsRoot) Console.WriteLine($"largest relative difference from the single-process run: {worst:E2}");
    }

    private static Sequential Model()
    {
        var m = new Sequential(new Conv2D(4, 3, activation: Ops.Relu), new MaxPool2D(2), new Flatten(), new Dense(16, activation: Ops.Relu), new Dense(5));
        m.Build(new Shape(-1, 8, 8, 1));
        return m;
    }

    private static (Tensor Images, Tensor Labels) Data()
    {
        var rng = new Random(3);
        int n = Batch * Steps;
        var x = new float[n * 64];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rng.Next(5);
        return (Tensor.From(x, new Shape(n, 8, 8, 1)), Tensor.From(y));
    }

    private static Tensor Rows(Tensor t, int start, int count)
    {
        var shape = t.Shape.ToArray();
        int row = t.Shape.Size / shape[0];
        shape[0] = count;
        return t.DType == DType.Int32
            ? Tensor.From(t.ToArray<int>()[(start * row)..((start + count) * row)], new Shape(shape))
            : Tensor.From(t.ToArray<float>()[(start * row)..((start + count) * row)], new Shape(shape));
    }
}
