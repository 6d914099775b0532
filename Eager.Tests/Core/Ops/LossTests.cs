using static Eager.Tests.Core.NNOpCheck;
using static Eager.Tests.TestTensors;

namespace Eager.Tests.Core;

public class LossTests
{
    private static double LogSumExp(double[] row) { double m = row.Max(); return m + Math.Log(row.Sum(v => Math.Exp(v - m))); }

    [Test]
    public void SoftmaxCrossEntropyMatchesReference()
    {
        var logits = Randn(1, 4, 17) * 3.0; var labels = Ops.Softmax(Randn(2, 4, 17));
        var l = logits.ToArray<double>(); var z = labels.ToArray<double>();
        var want = Enumerable.Range(0, 4).Select(r =>
        {
            var row = l[(r * 17)..((r + 1) * 17)];
            double lse = LogSumExp(row);
            return Enumerable.Range(0, 17).Sum(k => -z[r * 17 + k] * (row[k] - lse));
        }).ToArray();
        var y = Ops.SoftmaxCrossEntropyWithLogits(labels: ToF32(labels), logits: ToF32(logits));
        Assert.That(y.Shape, Is.EqualTo(new Shape(4)));
        AssertClose(y, want, 1e-5);
        GradCheck.Check(t => Ops.SoftmaxCrossEntropyWithLogits(labels: t[0], logits: t[1]), Randn(3, 2, 3, 4), Randn(4, 2, 3, 4));
    }

    [Test]
    public void SoftmaxCrossEntropyGradientIsSoftmaxMinusLabels()
    {
        var logits = Tensor.From(new float[,] { { 1, 2, 3 } }); var labels = Tensor.From(new float[,] { { 0, 0, 1 } });
        using var tape = new GradientTape();
        tape.Watch(logits);
        var g = tape.Gradient(Ops.ReduceSum(Ops.SoftmaxCrossEntropyWithLogits(labels: labels, logits: logits)), logits)!.ToArray<float>();
        Assert.That(g, Is.EqualTo(new[] { 0.09003057f, 0.24472847f, 0.66524096f - 1f }).Within(1e-6));
    }

    [Test]
    public void LossesAreStableForHugeLogits()
    {
        var logits = Tensor.From(new float[,] { { 1000, -1000, 0 }, { -1000, -1000, 1000 } });
        var dense = Ops.SoftmaxCrossEntropyWithLogits(labels: Tensor.From(new float[,] { { 0, 1, 0 }, { 0, 0, 1 } }), logits: logits).ToArray<float>();
        Assert.That(dense[0], Is.EqualTo(2000f).Within(1e-2));
        Assert.That(dense[1], Is.EqualTo(0f).Within(1e-6));
        var sparse = Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new long[] { 1, 2 }), logits: logits).ToArray<float>();
        Assert.That(sparse, Is.EqualTo(dense).Within(1e-3));
        var sig = Ops.SigmoidCrossEntropyWithLogits(labels: Tensor.From(new float[] { 0, 1, 1, 0 }), logits: Tensor.From(new float[] { 1000, 1000, -1000, -1000 })).ToArray<float>();
        Assert.That(sig, Is.EqualTo(new float[] { 1000, 0, 1000, 0 }).Within(1e-3));
        using var tape = new GradientTape();
        tape.Watch(logits);
        var g = tape.Gradient(Ops.ReduceSum(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 1, 2 }), logits: logits)), logits)!.ToArray<float>();
        Assert.That(g, Is.EqualTo(new float[] { 1, -1, 0, 0, 0, 0 }).Within(1e-6));
    }

    [Test]
    public void SparseSoftmaxCrossEntropyMatchesTheDenseForm()
    {
        var logits = Randn(1, 5, 7);
        var labels = new[] { 0, 6, 3, 3, 1 };
        var onehot = new double[35];
        for (int i = 0; i < 5; i++) onehot[i * 7 + labels[i]] = 1;
        var dense = Ops.SoftmaxCrossEntropyWithLogits(labels: Tensor.From(onehot, new Shape(5, 7)), logits: logits).ToArray<double>();
        Assert.That(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(labels), logits: logits).ToArray<double>(), Is.EqualTo(dense).Within(1e-12));
        Assert.That(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(labels.Select(v => (long)v).ToArray()), logits: ToF32(logits)).ToDoubleArray(), Is.EqualTo(dense).Within(1e-5));
        GradCheck.Check(t => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(labels), logits: t[0]), logits);
        // Higher-rank labels: (2, 3) labels for (2, 3, 4) logits.
        GradCheck.Check(t => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new long[] { 0, 1, 2, 3, 0, 1 }, new Shape(2, 3)), logits: t[0]), Randn(2, 2, 3, 4));
    }

    [Test]
    public void SigmoidCrossEntropyMatchesTensorFlowValues()
    {
        var sig = Ops.SigmoidCrossEntropyWithLogits(labels: Tensor.From(new float[,] { { 1, 0 } }), logits: Tensor.From(new float[,] { { 2, -1 } })).ToArray<float>();
        Assert.That(sig, Is.EqualTo(new[] { 0.126928f, 0.313262f }).Within(1e-5));
        var x = Randn(1, 3, 17) * 4.0; var z = Tensor.RandomUniform(new Shape(3, 17), seed: 2, dtype: DType.Float64);
        var xs = x.ToArray<double>(); var zs = z.ToArray<double>();
        var want = xs.Select((v, i) => -zs[i] * Math.Log(1 / (1 + Math.Exp(-v))) - (1 - zs[i]) * Math.Log(1 - 1 / (1 + Math.Exp(-v)))).ToArray();
        AssertClose(Ops.SigmoidCrossEntropyWithLogits(labels: ToF32(z), logits: ToF32(x)), want, 1e-5);
        GradCheck.Check(t => Ops.SigmoidCrossEntropyWithLogits(labels: t[0], logits: t[1]), Randn(3, 2, 5), Randn(4, 2, 5));
    }

    [Test]
    public void SecondDerivativesMatchFiniteDifferences()
    {
        // Gradients of the logit gradient (Hessian-vector products) go through each op's second output.
        var r = Randn(9, 3, 4);
        var labels = Ops.Softmax(Randn(8, 3, 4));
        Tensor Inner(Func<Tensor, Tensor> loss, Tensor x)
        {
            using var t = new GradientTape();
            t.Watch(x);
            return t.Gradient(Ops.ReduceSum(loss(x)), x)! * r;
        }
        GradCheck.Check(t => Inner(x => Ops.SoftmaxCrossEntropyWithLogits(labels: labels, logits: x), t[0]), 1e-5, Randn(1, 3, 4));
        GradCheck.Check(t => Inner(x => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 3, 0, 1 }), logits: x), t[0]), 1e-5, Randn(2, 3, 4));
        GradCheck.Check(t => Inner(x => Ops.SigmoidCrossEntropyWithLogits(labels: labels, logits: x), t[0]), 1e-5, Randn(3, 3, 4));
        GradCheck.Check(t => Inner(z => Ops.SoftmaxCrossEntropyWithLogits(labels: z, logits: t[0]), labels), 1e-5, Randn(4, 3, 4));
        // Labels that are not distributions: the backprop output is softmax * sum(labels) - labels.
        var loose = Randn(7, 3, 4);
        GradCheck.Check(t => Inner(x => Ops.SoftmaxCrossEntropyWithLogits(labels: loose, logits: x), t[0]), 1e-5, Randn(5, 3, 4));
        GradCheck.Check(t => Inner(x => Ops.SoftmaxCrossEntropyWithLogits(labels: t[0], logits: x), loose), 1e-5, Randn(6, 3, 4));
    }

    [Test]
    public void OutOfRangeLabelsGiveAClearError()
    {
        var logits = Tensor.Zeros(new Shape(3, 4));
        AssertThrowsWith(() => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 0, 4, 1 }), logits: logits), "label 4", "position 1", "[0, 4)");
        AssertThrowsWith(() => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new long[] { 0, 1, -1 }), logits: logits), "label -1", "position 2");
    }

    [Test]
    public void BadShapesAndDTypesGiveClearErrors()
    {
        var logits = Tensor.Zeros(new Shape(3, 4));
        AssertThrowsWith(() => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 0f, 1f, 2f }), logits: logits), "int32 or int64", "float32");
        AssertThrowsWith(() => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 0, 1 }), logits: logits), "labels (2,)", "logits (3, 4)");
        AssertThrowsWith(() => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 0, 1, 2 }), logits: Tensor.Zeros(new Shape(3, 4), DType.Int32)), "logits", "int32");
        AssertThrowsWith(() => Ops.SoftmaxCrossEntropyWithLogits(labels: Tensor.Zeros(new Shape(3, 5)), logits: logits), "SoftmaxCrossEntropyWithLogits", "(3, 5)", "(3, 4)");
        AssertThrowsWith(() => Ops.SoftmaxCrossEntropyWithLogits(labels: Tensor.Zeros(new Shape(3, 4), DType.Float64), logits: logits), "float64", "float32");
        AssertThrowsWith(() => Ops.SoftmaxCrossEntropyWithLogits(labels: Tensor.Scalar(1f), logits: Tensor.Scalar(1f)), "rank >= 1");
        AssertThrowsWith(() => Ops.SigmoidCrossEntropyWithLogits(labels: Tensor.Zeros(new Shape(4, 3)), logits: logits), "SigmoidCrossEntropyWithLogits", "(4, 3)", "(3, 4)");
    }
}
