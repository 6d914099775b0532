using Eager.NN;

namespace Eager.Tests.Core.Runtime;

/// <summary>Placeholders made without a shape (tf.placeholder(tf.float32)): ops, gradients and training on them, and one
/// session fed tensors of several ranks.</summary>
[TestFixture]
public class UnknownRankTests
{
    private static Tensor Matrix() => Tensor.From(new float[,] { { 1, -2, 3 }, { 4, 5, -6 } });

    private static Tensor Cube() => Tensor.RandomNormal(new Shape(2, 3, 4), seed: 3);

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, Func<Tensor, Tensor> f) => new TestCaseData(f).SetArgDisplayNames(name);
        yield return Case("relu", a => Ops.Relu(a) * 2f + 1f);
        yield return Case("reduce-all", a => Ops.ReduceSum(a));
        yield return Case("reduce-axis0", a => Ops.ReduceSum(a, axis: 0));
        yield return Case("reduce-last", a => Ops.ReduceMean(a, axis: -1));
        yield return Case("reduce-keep", a => Ops.ReduceMean(a, [0, -1], keepDims: true));
        yield return Case("mean-all", a => Ops.ReduceMean(Ops.Square(a)));
        yield return Case("max", a => Ops.ReduceMax(a, axis: -1));
        yield return Case("min-all", a => Ops.ReduceMin(a));
        yield return Case("prod", a => Ops.ReduceProd(a, axis: 0));
        yield return Case("softmax", a => Ops.Softmax(a));
        yield return Case("log-softmax", a => Ops.LogSoftmax(a, axis: 0));
        yield return Case("squeeze-axis", a => Ops.Squeeze(Ops.ExpandDims(a, 0), [0]));
        yield return Case("transpose-perm", a => Ops.Transpose(Ops.Reshape(a, 2, -1), [1, 0]));
        yield return Case("concat", a => Ops.Concat([a, a * 2f], -1));
        yield return Case("broadcast", a => a * Ops.ReduceMax(a, axis: 0, keepDims: true));
        yield return Case("where", a => Ops.Where(a > 0.0, a, a * 0.1f));
    }

    [TestCaseSource(nameof(Cases))]
    public void OpsOnAnUnknownRankPlaceholderMatchEagerForEveryFedRankWithGradients(Func<Tensor, Tensor> f)
    {
        var g = new Graph();
        Tensor a, y, grad;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float32, name: "a");
            y = f(a);
            Assert.That(y.Shape.IsUnknownRank, Is.True);
            grad = Ops.Gradients(Ops.ReduceSum(Ops.Square(y)), [a])[0]!;
        }
        using var s = new Session(g);
        foreach (var feed in new[] { Matrix(), Cube() })
        {
            Tensor want, wantGrad;
            using (var tape = new GradientTape())
            {
                tape.Watch(feed);
                want = f(feed);
                wantGrad = tape.Gradient(Ops.ReduceSum(Ops.Square(want)), feed)!;
            }
            var got = s.Run([y, grad], new FeedDict { { a, feed } });
            Assert.That(got[0].Shape, Is.EqualTo(want.Shape), $"shape for a {feed.Shape} feed");
            Assert.That(got[0].ToArray<float>(), Is.EqualTo(want.ToArray<float>()).Within(1e-5), $"values for a {feed.Shape} feed");
            Assert.That(got[1].Shape, Is.EqualTo(feed.Shape));
            Assert.That(got[1].ToArray<float>(), Is.EqualTo(wantGrad.ToArray<float>()).Within(1e-4), $"gradient for a {feed.Shape} feed");
        }
    }

    [Test]
    public void BinaryOpsOfTwoUnknownRanksSumTheirGradientsBackToEachInput()
    {
        var g = new Graph();
        Tensor a, b, ga, gb;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float32, name: "a");
            b = Ops.Placeholder(DType.Float32, name: "b");
            var loss = Ops.ReduceSum(a * b + b);
            var grads = Ops.Gradients(loss, [a, b]);
            (ga, gb) = (grads[0]!, grads[1]!);
        }
        using var s = new Session(g);
        var m = Matrix();
        var got = s.Run([ga, gb], new FeedDict { { a, m }, { b, Tensor.Scalar(3f) } });
        Assert.That(got[0].ToArray<float>(), Is.EqualTo(Enumerable.Repeat(3f, 6)));
        Assert.That(got[1].Shape, Is.EqualTo(Shape.Scalar), "summed back to the scalar that was fed");
        Assert.That(got[1].Item<float>(), Is.EqualTo(m.ToArray<float>().Sum() + 6f).Within(1e-5));
        got = s.Run([ga, gb], new FeedDict { { a, Tensor.From(new[] { 1f, 2f, 3f }) }, { b, Tensor.From(new float[,] { { 1 }, { 2 } }) } });
        Assert.That(got[0].ToArray<float>(), Is.EqualTo(new[] { 3f, 3f, 3f }));
        Assert.That(got[1].Shape, Is.EqualTo(new Shape(2, 1)));
        Assert.That(got[1].ToArray<float>(), Is.EqualTo(new[] { 9f, 9f }));
    }

    [Test]
    public void AModelOnUnknownRankPlaceholdersTrainsWithMinimize()
    {
        var g = new Graph();
        Tensor x, y, loss;
        Operation train, init;
        Variable w, b;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, name: "x");
            y = Ops.Placeholder(DType.Float32, name: "y");
            w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
            b = new Variable(Tensor.Scalar(0f), name: "b");
            loss = Ops.ReduceMean(Ops.Square(Ops.MatMul(x, w) + b - y));
            train = new SGD(0.1).Minimize(loss);
            init = Ops.GlobalVariablesInitializer();
        }
        using var s = new Session(g);
        s.Run(init);
        var xs = Tensor.From(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 2, 1 } });
        var ys = Tensor.From(new float[,] { { 3 }, { -1 }, { 2 }, { 5 } });   // y = 3 x0 - x1
        var feed = new FeedDict { { x, xs }, { y, ys } };
        float before = s.Run(loss, feed).Item<float>();
        for (int i = 0; i < 400; i++) s.Run(train, feed);
        Assert.That(s.Run(loss, feed).Item<float>(), Is.LessThan(before * 1e-3));
        Assert.That(s.Run(w).ToArray<float>(), Is.EqualTo(new[] { 3f, -1f }).Within(0.05));
    }

    [Test]
    public void OneSessionTakesFeedsOfAnyRank()
    {
        var g = new Graph();
        Tensor a, y, total;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float32, name: "a");
            y = Ops.Relu(a) * 2f;
            total = Ops.ReduceSum(y);
        }
        using var s = new Session(g);
        foreach (var t in new[] { Tensor.Scalar(-1f), Tensor.From(new[] { 1f, -2f }), Matrix(), Tensor.Ones(new Shape(1, 2, 2, 3)), Tensor.Zeros(new Shape(0, 3)), Cube() })
        {
            var got = s.Run([y, total], new FeedDict { { a, t } });
            Assert.That(got[0].Shape, Is.EqualTo(t.Shape));
            Assert.That(got[1].Shape, Is.EqualTo(Shape.Scalar));
            Assert.That(got[1].Item<float>(), Is.EqualTo(t.ToArray<float>().Sum(v => Math.Max(v, 0f) * 2f)).Within(1e-4));
        }
    }

    [Test]
    public void OpsThatNeedTheRankWhenBuiltSaySo()
    {
        using (new Graph().AsDefault())
        {
            var a = Ops.Placeholder(DType.Float32, name: "a");
            var e = Assert.Throws<ArgumentException>(() => Ops.Transpose(a));
            Assert.That(e!.Message, Does.Contain("Transpose").And.Contain("unknown rank").And.Contain("perm"));
            e = Assert.Throws<ArgumentException>(() => Ops.Squeeze(a));
            Assert.That(e!.Message, Does.Contain("Squeeze").And.Contain("unknown rank").And.Contain("axes"));
        }
    }
}
