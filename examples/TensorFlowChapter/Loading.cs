using Eager;
using Eager.NN;

namespace TensorFlowChapter;

/// <summary>Section 6: the four ways of loading data, each training the same linear model y = 2 x0 - 3 x1 + 1.</summary>
internal static class Loading
{
    private const int Examples = 256, Batch = 32, Steps = 150;

    private static (float[] X, float[] Y) Data()
    {
        var x = Tensor.RandomUniform(new Shape(Examples, 2), -1, 1, seed: 11).ToArray<float>();
        var y = new float[Examples];
        for (int i = 0; i < Examples; i++) y[i] = 2 * x[2 * i] - 3 * x[2 * i + 1] + 1;
        return (x, y);
    }

    private static (Tensor X, Tensor Y) Rows(float[] x, float[] y, int start) =>
        (Tensor.From(x[(2 * start)..(2 * (start + Batch))], new Shape(Batch, 2)), Tensor.From(y[start..(start + Batch)], new Shape(Batch, 1)));

    /// <summary>The model on batch tensors; returns the training op and the loss.</summary>
    private static (Operation Train, Tensor Loss, Variable W) Model(Tensor x, Tensor y)
    {
        var w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
        var b = new Variable(Tensor.Zeros(new Shape(1)), name: "b");
        var loss = Ops.ReduceMean(Ops.Square(Ops.MatMul(x, w) + (Tensor)b - y));
        return (new SGD(learningRate: 0.2).Minimize(loss), loss, w);
    }

    private static void Report(string way, Session sess, Variable w, Func<float> loss)
    {
        var wv = sess.Run(w).ToArray<float>();
        float l = loss();
        Console.WriteLine($"{way,-30} loss {l:E2}, w = [{wv[0]:F3}, {wv[1]:F3}]");
        Check.That(l < 1e-3 && Math.Abs(wv[0] - 2) < 0.05 && Math.Abs(wv[1] + 3) < 0.05, $"{way} learns the line");
    }

    public static void Run()
    {
        var (xs, ys) = Data();
        Feeding(xs, ys);
        PreloadedConstants(xs, ys);
        PreloadedVariables(xs, ys);
        Queue(xs, ys);
        Dataset(xs, ys);
    }

    /// <summary>1. Feeding: every step passes a batch through feed_dict.</summary>
    private static void Feeding(float[] xs, float[] ys)
    {
        var g = new Graph();
        Tensor x, y;
        (Operation Train, Tensor Loss, Variable W) m;
        Operation init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            y = Ops.Placeholder(DType.Float32, new Shape(-1, 1), name: "y");
            m = Model(x, y);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        for (int i = 0; i < Steps; i++)
        {
            var (xb, yb) = Rows(xs, ys, i * Batch % Examples);
            sess.Run(m.Train, new FeedDict { { x, xb }, { y, yb } });
        }
        var all = new FeedDict { { x, Tensor.From(xs, new Shape(Examples, 2)) }, { y, Tensor.From(ys, new Shape(Examples, 1)) } };
        Report("feeding (feed_dict)", sess, m.W, () => sess.Run(m.Loss, all).Item<float>());
    }

    /// <summary>2a. Preloaded data as constants in the graph (tf.constant(data)); every step trains on all of it.</summary>
    private static void PreloadedConstants(float[] xs, float[] ys)
    {
        var g = new Graph();
        Variable w;
        Tensor loss;
        Operation train, init;
        using (g.AsDefault())
        {
            var x = Ops.Constant(Tensor.From(xs, new Shape(Examples, 2)), name: "input_x");
            var y = Ops.Constant(Tensor.From(ys, new Shape(Examples, 1)), name: "input_y");
            (train, loss, w) = Model(x, y);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        for (int i = 0; i < Steps; i++) sess.Run(train);
        Report("preloaded constants", sess, w, () => sess.Run(loss).Item<float>());
    }

    /// <summary>2b. Preloaded data in non-trainable variables: initialised once from a placeholder, so the data is not copied
    /// into the graph (tf.Variable(initializer, trainable=False, collections=[]) fed at init).</summary>
    private static void PreloadedVariables(float[] xs, float[] ys)
    {
        var g = new Graph();
        Tensor xInit, yInit, loss;
        Variable w, dataX, dataY;
        Operation train, init;
        using (g.AsDefault())
        {
            xInit = Ops.Placeholder(DType.Float32, new Shape(Examples, 2), name: "x_init");
            yInit = Ops.Placeholder(DType.Float32, new Shape(Examples, 1), name: "y_init");
            dataX = new Variable(xInit, name: "input_x", trainable: false);
            dataY = new Variable(yInit, name: "input_y", trainable: false);
            (train, loss, w) = Model(dataX, dataY);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init, new FeedDict { { xInit, Tensor.From(xs, new Shape(Examples, 2)) }, { yInit, Tensor.From(ys, new Shape(Examples, 1)) } });
        for (int i = 0; i < Steps; i++) sess.Run(train);
        Check.That(g.Nodes.All(n => n.Op.Name != "Const" || n.Outputs[0].Shape.Size < Examples), "the data is not a constant of the graph");
        Report("preloaded variables", sess, w, () => sess.Run(loss).Item<float>());
    }

    /// <summary>3. Reading through a queue: reader threads enqueue examples, the graph dequeues batches.</summary>
    private static void Queue(float[] xs, float[] ys)
    {
        var q = new FIFOQueue(capacity: 4 * Batch, [DType.Float32, DType.Float32], [new Shape(2), new Shape(1)], name: "examples");
        int next = -1;
        void Read()
        {
            int start = Interlocked.Increment(ref next) % (Examples / Batch) * Batch;
            var (xb, yb) = Rows(xs, ys, start);
            q.EnqueueMany(xb, yb);
        }
        var g = new Graph();
        (Operation Train, Tensor Loss, Variable W) m;
        Operation init;
        using (g.AsDefault())
        {
            var batch = q.DequeueManyOp(Batch);
            m = Model(batch[0], batch[1]);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        var coord = new Coordinator();
        var threads = new QueueRunner(q, Read, Read).CreateThreads(coord);
        float last = 0;
        try
        {
            for (int i = 0; i < Steps; i++) sess.Run(m.Train);
            last = sess.Run(m.Loss).Item<float>();
        }
        finally
        {
            coord.RequestStop();
            coord.Join(threads);
        }
        Report("a queue with reader threads", sess, m.W, () => last);
    }

    /// <summary>4. A Dataset pipeline read by an iterator op.</summary>
    private static void Dataset(float[] xs, float[] ys)
    {
        var it = Eager.Dataset.FromTensorSlices(Tensor.From(xs, new Shape(Examples, 2)), Tensor.From(ys, new Shape(Examples, 1)))
            .Shuffle(bufferSize: Examples, seed: 1).Batch(Batch, dropRemainder: true).Repeat().MakeIterator();
        var g = new Graph();
        (Operation Train, Tensor Loss, Variable W) m;
        Operation init;
        using (g.AsDefault())
        {
            var batch = it.GetNext();
            m = Model(batch[0], batch[1]);
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        for (int i = 0; i < Steps; i++) sess.Run(m.Train);
        float last = sess.Run(m.Loss).Item<float>();
        it.Reset();
        Report("a Dataset iterator", sess, m.W, () => last);
    }
}
