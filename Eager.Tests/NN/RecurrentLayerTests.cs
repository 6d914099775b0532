using Eager.NN;

namespace Eager.Tests.NN;

public class RecurrentLayerTests
{
    [Test]
    public void OutputShapesFollowReturnSequences()
    {
        var x = Tensor.RandomNormal(new Shape(4, 6, 3), seed: 1);
        Assert.That(new Lstm(5).Call(x).Shape, Is.EqualTo(new Shape(4, 5)));
        Assert.That(new Lstm(5, returnSequences: true).Call(x).Shape, Is.EqualTo(new Shape(4, 6, 5)));
        Assert.That(new Gru(7, returnSequences: true, goBackwards: true).Call(x).Shape, Is.EqualTo(new Shape(4, 6, 7)));
        var gru = new Gru(2);
        gru.Call(x);
        Assert.That(gru.Kernel!.Shape, Is.EqualTo(new Shape(6, 3)));
        Assert.That(gru.RecurrentKernel!.Shape, Is.EqualTo(new Shape(6, 2)));
        Assert.That(gru.Bias!.Shape, Is.EqualTo(new Shape(12)));
        Assert.Throws<ArgumentException>(() => new Lstm(3).Call(Tensor.Zeros(new Shape(2, 3))));
    }

    [Test]
    public void LastStateEqualsTheOp()
    {
        var x = Tensor.RandomNormal(new Shape(2, 4, 3), seed: 2);
        var layer = new Lstm(3);
        var got = layer.Call(x);
        var (_, yh, _) = Ops.Lstm(Ops.Transpose(x, [1, 0, 2]), Ops.ExpandDims(layer.Kernel!, 0), Ops.ExpandDims(layer.RecurrentKernel!, 0),
            Ops.ExpandDims(layer.Bias!, 0));
        Assert.That(got.ToArray<float>(), Is.EqualTo(Ops.Squeeze(yh, 0).ToArray<float>()).Within(1e-6));
    }

    /// <summary>A sequence task the layers can only learn through their recurrence: predict the mean of the first
    /// feature over all steps. The loss must fall well below where it started.</summary>
    [TestCase("lstm")]
    [TestCase("gru")]
    public void TrainingLowersTheLoss(string kind)
    {
        var x = Tensor.RandomNormal(new Shape(64, 8, 2), seed: 3);
        var target = Ops.ReduceMean(Ops.Slice(x, [0, 0, 0], [64, 8, 1]), axis: 1);
        Layer rnn = kind == "lstm" ? new Lstm(8) : new Gru(8);
        var head = new Dense(1);
        var opt = new Adam(0.02);
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var tape = new GradientTape();
            var loss = Ops.ReduceMean(Ops.Square(head.Call(rnn.Call(x)) - target));
            var vars = rnn.TrainableVariables.Concat(head.TrainableVariables).ToArray();
            var grads = tape.Gradient(loss, vars);
            opt.ApplyGradients(grads, vars);
            if (step == 0) first = loss.Item<float>();
            last = loss.Item<float>();
        }
        Assert.That(last, Is.LessThan(first * 0.3), $"loss {first} -> {last}");
    }

    [Test]
    public void TracedLayerMatchesEager()
    {
        var layer = new Gru(4, returnSequences: true);
        var x = Tensor.RandomNormal(new Shape(2, 5, 3), seed: 4);
        var eager = layer.Call(x);
        var f = Function.Create((Tensor t) => layer.Call(t));
        Assert.That(f.Invoke(x).ToArray<float>(), Is.EqualTo(eager.ToArray<float>()).Within(1e-6));
    }
}
