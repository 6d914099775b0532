using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

/// <summary>The NN ops and their gradient rules in graphs with an unknown batch: Ops.Gradients plus a Session, and
/// Function tracing, against the eager tape.</summary>
public class NNGraphTests
{
    private static readonly Tensor W = Randn(2, 3, 3, 2, 3), B = Randn(3, 3), Dw = Randn(4, 2, 2, 2, 2), Wt = Randn(5, 2, 2, 4, 3);

    /// <summary>A small network touching every window op and loss.</summary>
    private static Tensor Net(Tensor x, Tensor w, Tensor labels)
    {
        var y = Ops.Relu(Ops.BiasAdd(Ops.Conv2D(x, w, strides: 1, padding: "SAME"), B));      // (n, 6, 6, 3)
        var p = Ops.MaxPool2D(y, poolSize: 2, strides: 2, padding: "VALID");                    // (n, 3, 3, 3)
        var d = Ops.AvgPool2D(Ops.DepthwiseConv2D(x, Dw, strides: 2, padding: "SAME"), poolSize: 3, strides: 1, padding: "SAME"); // (n, 3, 3, 4)
        var t = Ops.Conv2DTranspose(p, Wt, outputShape: new Shape(-1, 6, 6, 4), strides: 2, padding: "SAME"); // (n, 6, 6, 4)
        var logits = Ops.ReduceSum(d, [1, 2]) + Ops.ReduceSum(t, [1, 2]) * 0.1;              // (n, 4)
        return Ops.ReduceSum(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: labels, logits: Ops.LogSoftmax(logits)))
             + Ops.L2Loss(Ops.Softmax(logits)) + Ops.ReduceSum(Ops.SigmoidCrossEntropyWithLogits(labels: Ops.Softmax(logits), logits: logits));
    }

    [Test]
    public void GraphGradientsWithAnUnknownBatchMatchTheTape()
    {
        var xv = Randn(1, 2, 6, 6, 2);
        var labels = Tensor.From(new[] { 3, 1 });
        Tensor eagerLoss; Tensor?[] eagerGrads;
        using (var tape = new GradientTape())
        {
            tape.Watch(xv); tape.Watch(W);
            eagerLoss = Net(xv, W, labels);
            eagerGrads = tape.Gradient(eagerLoss, [xv, W]);
        }

        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(-1, 6, 6, 2), name: "x");
            var lab = Ops.Placeholder(DType.Int32, new Shape(-1), name: "labels");
            var w = Ops.Constant(W);
            var loss = Net(x, w, lab);
            var grads = Ops.Gradients(loss, [x, w]);
            Assert.That(grads[0]!.Shape, Is.EqualTo(new Shape(-1, 6, 6, 2)));
            using var sess = new Session(g);
            var r = sess.Run([loss, grads[0]!, grads[1]!], new FeedDict { { x, xv }, { lab, labels } });
            Assert.That(r[0].Item<double>(), Is.EqualTo(eagerLoss.Item<double>()).Within(1e-12));
            AssertClose(r[1], eagerGrads[0]!.ToArray<double>(), 1e-12, "d loss / d x");
            AssertClose(r[2], eagerGrads[1]!.ToArray<double>(), 1e-12, "d loss / d w");
        }
    }

    [Test]
    public void TracedFunctionMatchesEagerForSeveralBatchSizes()
    {
        var f = Function.Create((Tensor x, Tensor lab) => Net(x, W, lab));
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 6, 6, 2), DType.Float64), new TensorSpec(new Shape(-1), DType.Int32));
        foreach (int n in new[] { 1, 3 })
        {
            var xv = Randn(n, n, 6, 6, 2);
            var labels = Tensor.From(Enumerable.Range(0, n).Select(i => i % 4).ToArray());
            Assert.That(cf.Invoke(xv, labels).Item<double>(), Is.EqualTo(Net(xv, W, labels).Item<double>()).Within(1e-12));
        }
    }

    [Test]
    public void DropoutDrawsANewMaskOnEverySessionRunAndSeededOnesRepeatPerSession()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 64), name: "x");
            var fresh = Ops.Dropout(x, rate: 0.5);
            var seeded = Ops.Dropout(x, rate: 0.5, seed: 1);
            var feed = new FeedDict { { x, Tensor.Ones(new Shape(2, 64)) } };
            Tensor[] a, b, again;
            using (var sess = new Session(g))
            {
                a = sess.Run([fresh, seeded], feed);
                b = sess.Run([fresh, seeded], feed);
            }
            using (var other = new Session(g)) again = other.Run([fresh, seeded], feed);
            Assert.That(a[0].ToArray<float>(), Is.Not.EqualTo(b[0].ToArray<float>()));
            Assert.That(a[1].ToArray<float>(), Is.Not.EqualTo(b[1].ToArray<float>()), "each run of a seeded dropout draws anew (TensorFlow)");
            Assert.That(again[1].ToArray<float>(), Is.EqualTo(a[1].ToArray<float>()), "a new session repeats the seeded sequence");
            using (Graph.EagerScope())
                Assert.That(a[1].ToArray<float>(), Is.EqualTo(Ops.Dropout(Tensor.Ones(new Shape(2, 64)), rate: 0.5, seed: 1).ToArray<float>()),
                    "the first run draws the eager mask of the same seed");
        }
    }
}
