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

internal static class DigitsData
{
    /// <summary>(n, 28, 28) images as (n, 28, 28, 1), optionally only the first <paramref name="limit"/>, with their labels.</summary>
    public static (Tensor Images, Tensor Labels) Images(Tensor images, Tensor labels, int? limit)
    {
        int n = Math.Min(limit ?? int.MaxValue, images.Shape[0]);
        var pixels = images.ToArray<float>()[..(n * 784)];
        return (Tensor.From(pixels, new Shape(n, 28, 28, 1)), Tensor.From(labels.ToArray<int>()[..n]));
    }
}

/// <summary>The per-epoch curves of a Fit's History, plotted with ScottPlot.</summary>
internal static class DigitsPlot
{
    public static void Save(History history, string path, string title)
    {
        var plt = new ScottPlot.Plot();
        double[] epochs = [.. history.Epochs.Select(e => e + 1.0)];
        var loss = plt.Add.Scatter(epochs, history["loss"].ToArray());
        loss.LegendText = "training loss";
        foreach (var (key, label) in new[] { ("accuracy", "training accuracy"), ("val_accuracy", "validation accuracy") })
        {
            var s = plt.Add.Scatter(epochs, history[key].ToArray());
            s.LegendText = label;
            s.Axes.YAxis = plt.Axes.Right;
        }
        plt.Title(title);
        plt.XLabel("epoch");
        plt.YLabel("loss");
        plt.Axes.Right.Label.Text = "accuracy";
        plt.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plt.SavePng(path, 900, 550);
    }
}
