using System.Diagnostics;
using Eager;
using Eager.Distributed;
using Eager.NN;
using Eager.NN.Datasets;

/// <summary>
/// <c>--distributed</c>: the digits CNN trained data-parallel on the ranks of an MPI job
/// (<c>scripts/mpirun.sh -np 2 dotnet examples/Digits/bin/Release/net10.0/Digits.dll --distributed</c>). Every rank
/// shuffles the same way and takes its share of each global batch of <c>--batch</c> images; a DistributedOptimizer
/// averages the gradients, so the ranks keep equal weights and train as one process on the global batch would. Rank 0
/// alone prints and writes the checkpoint. Started without mpirun it is a job of one rank.
/// </summary>
internal static class DistributedTraining
{
    public static int Run(DigitsOptions options, ImageDataset data, string title)
    {
        var world = Communicator.World;
        int share = options.BatchSize / world.Size;
        if (share == 0) throw new ArgumentException($"--batch {options.BatchSize} is smaller than the {world.Size} ranks.");
        var (images, labels) = Limit(data.TrainImages, data.TrainLabels, options.TrainLimit);
        int n = images.Shape[0];
        int steps = n / (share * world.Size); // equal shares keep the average gradient the global batch's
        if (world.IsRoot)
            Console.WriteLine($"{title}: {n} training images on {world.Size} rank(s), global batch {share * world.Size} ({share} per rank), " +
                              $"{options.Epochs} epochs, {(options.Traced ? "traced" : "eager")} training step");

        var model = DigitsModel.Create();
        model.Build(new Shape(-1, 28, 28, 1));
        world.BroadcastVariables(model.TrainableVariables);
        var optimizer = new DistributedOptimizer(new Adam(new CosineDecay(options.LearningRate, steps * options.Epochs, alpha: 0.05)));
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        Tensor[] Step(Tensor[] a)
        {
            Tensor logits = null!;
            var l = optimizer.Minimize(() => loss.Call(a[1], logits = model.Call(a[0], training: true)), model.TrainableVariables);
            return [l, logits];
        }
        var traced = Function.Create(Step, "digits_distributed_step");

        var pixels = images.ToArray<float>();
        var lab = labels.ToArray<int>();
        double testAccuracy = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, n).ToArray();
            new Random(options.Seed + epoch).Shuffle(order); // the same order on every rank
            var meanLoss = new Mean("loss");
            var accuracy = new SparseCategoricalAccuracy();
            world.Barrier();
            var clock = Stopwatch.StartNew();
            for (int s = 0; s < steps; s++)
            {
                var (x, y) = Rows(pixels, lab, order, (s * world.Size + world.Rank) * share, share);
                var r = options.Traced ? traced.InvokeAll(x, y) : Step([x, y]);
                meanLoss.Update(r[0]);
                accuracy.Update(y, r[1]);
            }
            world.Barrier();
            double perSecond = steps * share * world.Size / clock.Elapsed.TotalSeconds;
            var stats = world.AllReduce(Tensor.From(new[] { meanLoss.Result(), accuracy.Result() }), ReduceOp.Mean).ToArray<double>();
            testAccuracy = Evaluate(world, model, data.TestImages, data.TestLabels);
            if (world.IsRoot)
                Console.WriteLine($"epoch {epoch}/{options.Epochs}  loss {stats[0]:F4}  acc {stats[1]:P1}  test acc {testAccuracy:P2}  {perSecond:F0} images/s on {world.Size} rank(s)");
        }

        if (world.IsRoot)
        {
            Directory.CreateDirectory(options.OutDir);
            var ckpt = Path.Combine(options.OutDir, options.Fashion ? "fashion-distributed.ckpt" : "digits-distributed.ckpt");
            new Checkpoint(model, optimizer.Optimizer).Save(ckpt);
            Console.WriteLine($"{title} test accuracy: {testAccuracy:P2} (checkpoint {ckpt})");
        }
        return !options.Fashion && options.TrainLimit is null && testAccuracy < 0.98 ? 1 : 0;
    }

    /// <summary>Test accuracy with the test set split over the ranks (the weights are equal everywhere).</summary>
    private static double Evaluate(Communicator world, Layer model, Tensor images, Tensor labels)
    {
        int n = images.Shape[0], per = (n + world.Size - 1) / world.Size;
        int start = Math.Min(n, world.Rank * per), count = Math.Min(per, n - start);
        var pixels = images.ToArray<float>();
        var lab = labels.ToArray<int>();
        var acc = new SparseCategoricalAccuracy();
        for (int at = start; at < start + count; at += 500)
        {
            int b = Math.Min(500, start + count - at);
            acc.Update(Tensor.From(lab[at..(at + b)]), model.Call(Tensor.From(pixels[(at * 784)..((at + b) * 784)], new Shape(b, 28, 28, 1))));
        }
        var correct = world.AllReduce(Tensor.From(new[] { acc.Result() * count, count })).ToArray<double>();
        return correct[1] == 0 ? 0 : correct[0] / correct[1];
    }

    private static (Tensor X, Tensor Y) Rows(float[] pixels, int[] labels, int[] order, int start, int count)
    {
        var x = new float[count * 784];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            Array.Copy(pixels, order[start + i] * 784, x, i * 784, 784);
            y[i] = labels[order[start + i]];
        }
        return (Tensor.From(x, new Shape(count, 28, 28, 1)), Tensor.From(y));
    }

    private static (Tensor Images, Tensor Labels) Limit(Tensor images, Tensor labels, int? limit)
    {
        if (limit is not { } n || n >= images.Shape[0]) return (images, labels);
        return (Tensor.From(images.ToArray<float>()[..(n * 784)], new Shape(n, 28, 28, 1)), Tensor.From(labels.ToArray<int>()[..n]));
    }
}
