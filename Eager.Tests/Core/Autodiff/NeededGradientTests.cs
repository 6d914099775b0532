namespace Eager.Tests.Core.Autodiff;

/// <summary>
/// Gradient rules skip inputs no source is upstream of (PyTorch's needs_input_grad): training only an image through a
/// convolution must not compute the filter's gradient, and the gradients that are asked for must not change.
/// </summary>
public class NeededGradientTests
{
    private static readonly Tensor X = Tensor.RandomNormal(new Shape(1, 6, 6, 3), seed: 1, dtype: DType.Float64);
    private static readonly Tensor F = Tensor.RandomNormal(new Shape(3, 3, 3, 4), seed: 2, dtype: DType.Float64);
    private static readonly Tensor B = Tensor.RandomNormal(new Shape(4), seed: 3, dtype: DType.Float64);
    private static readonly Tensor W = Tensor.RandomNormal(new Shape(4, 5), seed: 4, dtype: DType.Float64);

    private static Tensor Loss(Tensor x, Tensor f, Tensor b, Tensor w)
    {
        var h = Ops.Relu(Ops.BiasAdd(Ops.Conv2D(x, f, padding: "SAME"), b));
        var z = Ops.MatMul(Ops.Reshape(h, [36, 4]), w) * 0.5 + b[..1] / 3.0;
        return Ops.ReduceSum(z * z - b[..1] * z);
    }

    /// <summary>Ops the inner tape's backward pass ran, as recorded by an outer tape watching everything.</summary>
    private static (Tensor Grad, List<string> Ran) GradOnly(int source)
    {
        Tensor[] all = [X, F, B, W];
        using var outer = new GradientTape();
        outer.Watch(all);
        Tensor loss;
        using var inner = new GradientTape();
        inner.Watch(all[source]);
        loss = Loss(X, F, B, W);
        int before = outer.RecordedOps().Count;
        var g = inner.Gradient(loss, all[source])!;
        return (g, outer.RecordedOps().Skip(before).ToList());
    }

    [Test]
    public void OnlyTheImageGradientSkipsTheFilterAndWeightGradients()
    {
        var (_, ran) = GradOnly(0);
        Assert.That(ran, Does.Contain("Conv2DBackpropInput"));
        Assert.That(ran, Does.Not.Contain("Conv2DBackpropFilter"), "the filter is not a source");
        Assert.That(ran.Count(o => o == "MatMul"), Is.EqualTo(1), "only the product's left gradient");
    }

    [Test]
    public void OnlyTheFilterGradientSkipsTheInputGradient()
    {
        var (_, ran) = GradOnly(1);
        Assert.That(ran, Does.Contain("Conv2DBackpropFilter").And.Not.Contain("Conv2DBackpropInput"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void EachGradientAloneEqualsItsValueAmongAll(int source)
    {
        Tensor[] all = [X, F, B, W];
        Tensor?[] together;
        using (var tape = new GradientTape())
        {
            tape.Watch(all);
            together = tape.Gradient(Loss(X, F, B, W), all);
        }
        var (alone, _) = GradOnly(source);
        Assert.That(alone.ToArray<double>(), Is.EqualTo(together[source]!.ToArray<double>()).Within(1e-12));
    }

    [Test]
    public void GraphGradientsBuildOnlyWhatIsAskedFor()
    {
        var g = new Graph();
        Tensor x, dx;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, X.Shape, name: "x");
            dx = Ops.Gradients(Loss(x, F, B, W), [x])[0]!;
        }
        var ops = g.Nodes.Select(n => n.Op.Name).ToList();
        Assert.That(ops, Does.Contain("Conv2DBackpropInput").And.Not.Contain("Conv2DBackpropFilter"));
        using var s = new Session(g);
        var got = s.Run(dx, new FeedDict { { x, X } });
        using var tape = new GradientTape();
        tape.Watch(X);
        var want = tape.Gradient(Loss(X, F, B, W), X)!;
        Assert.That(got.ToArray<double>(), Is.EqualTo(want.ToArray<double>()).Within(1e-12));
    }
}
