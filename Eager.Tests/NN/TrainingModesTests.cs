using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>The same optimizers eagerly, inside Function.Create, and as a TF1 training op in a Session.</summary>
public class TrainingModesTests
{
    private static readonly Tensor X = Tensor.From(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 2, 1 } });
    private static readonly Tensor Y = Tensor.From(new float[,] { { 2 }, { -1 }, { 1 }, { 3 } });

    private static Func<Optimizer>[] Optimizers() =>
    [
        () => new SGD(0.1, momentum: 0.9),
        () => new Adam(0.05),
        () => new AdamW(0.05, weightDecay: 0.01),
        () => new RMSProp(0.05),
        () => new Adagrad(0.5),
        () => new SGD(new ExponentialDecay(0.1, 10, 0.9)) { GlobalClipNorm = 5 },
    ];

    [TestCaseSource(nameof(Optimizers))]
    public void TracedStepsMatchEagerSteps(Func<Optimizer> make)
    {
        var eagerModel = new Dense(1, kernelInitializer: new GlorotUniform(3));
        var tracedModel = new Dense(1, kernelInitializer: new GlorotUniform(3));
        var eagerOpt = make();
        var tracedOpt = make();
        Tensor Step(Layer m, Optimizer o, Tensor x, Tensor y)
        {
            using var tape = new GradientTape();
            var loss = Ops.ReduceMean(Ops.Square(m.Call(x) - y));
            o.ApplyGradients(tape.Gradient(loss, m.TrainableVariables), m.TrainableVariables);
            return loss;
        }
        var traced = Function.Create((Tensor x, Tensor y) => Step(tracedModel, tracedOpt, x, y));
        for (int i = 0; i < 5; i++)
        {
            var le = Step(eagerModel, eagerOpt, X, Y).Item<float>();
            var lt = traced.Invoke(X, Y).Item<float>();
            Assert.That(lt, Is.EqualTo(le).Within(1e-5 * (1 + Math.Abs(le))), $"loss at step {i}");
        }
        Assert.That(traced.TraceCount, Is.EqualTo(1), "the model is built inside the first trace and reused");
        Assert.That(tracedOpt.Iterations.Value.Item<long>(), Is.EqualTo(5));
        for (int v = 0; v < 2; v++)
            Assert.That(tracedModel.Variables[v].Value.ToArray<float>(), Is.EqualTo(eagerModel.Variables[v].Value.ToArray<float>()).Within(1e-5));
    }

    [TestCaseSource(nameof(Optimizers))]
    public void MinimizeInAGraphTrainsInASession(Func<Optimizer> make)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var t = Ops.Placeholder(DType.Float32, new Shape(-1, 1), name: "t");
            var model = new Dense(1, kernelInitializer: new GlorotUniform(3));
            var loss = Ops.ReduceMean(Ops.Square(model.Call(x) - t));
            var opt = make();
            var train = opt.Minimize(loss);
            using var sess = new Session(g);
            sess.Run(Ops.GlobalVariablesInitializer());
            var feed = new FeedDict { { x, X }, { t, Y } };
            float before = sess.Run(loss, feed).Item<float>();
            for (int i = 0; i < 300; i++) sess.Run(train, feed);
            float after = sess.Run(loss, feed).Item<float>();
            Assert.That(after, Is.LessThan(before * 0.05), $"{opt.Name}: loss {before} -> {after}");
            Assert.That(sess.Run(opt.Iterations).Item<long>(), Is.EqualTo(300), "the graph's step counter, in this session");
        }
    }

    [Test]
    public void BatchNormalizationUpdatesMovingStatisticsInEveryMode()
    {
        var x = Tensor.From(new float[,] { { 1, 10 }, { 3, 30 } });
        var traced = new BatchNormalization(momentum: 0.5);
        var f = Function.Create((Tensor a) => traced.Call(a, training: true));
        f.Invoke(x);
        Assert.That(traced.MovingMean!.Value.ToArray<float>(), Is.EqualTo(new[] { 1f, 10f }).Within(1e-5));

        var g = new Graph();
        using (g.AsDefault())
        {
            var p = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "p");
            var bn = new BatchNormalization(momentum: 0.5);
            var y = bn.Call(p, training: true);
            using var sess = new Session(g);
            sess.Run(Ops.GlobalVariablesInitializer());
            sess.Run(y, new FeedDict { { p, x } });
            Assert.That(sess.Run(bn.MovingMean!.Read()).ToArray<float>(), Is.EqualTo(new[] { 1f, 10f }).Within(1e-5));
        }
    }

    [Test]
    public void TrainingOpsAreNamedAfterTheOptimizer()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var loss = Ops.ReduceMean(Ops.Square(new Dense(1).Call(x)));
            var train = new Adam().Minimize(loss);
            Assert.That(train.Name, Does.StartWith("Adam/"));
            Assert.That(g.Nodes.Count(n => n.Name.StartsWith("Adam/", StringComparison.Ordinal)), Is.GreaterThan(10));
        }
    }

    [Test]
    public void MinimizeOutsideAGraphIsExplained()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new SGD().Minimize(Tensor.Scalar(1f)));
        Assert.That(ex!.Message, Does.Contain("GradientTape"));
        var w = new Variable(Tensor.Scalar(3f), name: "w");
        var opt = new SGD(0.25);
        opt.Minimize(() => w * w, [w]);
        Assert.That(w.Value.Item<float>(), Is.EqualTo(1.5f));
    }
}
