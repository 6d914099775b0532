using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Tape gradients through whole small models against central finite differences, in float64.</summary>
public class GradientCheckTests
{
    private static Tensor SumSquares(Tensor y) => Ops.ReduceSum(Ops.Square(y));

    [Test]
    public void Mlp()
    {
        var m = new Sequential(new Dense(5, activation: Ops.Tanh), new Dense(4, activation: Ops.Sigmoid), new Dense(3));
        ModelCheck.CheckGradients(m, TestTensors.Randn(1, 6, 7), SumSquares);
    }

    [Test]
    public void CnnWithPoolingAndFlatten()
    {
        // Seeded weights: a max whose two largest inputs lie within the finite-difference step would make the check
        // fail for some random draws (the max is not differentiable at a tie).
        var m = new Sequential(
            new Conv2D(3, 3, padding: "same", activation: Ops.Tanh, kernelInitializer: new GlorotUniform(1)),
            new AvgPool2D(2),
            new Conv2D(4, (2, 3), strides: (1, 2), kernelInitializer: new GlorotUniform(2)),
            new MaxPool2D(2, padding: "same"),
            new Flatten(),
            new Dense(2, kernelInitializer: new GlorotUniform(3)));
        ModelCheck.CheckGradients(m, TestTensors.Randn(2, 2, 9, 11, 2), SumSquares);
    }

    [Test]
    public void TransposedAndDepthwiseConvolutions()
    {
        var m = new Sequential(
            new DepthwiseConv2D(3, depthMultiplier: 2, padding: "same", activation: Ops.Tanh),
            new Conv2DTranspose(2, 3, strides: 2, padding: "same"),
            new GlobalAveragePooling2D(),
            new Dense(2));
        ModelCheck.CheckGradients(m, TestTensors.Randn(3, 2, 5, 4, 3), SumSquares);
    }

    [Test]
    public void BatchNormalizationInTraining()
    {
        var m = new Sequential(new Dense(4), new BatchNormalization(), new Activation("tanh"), new Dense(2));
        ModelCheck.CheckGradients(m, TestTensors.Randn(4, 8, 3), SumSquares, training: true);
    }

    [Test]
    public void LayerNormalizationAndGlobalPooling()
    {
        // Seeded weights, as in CnnWithPoolingAndFlatten: unseeded draws sometimes put a tie inside the step.
        var m = new Sequential(new Conv2D(4, 3, kernelInitializer: new GlorotUniform(1)), new LayerNormalization(), new GlobalMaxPooling2D(),
                               new Dense(3, kernelInitializer: new GlorotUniform(2)));
        ModelCheck.CheckGradients(m, TestTensors.Randn(5, 2, 6, 6, 2), SumSquares);
    }

    [Test]
    public void EmbeddingThenDense()
    {
        var m = new Sequential(new Embedding(7, 4, dtype: DType.Float64), new Flatten(), new Dense(2));
        var ids = Tensor.From(new[,] { { 1, 6, 1 }, { 0, 3, 2 } });
        // Integer inputs have no gradient: only the weights (a repeated index accumulates) are checked.
        ModelCheck.CheckGradients(m, ids, SumSquares, checkInput: false);
    }

    public static IEnumerable<TestCaseData> Losses()
    {
        var labels = Tensor.From(new[] { 2, 0, 1 });
        var oneHot = Tensor.From(new double[,] { { 0, 0, 1 }, { 1, 0, 0 }, { 0, 1, 0 } });
        var targets = Tensor.From(new double[,] { { 0.5, -1, 2 }, { 1, 0, 0.3 }, { 0, 1, 0 } });
        var binary = Tensor.From(new double[,] { { 1, 0, 1 }, { 0, 0, 1 }, { 1, 1, 0 } });
        yield return new TestCaseData(new SparseCategoricalCrossentropy(fromLogits: true), labels, (Func<Tensor, Tensor>)(y => y)).SetName("SparseCCE logits");
        yield return new TestCaseData(new SparseCategoricalCrossentropy(), labels, (Func<Tensor, Tensor>)(y => Ops.Softmax(y))).SetName("SparseCCE probabilities");
        yield return new TestCaseData(new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), oneHot, (Func<Tensor, Tensor>)(y => y)).SetName("CCE logits");
        yield return new TestCaseData(new CategoricalCrossentropy(), oneHot, (Func<Tensor, Tensor>)(y => Ops.Softmax(y))).SetName("CCE probabilities");
        yield return new TestCaseData(new BinaryCrossentropy(fromLogits: true), binary, (Func<Tensor, Tensor>)(y => y)).SetName("BCE logits");
        yield return new TestCaseData(new BinaryCrossentropy(), binary, (Func<Tensor, Tensor>)(y => Ops.Sigmoid(y))).SetName("BCE probabilities");
        yield return new TestCaseData(new MeanSquaredError(), targets, (Func<Tensor, Tensor>)(y => y)).SetName("MSE");
        yield return new TestCaseData(new MeanAbsoluteError(), targets, (Func<Tensor, Tensor>)(y => y)).SetName("MAE");
        yield return new TestCaseData(new Huber(0.5), targets, (Func<Tensor, Tensor>)(y => y)).SetName("Huber");
    }

    [TestCaseSource(nameof(Losses))]
    public void LossesThroughAModel(Loss loss, Tensor target, Func<Tensor, Tensor> head)
    {
        var m = new Sequential(new Dense(4, activation: Ops.Tanh), new Dense(3));
        ModelCheck.CheckGradients(m, TestTensors.Randn(6, 3, 5), y => loss.Call(target, head(y)));
    }
}
