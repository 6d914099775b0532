using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>TensorFlow 1 programs run the initializer before building a plain SGD training op (its optimizer keeps no
/// counter); ours does, so the counter starts at zero on first use instead of failing.</summary>
[TestFixture]
public class GraphStepCounterTests
{
    [Test]
    public void SgdBuiltAfterTheInitializerRanTrainsAndCountsItsSteps()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 1), name: "x");
            var w = new Variable(Tensor.From(new float[,] { { 0 } }), name: "w");
            using var sess = new Session(g);
            sess.Run(Ops.GlobalVariablesInitializer());
            var loss = Ops.ReduceMean(Ops.Square(Ops.MatMul(x, w) - 2f * x));
            var sgd = new SGD(learningRate: 0.1f);
            var train = sgd.Minimize(loss);
            var feed = new FeedDict { { x, Tensor.From(new float[,] { { 1 }, { 2 } }) } };
            for (int i = 0; i < 50; i++) sess.Run(train, feed);
            Assert.That(sess.Run((Tensor)w).ToArray<float>()[0], Is.EqualTo(2f).Within(1e-3f));
            Assert.That(sess.Run((Tensor)sgd.Iterations).Item<long>(), Is.EqualTo(50L));
        }
    }

    [Test]
    public void AUserVariableStillFailsBeforeItsInitializerAndABadStartValueIsRefused()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var v = new Variable(Tensor.Scalar(1f), name: "v");
            using var sess = new Session(g);
            var e = Assert.Throws<InvalidOperationException>(() => sess.Run((Tensor)v));
            Assert.That(e!.Message, Does.Contain("FailedPrecondition").And.Contain("'v'"));
            Assert.Throws<ArgumentException>(() => v.ValueBeforeInitializer = Tensor.Scalar(1L));
            v.ValueBeforeInitializer = Tensor.Scalar(5f);
            Assert.That(sess.Run((Tensor)v).Item<float>(), Is.EqualTo(5f));
        }
    }
}
