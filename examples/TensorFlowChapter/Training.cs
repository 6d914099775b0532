using Eager;
using Eager.NN;

namespace TensorFlowChapter;

/// <summary>Section 7: a softmax classifier trained in a loop, then used to predict.</summary>
internal static class Training
{
    public static void Run()
    {
        // Three Gaussian blobs in the plane, one class each.
        const int perClass = 100, classes = 3;
        float[][] centres = [[2, 0], [-1, 2], [-1, -2]];
        var noise = Tensor.RandomNormal(new Shape(classes * perClass, 2), stddev: 0.5, seed: 21).ToArray<float>();
        var xs = new float[classes * perClass * 2];
        var ys = new int[classes * perClass];
        for (int i = 0; i < ys.Length; i++)
        {
            ys[i] = i % classes;
            xs[2 * i] = centres[ys[i]][0] + noise[2 * i];
            xs[2 * i + 1] = centres[ys[i]][1] + noise[2 * i + 1];
        }

        var g = new Graph { Seed = 5 };
        Tensor x, y, loss, prediction, accuracy;
        Operation train, init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            y = Ops.Placeholder(DType.Int32, new Shape(-1), name: "y");
            var w = new Variable(Ops.RandomNormal(new Shape(2, classes), stddev: 0.1), name: "W");
            var b = new Variable(Tensor.Zeros(new Shape(classes)), name: "b");
            var logits = Ops.MatMul(x, w) + (Tensor)b;
            loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: y, logits: logits));
            train = new SGD(learningRate: 0.5).Minimize(loss);
            prediction = Ops.ArgMax(logits, axis: 1);
            accuracy = Ops.ReduceMean(Ops.Cast(Ops.Equal(Ops.Cast(prediction, DType.Int32), y), DType.Float32));
            init = Ops.GlobalVariablesInitializer();
        }

        using var sess = new Session(g);
        sess.Run(init);
        var all = new FeedDict { { x, Tensor.From(xs, new Shape(ys.Length, 2)) }, { y, Tensor.From(ys) } };
        float first = sess.Run(loss, all).Item<float>();
        for (int epoch = 1; epoch <= 60; epoch++)
        {
            for (int start = 0; start < ys.Length; start += 50)
            {
                var feed = new FeedDict
                {
                    { x, Tensor.From(xs[(2 * start)..(2 * (start + 50))], new Shape(50, 2)) },
                    { y, Tensor.From(ys[start..(start + 50)]) },
                };
                sess.Run(train, feed);
            }
            if (epoch % 20 == 0)
            {
                var r = sess.Run([loss, accuracy], all);
                Console.WriteLine($"epoch {epoch,3}: loss {r[0].Item<float>():F4}, accuracy {r[1].Item<float>():P1}");
            }
        }
        float acc = sess.Run(accuracy, all).Item<float>();
        Check.That(sess.Run(loss, all).Item<float>() < first && acc > 0.95f, $"the classifier learns (accuracy {acc:P1})");

        // Prediction: new points, only x fed.
        var points = Tensor.From(new float[,] { { 2.2f, 0.1f }, { -1.1f, 1.8f }, { -0.9f, -2.2f } });
        var predicted = sess.Run(prediction, new FeedDict { { x, points } }).ToArray<long>();
        Console.WriteLine($"predicted classes of the three centres: [{string.Join(", ", predicted)}]");
        Check.That(predicted.SequenceEqual([0L, 1L, 2L]), "each centre is predicted as its own class");
    }
}
