namespace Eager.Tests.Core.Autodiff;

/// <summary>tape.Gradient(target, variables, ready): each gradient handed over once, as soon as it is final, equal to
/// the plain answer.</summary>
public class GradientReadyHookTests
{
    private static (Variable[] Vars, Func<Tensor> Loss) ThreeLayers()
    {
        var x = Tensor.RandomNormal(new Shape(4, 3), seed: 1);
        var w = new[] { new Shape(3, 5), new Shape(5, 5), new Shape(5, 2) }
            .Select((s, i) => new Variable(Tensor.RandomNormal(s, seed: 10 + i), name: $"w{i}")).ToArray();
        var unused = new Variable(Tensor.Zeros(new Shape(2)), name: "unused");
        var shared = w[1];
        return ([w[0], w[1], w[2], unused], () =>
        {
            var h = Ops.Tanh(Ops.MatMul(x, w[0]));
            h = Ops.Tanh(Ops.MatMul(h, shared)) + Ops.Tanh(Ops.MatMul(h, shared)) * 0.5f; // read twice
            return Ops.ReduceSum(Ops.Square(Ops.MatMul(h, w[2])));
        });
    }

    [Test]
    public void EachGradientIsHandedOverOnceAndEqualsThePlainAnswer()
    {
        var (vars, loss) = ThreeLayers();
        Tensor?[] plain;
        using (var tape = new GradientTape()) plain = tape.Gradient(loss(), vars);
        var seen = new List<int>();
        var handed = new Tensor?[vars.Length];
        Tensor?[] hooked;
        using (var tape = new GradientTape())
            hooked = tape.Gradient(loss(), vars, (i, g) => { seen.Add(i); handed[i] = g; });
        Assert.That(seen, Is.EquivalentTo(new[] { 0, 1, 2, 3 }));
        // The unused variable first (nothing to wait for), then the layers from the last back.
        Assert.That(seen, Is.EqualTo(new[] { 3, 2, 1, 0 }));
        Assert.That(handed[3], Is.Null);
        for (int i = 0; i < 3; i++)
        {
            Assert.That(ReferenceEquals(handed[i], hooked[i]), Is.True);
            Assert.That(hooked[i]!.ToArray<float>(), Is.EqualTo(plain[i]!.ToArray<float>()).Within(1e-6));
        }
    }

    [Test]
    public void TheLastLayersGradientArrivesBeforeTheBackwardPassReachesTheFirst()
    {
        // While building a graph, the node count at each call shows how much of the backward pass existed by then.
        var (vars, loss) = ThreeLayers();
        var g = new Graph();
        var nodesAt = new int[vars.Length];
        int total;
        using (g.AsDefault())
        using (var tape = new GradientTape())
        {
            var l = loss();
            tape.Gradient(l, vars, (i, _) => nodesAt[i] = g.Nodes.Count);
            total = g.Nodes.Count;
        }
        Assert.That(nodesAt[2], Is.LessThan(nodesAt[1]));
        Assert.That(nodesAt[1], Is.LessThan(nodesAt[0]));
        Assert.That(nodesAt[0], Is.LessThanOrEqualTo(total));
    }

    [Test]
    public void ANonPersistentTapeAnswersOnceThroughTheHookToo()
    {
        var (vars, loss) = ThreeLayers();
        using var tape = new GradientTape();
        var l = loss();
        tape.Gradient(l, vars, (_, _) => { });
        Assert.Throws<InvalidOperationException>(() => tape.Gradient(l, vars, (_, _) => { }));
    }
}
