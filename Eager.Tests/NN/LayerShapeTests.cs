using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Output shapes of every layer, eagerly and traced with an unknown batch, and their parameter counts.</summary>
public class LayerShapeTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData C(Func<Layer> make, int[] input, int[] output, long parameters, string name) =>
            new TestCaseData(make, input, output, parameters).SetName(name);
        yield return C(() => new Dense(5), [2, 3], [2, 5], 20, "Dense");
        yield return C(() => new Conv2D(4, 3), [2, 7, 9, 3], [2, 5, 7, 4], 3 * 3 * 3 * 4 + 4, "Conv2D valid");
        yield return C(() => new Conv2D(4, 3, strides: 2, padding: "same"), [2, 7, 9, 3], [2, 4, 5, 4], 112, "Conv2D same stride 2");
        yield return C(() => new Conv2D(2, (1, 3), dilationRate: 2, useBias: false), [1, 5, 9, 1], [1, 5, 5, 2], 6, "Conv2D dilated rectangular");
        yield return C(() => new Conv2DTranspose(3, 3, strides: 2, padding: "same"), [2, 4, 5, 2], [2, 8, 10, 3], 3 * 3 * 3 * 2 + 3, "Conv2DTranspose same");
        yield return C(() => new Conv2DTranspose(3, 3, strides: 2), [2, 4, 5, 2], [2, 9, 11, 3], 57, "Conv2DTranspose valid");
        yield return C(() => new Conv2DTranspose(3, 3, dilationRate: 2), [2, 4, 5, 2], [2, 8, 9, 3], 57, "Conv2DTranspose dilated");
        yield return C(() => new DepthwiseConv2D(3, depthMultiplier: 2, padding: "same"), [2, 6, 6, 3], [2, 6, 6, 6], 3 * 3 * 3 * 2 + 6, "DepthwiseConv2D");
        yield return C(() => new MaxPool2D(2), [2, 7, 8, 3], [2, 3, 4, 3], 0, "MaxPool2D valid");
        yield return C(() => new MaxPool2D(3, strides: 2, padding: "same"), [2, 7, 8, 3], [2, 4, 4, 3], 0, "MaxPool2D same");
        yield return C(() => new AvgPool2D(2, strides: 1), [1, 4, 4, 2], [1, 3, 3, 2], 0, "AvgPool2D");
        yield return C(() => new GlobalAveragePooling2D(), [2, 5, 6, 7], [2, 7], 0, "GlobalAveragePooling2D");
        yield return C(() => new GlobalAveragePooling2D(keepDims: true), [2, 5, 6, 7], [2, 1, 1, 7], 0, "GlobalAveragePooling2D keepDims");
        yield return C(() => new GlobalMaxPooling2D(), [2, 5, 6, 7], [2, 7], 0, "GlobalMaxPooling2D");
        yield return C(() => new Flatten(), [2, 3, 4, 5], [2, 60], 0, "Flatten");
        yield return C(() => new Flatten(), [2, 3], [2, 3], 0, "Flatten rank 2");
        yield return C(() => new Reshape([6, -1]), [2, 3, 4], [2, 6, 2], 0, "Reshape");
        yield return C(() => new Dropout(0.5), [2, 3], [2, 3], 0, "Dropout");
        yield return C(() => new BatchNormalization(), [4, 3, 3, 5], [4, 3, 3, 5], 20, "BatchNormalization");
        yield return C(() => new LayerNormalization(), [4, 7], [4, 7], 14, "LayerNormalization");
        yield return C(() => new Activation("relu"), [3, 2], [3, 2], 0, "Activation");
        yield return C(() => new Sequential(new Conv2D(2, 3), new MaxPool2D(2), new Flatten(), new Dense(3)), [2, 8, 8, 1], [2, 3], 2 * 9 + 2 + 18 * 3 + 3, "Sequential CNN");
    }

    [TestCaseSource(nameof(Cases))]
    public void EagerOutputShapeAndParameters(Func<Layer> make, int[] input, int[] output, long parameters)
    {
        var layer = make();
        var y = layer.Call(Tensor.RandomNormal(new Shape(input), seed: 1), training: true);
        Assert.That(y.Shape, Is.EqualTo(new Shape(output)));
        Assert.That(layer.CountParams(), Is.EqualTo(parameters));
        Assert.That(layer.Call(Tensor.RandomNormal(new Shape(input), seed: 2)).Shape, Is.EqualTo(new Shape(output)), "inference mode");
    }

    [TestCaseSource(nameof(Cases))]
    public void SymbolicShapeKeepsAnUnknownBatch(Func<Layer> make, int[] input, int[] output, long parameters)
    {
        var layer = make();
        var free = (int[])input.Clone();
        free[0] = -1;
        var want = (int[])output.Clone();
        want[0] = -1;
        Assert.That(layer.ComputeOutputShape(new Shape(free)), Is.EqualTo(new Shape(want)));
        Assert.That(layer.CountParams(), Is.EqualTo(parameters));
        Assert.That(layer.Call(Tensor.RandomNormal(new Shape(input), seed: 1)).Shape, Is.EqualTo(new Shape(output)), "runs eagerly after a symbolic build");
    }

    [Test]
    public void EmbeddingLooksUpRows()
    {
        var e = new Embedding(5, 3);
        var ids = Tensor.From(new[,] { { 0, 4 }, { 2, 2 } });
        var y = e.Call(ids);
        Assert.That(y.Shape, Is.EqualTo(new Shape(2, 2, 3)));
        Assert.That(y.DType, Is.EqualTo(DType.Float32));
        var table = e.Embeddings!.Value.ToArray<float>();
        Assert.That(y.ToArray<float>()[3..6], Is.EqualTo(table[12..15]));
        Assert.Throws<ArgumentException>(() => e.Call(Tensor.From(new[] { 1f })));
        Assert.Throws<ArgumentException>(() => e.Call(Tensor.From(new[] { 5 })), "an index past the vocabulary");
    }

    [Test]
    public void ConvLayersRejectBadInputs()
    {
        Assert.Throws<ArgumentException>(() => new Conv2D(2, 3).Call(Tensor.Zeros(new Shape(2, 5, 5))));
        Assert.Throws<ArgumentException>(() => new Conv2D(2, 3, padding: "full"));
        Assert.Throws<ArgumentException>(() => new Conv2D(2, 0));
        Assert.Throws<ArgumentException>(() => new GlobalAveragePooling2D().Call(Tensor.Zeros(new Shape(2, 5))));
        Assert.Throws<ArgumentException>(() => new Reshape([-1, -1]));
        Assert.Throws<ArgumentException>(() => new Activation("nope"));
    }

    [Test]
    public void DropoutIsIdentityAtInferenceAndScalesWhileTraining()
    {
        var x = Tensor.Ones(new Shape(1000));
        var d = new Dropout(0.25, seed: 3);
        Assert.That(d.Call(x).ToArray<float>(), Is.All.EqualTo(1f));
        var y = d.Call(x, training: true).ToArray<float>();
        Assert.That(y.All(v => v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6), Is.True);
        Assert.That(y.Count(v => v == 0f), Is.InRange(180, 320));
    }

    [Test]
    public void SeededDropoutDrawsAFreshMaskAtEveryRunOfATrace()
    {
        var d = new Dropout(0.5, seed: 1);
        var f = Function.Create((Tensor x) => d.Call(x, training: true));
        var x = Tensor.Ones(new Shape(64));
        var a = f.Invoke(x).ToArray<float>();
        var b = f.Invoke(x).ToArray<float>();
        Assert.That(b, Is.Not.EqualTo(a));
        Assert.That(f.TraceCount, Is.EqualTo(1));
    }

    [Test]
    public void BatchNormalizationUsesBatchStatisticsWhileTrainingAndMovesTheAverages()
    {
        var bn = new BatchNormalization(momentum: 0.5, epsilon: 1e-6);
        var x = Tensor.From(new double[,] { { 1, 10 }, { 3, 30 } });
        var y = bn.Call(x, training: true).ToDoubleArray();
        Assert.That(y, Is.EqualTo(new[] { -1.0, -1.0, 1.0, 1.0 }).Within(1e-5));
        Assert.That(bn.MovingMean!.Value.ToDoubleArray(), Is.EqualTo(new[] { 1.0, 10.0 }).Within(1e-12));
        Assert.That(bn.MovingVariance!.Value.ToDoubleArray(), Is.EqualTo(new[] { 1.0, 50.5 }).Within(1e-12));
        var inference = bn.Call(x).ToDoubleArray();
        Assert.That(inference[0], Is.EqualTo((1 - 1) / Math.Sqrt(1 + 1e-6)).Within(1e-9));
        Assert.That(inference[3], Is.EqualTo((30 - 10) / Math.Sqrt(50.5 + 1e-6)).Within(1e-9));
        Assert.That(bn.TrainableVariables, Has.Count.EqualTo(2));
        Assert.That(bn.NonTrainableVariables, Has.Count.EqualTo(2));
    }

    [Test]
    public void LayerNormalizationNormalisesEachRow()
    {
        var ln = new LayerNormalization(epsilon: 1e-9);
        var y = ln.Call(Tensor.From(new double[,] { { 1, 2, 3 }, { 10, 10, 40 } })).ToDoubleArray();
        double s = Math.Sqrt(2.0 / 3);
        Assert.That(y[..3], Is.EqualTo(new[] { -1 / s, 0, 1 / s }).Within(1e-6));
        Assert.That(y[3..].Sum(), Is.EqualTo(0).Within(1e-9));
    }
}
