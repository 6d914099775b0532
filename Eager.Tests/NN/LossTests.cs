using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Loss values against float64 formulas computed here, reductions, weights and errors.</summary>
public class LossTests
{
    private static readonly double[,] Logits = { { 2, -1, 0.5 }, { 0.1, 0.2, 3 } };

    private static double[] SoftmaxRow(int r)
    {
        var z = Enumerable.Range(0, 3).Select(j => Math.Exp(Logits[r, j])).ToArray();
        return [.. z.Select(v => v / z.Sum())];
    }

    [Test]
    public void SparseCategoricalFromLogitsAndProbabilities()
    {
        int[] labels = [0, 1];
        double want = -(Math.Log(SoftmaxRow(0)[0]) + Math.Log(SoftmaxRow(1)[1])) / 2;
        var y = Tensor.From(labels);
        Assert.That(new SparseCategoricalCrossentropy(fromLogits: true).Call(y, Tensor.From(Logits)).Item<double>(), Is.EqualTo(want).Within(1e-12));
        var probs = Ops.Softmax(Tensor.From(Logits));
        Assert.That(new SparseCategoricalCrossentropy().Call(y, probs).Item<double>(), Is.EqualTo(want).Within(1e-9));
        Assert.That(new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.From(new[,] { { 0 }, { 1 } }), Tensor.From(Logits)).Item<double>(),
                    Is.EqualTo(want).Within(1e-12), "labels of shape (batch, 1) are accepted");
    }

    [Test]
    public void CategoricalWithLabelSmoothing()
    {
        var target = new double[,] { { 0, 0, 1 }, { 1, 0, 0 } };
        double total = 0;
        for (int r = 0; r < 2; r++)
        {
            var p = SoftmaxRow(r);
            for (int j = 0; j < 3; j++) total -= (target[r, j] * 0.7 + 0.1) * Math.Log(p[j]);
        }
        var got = new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.3).Call(Tensor.From(target), Tensor.From(Logits)).Item<double>();
        Assert.That(got, Is.EqualTo(total / 2).Within(1e-12));
    }

    [Test]
    public void CategoricalFromUnnormalisedProbabilitiesNormalisesAndClips()
    {
        var got = new CategoricalCrossentropy().Call(Tensor.From(new double[,] { { 0, 1 } }), Tensor.From(new double[,] { { 2, 0 } })).Item<double>();
        Assert.That(got, Is.EqualTo(-Math.Log(1e-7)).Within(1e-6));
    }

    [Test]
    public void BinaryFromLogitsAndProbabilities()
    {
        double[,] logits = { { 2, -1 }, { 0.5, 0 } };
        double[,] target = { { 1, 0 }, { 0, 1 } };
        double sum = 0;
        for (int r = 0; r < 2; r++)
            for (int j = 0; j < 2; j++)
            {
                double p = 1 / (1 + Math.Exp(-logits[r, j]));
                sum -= target[r, j] * Math.Log(p) + (1 - target[r, j]) * Math.Log(1 - p);
            }
        var t = Tensor.From(target);
        Assert.That(new BinaryCrossentropy(fromLogits: true).Call(t, Tensor.From(logits)).Item<double>(), Is.EqualTo(sum / 4).Within(1e-12));
        Assert.That(new BinaryCrossentropy().Call(t, Ops.Sigmoid(Tensor.From(logits))).Item<double>(), Is.EqualTo(sum / 4).Within(1e-9));
    }

    [Test]
    public void RegressionLossesAndReductions()
    {
        var t = Tensor.From(new double[,] { { 1, 2 }, { 3, 4 } });
        var p = Tensor.From(new double[,] { { 1.5, 0 }, { 3, 7 } });
        Assert.That(new MeanSquaredError().Call(t, p).Item<double>(), Is.EqualTo((0.25 + 4 + 0 + 9) / 4).Within(1e-12));
        Assert.That(new MeanAbsoluteError().Call(t, p).Item<double>(), Is.EqualTo((0.5 + 2 + 0 + 3) / 4).Within(1e-12));
        // Huber, delta 1: 0.5*0.25, 1*(2-0.5), 0, 1*(3-0.5)
        Assert.That(new Huber().Call(t, p).Item<double>(), Is.EqualTo((0.125 + 1.5 + 0 + 2.5) / 4).Within(1e-12));
        Assert.That(new MeanSquaredError(Reduction.None).Call(t, p).ToDoubleArray(), Is.EqualTo(new[] { 4.25 / 2, 9.0 / 2 }).Within(1e-12));
        Assert.That(new MeanSquaredError(Reduction.Sum).Call(t, p).Item<double>(), Is.EqualTo(13.25 / 2).Within(1e-12));
        var w = Tensor.From(new[] { 1.0, 0.0 });
        Assert.That(new MeanSquaredError().Call(t, p, w).Item<double>(), Is.EqualTo(4.25 / 2 / 2).Within(1e-12), "sample weights scale per-example losses");
        Assert.That(new MeanSquaredError().Call(Tensor.From(new[,] { { 1, 2 } }), Tensor.From(new[,] { { 1.0, 3.0 } })).Item<double>(),
                    Is.EqualTo(0.5).Within(1e-12), "integer targets are cast");
    }

    [Test]
    public void LargeLogitsStayFinite()
    {
        var l = new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.From(new[] { 1 }), Tensor.From(new float[,] { { 1000, -1000 } }));
        Assert.That(l.Item<float>(), Is.EqualTo(2000f).Within(1e-2));
    }

    [Test]
    public void BadInputsAreExplained()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Call(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(2, 4))));
        Assert.That(ex!.Message, Does.Contain("(2, 3)").And.Contain("(2, 4)"));
        Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Call(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2, 3))));
        Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Call(Tensor.From(new[,] { { 1, 2 }, { 0, 1 } }), Tensor.Zeros(new Shape(2, 3))));
        Assert.Throws<ArgumentException>(() => new MeanSquaredError().Call(Tensor.Zeros(new Shape(2)), Tensor.From(new[] { 1, 2 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Huber(0));
    }
}

public class MetricTests
{
    [Test]
    public void MeanIsWeightedAndResettable()
    {
        var m = new Mean("loss");
        m.Update(Tensor.Scalar(2f));
        m.Update(Tensor.From(new[] { 4.0, 6.0 }));
        Assert.That(m.Result(), Is.EqualTo(4.0));
        m.Update(Tensor.From(new[] { 10.0 }), Tensor.From(new[] { 3.0 }));
        Assert.That(m.Result(), Is.EqualTo((12 + 30) / 6.0).Within(1e-12));
        m.Reset();
        Assert.That(m.Result(), Is.EqualTo(0));
        Assert.That(m.ToString(), Does.StartWith("loss"));
    }

    [Test]
    public void AccuracyMetrics()
    {
        var sparse = new SparseCategoricalAccuracy();
        sparse.Update(Tensor.From(new[] { 1, 0, 2 }), Tensor.From(new float[,] { { 0, 5, 1 }, { 2, 1, 0 }, { 3, 0, 1 } }));
        Assert.That(sparse.Result(), Is.EqualTo(2 / 3.0).Within(1e-12));
        var cat = new CategoricalAccuracy();
        cat.Update(Tensor.From(new float[,] { { 0, 1 }, { 1, 0 } }), Tensor.From(new float[,] { { 0.2f, 0.8f }, { 0.3f, 0.7f } }));
        Assert.That(cat.Result(), Is.EqualTo(0.5));
        var acc = new Accuracy();
        acc.Update(Tensor.From(new[] { 1, 2, 3, 4 }), Tensor.From(new[] { 1, 0, 3, 0 }));
        Assert.That(acc.Result(), Is.EqualTo(0.5));
        var bin = new BinaryAccuracy();
        bin.Update(Tensor.From(new[] { 1f, 0f, 1f }), Tensor.From(new[] { 0.9f, 0.6f, 0.2f }));
        Assert.That(bin.Result(), Is.EqualTo(1 / 3.0).Within(1e-12));
        Assert.Throws<ArgumentException>(() => sparse.Update(Tensor.From(new[] { 1 }), Tensor.Zeros(new Shape(2, 3))));
        Assert.Throws<ArgumentException>(() => acc.Update(Tensor.From(new[] { 1 }), Tensor.From(new[] { 1, 2 })));
    }
}
