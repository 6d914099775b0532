using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>
/// Whole models through the optimiser: a LeNet-style CNN and an MLP trained for three SGD steps traced (pruned, folded,
/// simplified, conv/matmul + bias + relu fused, element-wise chains compiled, memory planned) and eagerly from the same
/// weights give the same losses and weights (float32, 1e-4 relative), and the traced graph really is fused.
/// </summary>
public class OptimizedModelTests
{
    private static Sequential LeNet() => new(
        new Conv2D(6, 5, activation: Ops.Relu), new MaxPool2D(2),
        new Conv2D(16, 5, activation: Ops.Relu), new MaxPool2D(2),
        new Flatten(), new Dense(32, activation: Ops.Relu), new Dense(10));

    private static Sequential Mlp() => new(new Dense(64, activation: Ops.Relu), new Dense(64, activation: Ops.Tanh), new Dense(10));

    private static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData((Func<Sequential>)LeNet, new Shape(8, 28, 28, 1), "FusedConv2D").SetArgDisplayNames("LeNet");
        yield return new TestCaseData((Func<Sequential>)Mlp, new Shape(16, 40), "FusedMatMul").SetArgDisplayNames("MLP");
    }

    private static Tensor Step(Sequential model, SGD opt, Tensor x, Tensor y)
    {
        using var tape = new GradientTape();
        var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: y, logits: model.Call(x, training: true)));
        var vars = model.TrainableVariables;
        opt.ApplyGradients(tape.Gradient(loss, vars), vars);
        return loss;
    }

    [TestCaseSource(nameof(Models))]
    public void TracedTrainingMatchesEagerTraining(Func<Sequential> make, Shape inputShape, string fusedOp)
    {
        var x = Tensor.RandomUniform(inputShape, -1, 1, seed: 11);
        var r = new Random(12);
        var y = Tensor.From(Enumerable.Range(0, inputShape[0]).Select(_ => r.Next(10)).ToArray());
        var eager = make();
        var traced = make();
        eager.Call(x);
        traced.Call(x);
        for (int i = 0; i < eager.Variables.Count; i++) traced.Variables[i].Assign(eager.Variables[i].Value);
        var eagerOpt = new SGD(0.05);
        var tracedOpt = new SGD(0.05);
        var step = Function.Create((Tensor a, Tensor b) => Step(traced, tracedOpt, a, b));
        for (int s = 0; s < 3; s++)
        {
            float le = Step(eager, eagerOpt, x, y).Item<float>();
            float lt = step.Invoke(x, y).Item<float>();
            Assert.That(lt, Is.EqualTo(le).Within(1e-4 * Math.Abs(le)), $"loss at step {s}");
        }
        for (int i = 0; i < eager.Variables.Count; i++)
        {
            var want = eager.Variables[i].Value.ToArray<float>();
            var got = traced.Variables[i].Value.ToArray<float>();
            float scale = want.Max(MathF.Abs) + 1e-6f;
            for (int k = 0; k < want.Length; k++)
                Assert.That(got[k], Is.EqualTo(want[k]).Within(1e-4f * scale), $"{eager.Variables[i].Name}[{k}]");
        }
        var cf = step.GetConcreteFunction(TensorSpec.Of(x), TensorSpec.Of(y));
        var optimised = GraphOptimizer.Optimize(cf.Graph, [.. cf.Outputs]);
        var ops = optimised.Nodes.Select(n => n.Op.Name).ToList();
        Assert.That(ops, Does.Contain(fusedOp));
    }
}
