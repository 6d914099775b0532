using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>
/// Conv2D and Dense layers call the fused contraction kernel eagerly when their activation is one it knows: the values
/// and every gradient (input, kernel, bias) must match the plain ops exactly, and tracing must keep the plain ops.
/// </summary>
public class FusedLayerTests
{
    private static readonly (Func<Tensor, Tensor> Fused, Func<Tensor, Tensor> Plain, string Name)[] Activations =
    [
        (Ops.Relu, x => Ops.Relu(x), "Relu"), (Ops.Relu6, x => Ops.Relu6(x), "Relu6"), (Ops.Elu, x => Ops.Elu(x), "Elu"),
        (Ops.Sigmoid, x => Ops.Sigmoid(x), "Sigmoid"), (Ops.Tanh, x => Ops.Tanh(x), "Tanh"),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var a in Activations)
            foreach (bool bias in new[] { true, false })
                yield return new TestCaseData(a.Name, bias).SetName($"{{m}}({a.Name}, bias: {bias})");
    }

    private static (Func<Tensor, Tensor> Fused, Func<Tensor, Tensor> Plain) Act(string name) =>
        Activations.Where(a => a.Name == name).Select(a => (a.Fused, a.Plain)).Single();

    private static void AssertSame(Tensor?[] fused, Tensor?[] plain)
    {
        Assert.That(fused, Has.Length.EqualTo(plain.Length));
        for (int i = 0; i < fused.Length; i++)
            Assert.That(fused[i]!.ToArray<double>(), Is.EqualTo(plain[i]!.ToArray<double>()).Within(1e-12), $"result {i} (0: output, 1: dx, then the variables)");
    }

    private static Tensor?[] RunLayer(Layer layer, Tensor x, Layer? weightsFrom)
    {
        layer.Call(x);
        if (weightsFrom is not null)
            for (int i = 0; i < layer.Variables.Count; i++) layer.Variables[i].Assign(weightsFrom.Variables[i].Value);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Call(x);
        var loss = Ops.ReduceSum(y * Ops.Sin(y * 3.0 + 0.5));
        var grads = tape.Gradient(loss, [x, .. layer.Variables.Select(v => (Tensor)v)]);
        return [y, .. grads];
    }

    [TestCaseSource(nameof(Cases))]
    public void Conv2DMatchesThePlainOps(string activation, bool bias)
    {
        var (fused, plain) = Act(activation);
        var x = TestTensors.Randn(1, 2, 7, 6, 3);
        Layer Make(Func<Tensor, Tensor> act) => new Conv2D(5, 3, padding: "same", activation: act, useBias: bias,
            kernelInitializer: new GlorotUniform(7), biasInitializer: new RandomNormal(0, 1, seed: 8));
        var a = Make(fused);
        var got = RunLayer(a, x, null);
        var want = RunLayer(Make(plain), x, a);
        AssertSame(got, want);
    }

    [TestCaseSource(nameof(Cases))]
    public void DenseMatchesThePlainOps(string activation, bool bias)
    {
        var (fused, plain) = Act(activation);
        var x = TestTensors.Randn(2, 4, 9);
        Layer Make(Func<Tensor, Tensor> act) => new Dense(6, activation: act, useBias: bias,
            kernelInitializer: new GlorotUniform(9), biasInitializer: new RandomNormal(0, 1, seed: 10));
        var a = Make(fused);
        var got = RunLayer(a, x, null);
        var want = RunLayer(Make(plain), x, a);
        AssertSame(got, want);
    }

    [Test]
    public void EagerCallsUseOneFusedOpAndTracingKeepsThePlainOps()
    {
        Assert.That(FusedActivation.Of(Ops.Relu), Is.EqualTo("Relu"));
        Assert.That(FusedActivation.Of(null), Is.EqualTo("None"));
        Assert.That(FusedActivation.Of(x => Ops.Relu(x)), Is.Null, "a lambda is opaque: the layer runs it as given");
        Assert.That(FusedActivation.Of(Ops.Softplus), Is.Null);

        var layer = new Conv2D(4, 3, padding: "same", activation: Ops.Relu);
        var x = Tensor.RandomNormal(new Shape(1, 5, 5, 2), seed: 3);
        using (var tape = new GradientTape())
        {
            layer.Call(x);
            Assert.That(tape.RecordedOps(), Is.EqualTo(new[] { "FusedConv2D" }));
        }
        var f = Function.Create((Tensor t) => layer.Call(t));
        var graph = f.GetConcreteFunction(TensorSpec.Of(x)).Graph;
        var ops = graph.Nodes.Select(n => n.Op.Name).ToList();
        Assert.That(ops, Does.Contain("Conv2D").And.Contain("BiasAdd").And.Contain("Relu").And.Not.Contain("FusedConv2D"));
    }
}
