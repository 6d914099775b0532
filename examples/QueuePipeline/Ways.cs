using Eager;
using Eager.NN;

namespace QueuePipeline;

/// <summary>The four ways, each building its own graph around the same model.</summary>
internal static class Ways
{
    public const int BatchSize = 64;

    /// <summary>The model and its training op on batch tensors <paramref name="x"/> (float32 (n, features)) and
    /// <paramref name="y"/> (int32 (n)), plus an accuracy tensor over the whole data set.</summary>
    private static (Operation Train, Tensor Accuracy) Build(Tensor x, Tensor y, SyntheticData data)
    {
        var model = new Sequential(new Dense(32, activation: Ops.Relu), new Dense(2));
        var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: y, logits: model.Call(x)));
        var train = new SGD(learningRate: 0.1).Minimize(loss);
        var predicted = Ops.Cast(Ops.ArgMax(model.Call(Ops.Constant(data.X)), axis: 1), DType.Int32);
        var accuracy = Ops.ReduceMean(Ops.Cast(Ops.Equal(predicted, Ops.Constant(data.Y)), DType.Float32));
        return (train, accuracy);
    }

    private static (TimeSpan, int, double) Finish(Session sess, Tensor accuracy, TimeSpan elapsed, int steps) =>
        (elapsed, steps * BatchSize, sess.Run(accuracy).Item<float>());

    /// <summary>1. Placeholders, and every step a batch passed in a FeedDict.</summary>
    public static (TimeSpan, int, double) Feeding(SyntheticData data, int steps)
    {
        var g = new Graph();
        Tensor x, y, accuracy;
        Operation train, init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, data.Features), name: "x");
            y = Ops.Placeholder(DType.Int32, new Shape(-1), name: "y");
            (train, accuracy) = Build(x, y, data);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        int batches = data.Examples / BatchSize, step = 0;
        var elapsed = Timer.Time(steps, () =>
        {
            var (xb, yb) = data.Rows(step++ % batches * BatchSize, BatchSize);
            sess.Run(train, new FeedDict { { x, xb }, { y, yb } });
        });
        return Finish(sess, accuracy, elapsed, steps);
    }

    /// <summary>2. The batches live in the graph as constants; step i runs the training op built on batch i.
    /// (Fine for data that fits in memory; the graph grows with the data.)</summary>
    public static (TimeSpan, int, double) Preloaded(SyntheticData data, int steps)
    {
        var g = new Graph();
        int batches = Math.Min(data.Examples / BatchSize, 16);
        var trains = new Operation[batches];
        Tensor accuracy;
        Operation init;
        using (g.AsDefault())
        {
            var model = new Sequential(new Dense(32, activation: Ops.Relu), new Dense(2));
            var sgd = new SGD(learningRate: 0.1);
            for (int b = 0; b < batches; b++)
            {
                var (xb, yb) = data.Rows(b * BatchSize, BatchSize);
                var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Ops.Constant(yb), logits: model.Call(Ops.Constant(xb))));
                trains[b] = sgd.Minimize(loss, model.TrainableVariables);
            }
            var predicted = Ops.Cast(Ops.ArgMax(model.Call(Ops.Constant(data.X)), axis: 1), DType.Int32);
            accuracy = Ops.ReduceMean(Ops.Cast(Ops.Equal(predicted, Ops.Constant(data.Y)), DType.Float32));
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        int step = 0;
        var elapsed = Timer.Time(steps, () => sess.Run(trains[step++ % batches]), warmup: batches); // one plan per batch
        return Finish(sess, accuracy, elapsed, steps);
    }

    /// <summary>3. Two reader threads enqueue examples (slicing them out of the data, as a file reader would) while
    /// the training op dequeues batches inside the graph. The coordinator stops the readers at the end.</summary>
    public static (TimeSpan, int, double) Queue(SyntheticData data, int steps)
    {
        var queue = new FIFOQueue(capacity: 8 * BatchSize, [DType.Float32, DType.Int32], [new Shape(data.Features), Shape.Scalar], name: "examples");
        int next = -1;
        void ReadSome()
        {
            // Each call reads 16 examples, like parsing a chunk of a file.
            int chunk = Interlocked.Increment(ref next) % (data.Examples / 16);
            var (xs, ys) = data.Rows(chunk * 16, 16);
            queue.EnqueueMany(xs, ys);
        }
        var g = new Graph();
        Operation train, init;
        Tensor accuracy;
        using (g.AsDefault())
        {
            var batch = queue.DequeueManyOp(BatchSize);
            (train, accuracy) = Build(batch[0], batch[1], data);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        var coord = new Coordinator();
        var threads = new QueueRunner(queue, ReadSome, ReadSome).CreateThreads(coord);
        TimeSpan elapsed;
        try { elapsed = Timer.Time(steps, () => sess.Run(train)); }
        finally
        {
            coord.RequestStop();   // closes the queue with cancelPendingEnqueues, so blocked readers wake
            coord.Join(threads);   // and re-raises a reader's exception, if any
        }
        return Finish(sess, accuracy, elapsed, steps);
    }

    /// <summary>4. A tf.data pipeline: shuffle, batch, repeat, and prefetch on a background thread; the graph reads it
    /// through an iterator op, one batch per run.</summary>
    public static (TimeSpan, int, double) Dataset(SyntheticData data, int steps)
    {
        var pipeline = Eager.Dataset.FromTensorSlices(data.X, data.Y)
            .Shuffle(bufferSize: 1024, seed: 1)
            .Batch(BatchSize, dropRemainder: true)
            .Repeat()
            .Prefetch(4);
        var iterator = pipeline.MakeIterator();
        var g = new Graph();
        Operation train, init;
        Tensor accuracy;
        using (g.AsDefault())
        {
            var batch = iterator.GetNext();
            (train, accuracy) = Build(batch[0], batch[1], data);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        var elapsed = Timer.Time(steps, () => sess.Run(train));
        iterator.Reset(); // ends the pass: stops the prefetch thread
        return Finish(sess, accuracy, elapsed, steps);
    }
}
