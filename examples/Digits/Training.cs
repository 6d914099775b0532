using Eager;
using Eager.NN;

/// <summary>The digits CNN: two conv/pool stages, dropout, a hidden dense layer, 10 logits.</summary>
internal static class DigitsModel
{
    public static Sequential Create() => new(
        new Conv2D(32, 3, activation: Ops.Relu),
        new MaxPool2D(2),
        new Conv2D(64, 3, activation: Ops.Relu),
        new MaxPool2D(2),
        new Flatten(),
        new Dropout(0.3, seed: 5),
        new Dense(128, activation: Ops.Relu),
        new Dropout(0.3, seed: 6),
        new Dense(10));
}

/// <summary>One optimisation step, eagerly or as a traced Function.</summary>
internal sealed class Trainer(Layer model, Optimizer optimizer, Loss loss, bool traced)
{
    private Function? step;

    public (Tensor Loss, Tensor Logits) Step(Tensor x, Tensor y)
    {
        if (!traced) return Eager(x, y);
        // Traced once per batch shape (the last, smaller batch traces a second time).
        step ??= Function.Create((Tensor[] a) =>
        {
            var (l, logits) = Eager(a[0], a[1]);
            return [l, logits];
        }, "digits_train_step");
        var r = step.InvokeAll(x, y);
        return (r[0], r[1]);
    }

    private (Tensor, Tensor) Eager(Tensor x, Tensor y)
    {
        using var tape = new GradientTape();
        var logits = model.Call(x, training: true);
        var l = loss.Call(y, logits);
        optimizer.ApplyGradients(tape.Gradient(l, model.TrainableVariables), model.TrainableVariables);
        return (l, logits);
    }

    /// <summary>Accuracy of the model (inference mode) on a whole set, in batches of 500.</summary>
    public static double Evaluate(Layer model, Tensor images, Tensor labels)
    {
        var acc = new SparseCategoricalAccuracy();
        foreach (var (x, y) in Batches.InOrder(images, labels, 500)) acc.Update(y, model.Call(x));
        return acc.Result();
    }
}

/// <summary>Mini-batches of (n, 28, 28) images as (b, 28, 28, 1) with their labels.</summary>
internal static class Batches
{
    public static int Count(Tensor images, int batch) => (images.Shape[0] + batch - 1) / batch;

    public static (Tensor Images, Tensor Labels) Subset(Tensor images, Tensor labels, int? limit)
    {
        if (limit is not { } n || n >= images.Shape[0]) return (images, labels);
        return (Tensor.From(images.ToArray<float>()[..(n * 784)], new Shape(n, 28, 28)), Tensor.From(labels.ToArray<int>()[..n]));
    }

    public static IEnumerable<(Tensor X, Tensor Y)> Shuffled(Tensor images, Tensor labels, int batch, int seed)
    {
        int n = images.Shape[0];
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        return Make(images, labels, batch, order);
    }

    public static IEnumerable<(Tensor X, Tensor Y)> InOrder(Tensor images, Tensor labels, int batch) =>
        Make(images, labels, batch, [.. Enumerable.Range(0, images.Shape[0])]);

    private static IEnumerable<(Tensor X, Tensor Y)> Make(Tensor images, Tensor labels, int batch, int[] order)
    {
        var pixels = images.ToArray<float>();
        var lab = labels.ToArray<int>();
        for (int start = 0; start < order.Length; start += batch)
        {
            int b = Math.Min(batch, order.Length - start);
            var x = new float[b * 784];
            var y = new int[b];
            for (int i = 0; i < b; i++)
            {
                Array.Copy(pixels, order[start + i] * 784, x, i * 784, 784);
                y[i] = lab[order[start + i]];
            }
            yield return (Tensor.From(x, new Shape(b, 28, 28, 1)), Tensor.From(y));
        }
    }
}

/// <summary>Per-epoch curves, plotted with ScottPlot.</summary>
internal sealed class History
{
    public List<double> Loss { get; } = [];
    public List<double> TrainAccuracy { get; } = [];
    public List<double> TestAccuracy { get; } = [];

    public void Add(double loss, double trainAcc, double testAcc)
    {
        Loss.Add(loss);
        TrainAccuracy.Add(trainAcc);
        TestAccuracy.Add(testAcc);
    }

    public void SavePlot(string path, string title)
    {
        var plt = new ScottPlot.Plot();
        double[] epochs = [.. Enumerable.Range(1, Loss.Count).Select(e => (double)e)];
        var loss = plt.Add.Scatter(epochs, Loss.ToArray());
        loss.LegendText = "training loss";
        var train = plt.Add.Scatter(epochs, TrainAccuracy.ToArray());
        train.LegendText = "training accuracy";
        train.Axes.YAxis = plt.Axes.Right;
        var test = plt.Add.Scatter(epochs, TestAccuracy.ToArray());
        test.LegendText = "test accuracy";
        test.Axes.YAxis = plt.Axes.Right;
        plt.Title(title);
        plt.XLabel("epoch");
        plt.YLabel("loss");
        plt.Axes.Right.Label.Text = "accuracy";
        plt.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plt.SavePng(path, 900, 550);
    }
}
