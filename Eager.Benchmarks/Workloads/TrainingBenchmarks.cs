using BenchmarkDotNet.Attributes;
using Eager.NN;

namespace Eager.Benchmarks.Workloads;

/// <summary>
/// One SGD training step (forward, loss, tape gradients, update) through Eager.NN, the path a user takes:
/// an MLP 784-512-512-10 at batch 128 and a LeNet-5-style CNN at batch 64 on 28x28x1 images. ONNX Runtime
/// cannot train, so the report compares these with PyTorch (benchmarks/pytorch_bench.py builds the same models).
/// The Traced variants run the same step through <see cref="Function.Create(Func{Tensor, Tensor, Tensor}, string?)"/>:
/// forward, tape gradients and update traced into one optimised graph.
/// </summary>
public class TrainingBenchmarks : IWork, ISmokeRun
{
    private Sequential mlp = null!, lenet = null!;
    private SGD mlpOpt = null!, lenetOpt = null!;
    private Function mlpTraced = null!, lenetTraced = null!;
    private Tensor mlpX = null!, mlpY = null!, cnnX = null!, cnnY = null!;

    public (double Amount, string Unit) Work(string method) => method is nameof(MlpStep) or nameof(MlpStepTraced)
        ? (3 * 2.0 * 128 * (784 * 512 + 512 * 512 + 512 * 10), "GFLOP/s") // forward + two backward GEMMs per layer
        : (0, "");

    [GlobalSetup]
    public void Setup()
    {
        mlp = new Sequential(new Dense(512, activation: Ops.Relu), new Dense(512, activation: Ops.Relu), new Dense(10));
        lenet = new Sequential(
            new NN.Conv2D(6, 5, activation: Ops.Relu), new NN.MaxPool2D(2),
            new NN.Conv2D(16, 5, activation: Ops.Relu), new NN.MaxPool2D(2),
            new Flatten(), new Dense(120, activation: Ops.Relu), new Dense(84, activation: Ops.Relu), new Dense(10));
        mlpOpt = new SGD(0.01);
        lenetOpt = new SGD(0.01);
        mlpX = Data.Uniform(20, 1, 128, 784);
        mlpY = Labels(21, 128);
        cnnX = Data.Uniform(22, 1, 64, 28, 28, 1);
        cnnY = Labels(23, 64);
        mlpTraced = Function.Create((Tensor x, Tensor y) => Step(mlp, mlpOpt, x, y), "mlp_step");
        lenetTraced = Function.Create((Tensor x, Tensor y) => Step(lenet, lenetOpt, x, y), "lenet_step");
    }

    private static Tensor Labels(int seed, int n)
    {
        var r = new Random(seed);
        return Tensor.From(Enumerable.Range(0, n).Select(_ => r.Next(10)).ToArray());
    }

    private static Tensor Step(Sequential model, SGD opt, Tensor x, Tensor y)
    {
        using var tape = new GradientTape();
        var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: y, logits: model.Call(x, training: true)));
        var vars = model.TrainableVariables;
        opt.ApplyGradients(tape.Gradient(loss, vars), vars);
        return loss;
    }

    [Benchmark]
    public Tensor MlpStep() => Step(mlp, mlpOpt, mlpX, mlpY);

    [Benchmark]
    public Tensor LeNetStep() => Step(lenet, lenetOpt, cnnX, cnnY);

    [Benchmark]
    public Tensor MlpStepTraced() => mlpTraced.Invoke(mlpX, mlpY);

    [Benchmark]
    public Tensor LeNetStepTraced() => lenetTraced.Invoke(cnnX, cnnY);

    public void SmokeRun()
    {
        Setup();
        LossFalls("MLP", MlpStep);
        LossFalls("LeNet", LeNetStep);
        LossFalls("Traced MLP", MlpStepTraced);
        LossFalls("Traced LeNet", LeNetStepTraced);
    }

    private static void LossFalls(string what, Func<Tensor> step)
    {
        float first = step().Item<float>(), later = first;
        for (int i = 0; i < 5; i++) later = step().Item<float>();
        if (!float.IsFinite(later) || later >= first) throw new InvalidOperationException($"{what} loss did not fall: {first} -> {later}.");
    }
}
