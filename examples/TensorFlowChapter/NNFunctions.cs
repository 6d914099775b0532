using Eager;

namespace TensorFlowChapter;

/// <summary>Section 5: the tf.nn functions of the chapter on one small NHWC image batch.</summary>
internal static class NNFunctions
{
    public static void Run()
    {
        var g = new Graph { Seed = 2 };
        var fetches = new List<(string Name, Tensor T)>();
        Tensor x;
        Operation init;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 8, 8, 3), name: "x");
            var w = new Variable(Ops.TruncatedNormal(new Shape(3, 3, 3, 4), stddev: 0.1), name: "w");
            var b = new Variable(Tensor.Full(new Shape(4), 0.1), name: "b");
            // tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')
            var conv = Ops.Conv2D(x, w, strides: new[] { 1, 1, 1, 1 }, padding: "SAME");
            var pre = Ops.BiasAdd(conv, b);                                          // tf.nn.bias_add
            fetches.Add(("relu", Ops.Relu(pre)));                                    // tf.nn.relu
            fetches.Add(("sigmoid", Ops.Sigmoid(pre)));                              // tf.sigmoid
            fetches.Add(("tanh", Ops.Tanh(pre)));                                    // tf.tanh
            fetches.Add(("softplus", Ops.Softplus(pre)));                            // tf.nn.softplus
            fetches.Add(("elu", Ops.Elu(pre)));                                      // tf.nn.elu
            fetches.Add(("relu6", Ops.Relu6(pre)));                                  // tf.nn.relu6
            fetches.Add(("dropout", Ops.Dropout(Ops.Relu(pre), rate: 0.5)));         // tf.nn.dropout(x, keep_prob=0.5)
            // tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')
            var pooled = Ops.MaxPool(Ops.Relu(pre), ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: "SAME");
            fetches.Add(("max_pool", pooled));
            fetches.Add(("avg_pool", Ops.AvgPool(Ops.Relu(pre), [1, 2, 2, 1], [1, 2, 2, 1], "SAME")));  // tf.nn.avg_pool
            var logits = Ops.Reshape(pooled, -1, 4 * 4 * 4);
            fetches.Add(("softmax", Ops.Softmax(logits)));                           // tf.nn.softmax
            var labels = Ops.OneHot(Tensor.From(new[] { 1, 3 }), 64, dtype: DType.Float32);
            fetches.Add(("softmax_cross_entropy", Ops.SoftmaxCrossEntropyWithLogits(labels, logits)));
            fetches.Add(("l2_loss", Ops.L2Loss(w)));                                 // tf.nn.l2_loss
            init = Ops.GlobalVariablesInitializer();
        }
        var sess = new Session(g);
        init.Run(sess);
        var feed = new FeedDict { { x, Tensor.RandomNormal(new Shape(2, 8, 8, 3), seed: 3) } };
        var values = sess.Run(fetches.Select(f => f.T).ToArray(), feed);
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i].ToArray<float>();
            Console.WriteLine($"{fetches[i].Name,-22} {values[i].Shape,-14} mean {v.Average():F4}");
            Check.That(v.All(float.IsFinite), $"{fetches[i].Name} is finite");
        }
        Check.That(values[7].Shape == new Shape(2, 4, 4, 4), "max_pool halves height and width");
        Check.That(values[0].ToArray<float>().All(v => v >= 0) && values[5].ToArray<float>().All(v => v is >= 0 and <= 6), "relu and relu6 ranges");
        var softmax = values[9].ToArray<float>();
        Check.That(Math.Abs(softmax[..64].Sum() - 1) < 1e-4, "softmax rows sum to one");
        sess.Close();
    }
}
