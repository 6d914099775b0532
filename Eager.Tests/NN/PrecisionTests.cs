using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Mixed precision: policies, layers computing in 16 bits over float32 weights, and loss scaling.</summary>
[NonParallelizable] // the global policy is process-wide
public class PrecisionTests
{
    private static readonly Tensor X = Tensor.From(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 2, 1 } });
    private static readonly Tensor Y = Tensor.From(new float[,] { { 2 }, { -1 }, { 1 }, { 3 } });

    [Test]
    public void PoliciesParse()
    {
        Assert.That(Policy.Parse("mixed_bfloat16"), Is.EqualTo(Policy.MixedBFloat16));
        Assert.That(Policy.Parse("bf16").ComputeDType, Is.EqualTo(DType.BFloat16));
        Assert.That(Policy.Parse("mixed_float16").VariableDType, Is.EqualTo(DType.Float32));
        Assert.That(Policy.Parse("float64"), Is.EqualTo(new Policy("float64", DType.Float64, DType.Float64)));
        Assert.That(Policy.MixedFloat16.IsMixed && !Policy.Float32.IsMixed);
        Assert.Throws<ArgumentException>(() => Policy.Parse("int8"));
        Assert.Throws<ArgumentException>(() => Policy.Parse("mixed_nonsense"));
        using (Precision.Scope(Policy.MixedBFloat16)) Assert.That(Precision.GlobalPolicy, Is.EqualTo(Policy.MixedBFloat16));
        Assert.That(Precision.GlobalPolicy, Is.EqualTo(Policy.Float32));
    }

    [Test]
    public void AutoCastReadsFloat32VariablesIn16Bits()
    {
        var v = new Variable(Tensor.From(new[] { 1.1f, 2f }), name: "v");
        Tensor read, grad;
        using (var tape = new GradientTape())
        {
            using (Variable.AutoCast(DType.BFloat16)) read = v;
            var loss = Ops.ReduceSum(Ops.Cast(read, DType.Float32) * 3f);
            grad = tape.Gradient(loss, v)!;
        }
        Assert.That(read.DType, Is.EqualTo(DType.BFloat16));
        Assert.That(((Tensor)v).DType, Is.EqualTo(DType.Float32), "outside the scope reads are float32 again");
        Assert.That(grad.DType, Is.EqualTo(DType.Float32));
        Assert.That(grad.ToArray<float>(), Is.EqualTo(new[] { 3f, 3f }));
    }

    [TestCase("mixed_bfloat16"), TestCase("mixed_float16")]
    public void DenseComputesIn16BitsOverFloat32Weights(string name)
    {
        var policy = Policy.Parse(name);
        var layer = new Dense(3, activation: Ops.Relu, kernelInitializer: new GlorotUniform(4)) { Policy = policy };
        var reference = new Dense(3, activation: Ops.Relu, kernelInitializer: new GlorotUniform(4));
        Tensor y, yRef;
        Tensor?[] g;
        using (var tape = new GradientTape())
        {
            y = layer.Call(X);
            g = tape.Gradient(Ops.ReduceSum(Ops.Cast(y, DType.Float32)), layer.TrainableVariables);
        }
        yRef = reference.Call(X);
        Assert.That(layer.Kernel!.DType, Is.EqualTo(DType.Float32));
        Assert.That(layer.ComputeDType, Is.EqualTo(policy.ComputeDType));
        Assert.That(y.DType, Is.EqualTo(policy.ComputeDType));
        Assert.That(g.Select(t => t!.DType), Is.All.EqualTo(DType.Float32), "gradients reach the float32 weights in float32");
        double tol = policy.ComputeDType == DType.BFloat16 ? 2e-2 : 2e-3;
        var (got, want) = (y.ToDoubleArray(), yRef.ToDoubleArray());
        for (int i = 0; i < got.Length; i++) Assert.That(got[i], Is.EqualTo(want[i]).Within(tol * (1 + Math.Abs(want[i]))), $"element {i}");
    }

    [TestCase(true), TestCase(false)]
    public void FitTrainsUnderMixedBFloat16(bool eager)
    {
        using (Precision.Scope(Policy.MixedBFloat16))
        {
            var model = new Sequential(new Dense(8, activation: Ops.Tanh, kernelInitializer: new GlorotUniform(1)), new Dense(1, kernelInitializer: new GlorotUniform(2)));
            model.Compile(new Adam(0.05), new MeanSquaredError(), runEagerly: eager);
            var history = model.Fit(X, Y, epochs: 30, batchSize: 4, verbose: 0);
            var losses = history["loss"];
            Assert.That(losses[^1], Is.LessThan(losses[0] / 4), $"loss {losses[0]} -> {losses[^1]}");
            Assert.That(model.TrainableVariables.Select(v => v.DType), Is.All.EqualTo(DType.Float32));
            Assert.That(model.Predict(X).DType, Is.EqualTo(DType.BFloat16));
        }
    }

    [Test]
    public void NormalizationComputesInFloat32UnderAMixedPolicy()
    {
        using (Precision.Scope(Policy.MixedFloat16))
        {
            var bn = new BatchNormalization();
            var x = Tensor.RandomNormal(new Shape(6, 4), seed: 2);
            var y = bn.Call(x, training: true);
            Assert.That(y.DType, Is.EqualTo(DType.Float16));
            Assert.That(bn.MovingMean!.DType, Is.EqualTo(DType.Float32));
        }
    }

    [Test]
    public void LossScalingGivesTheUnscaledStep()
    {
        var plain = new Dense(1, kernelInitializer: new GlorotUniform(3));
        var scaled = new Dense(1, kernelInitializer: new GlorotUniform(3));
        var sgd = new SGD(0.1);
        var lso = new LossScaleOptimizer(new SGD(0.1), initialScale: 1024, growthSteps: 2);
        for (int step = 0; step < 3; step++)
        {
            plain.Call(X); scaled.Call(X);
            sgd.Minimize(() => Ops.ReduceMean(Ops.Square(plain.Call(X) - Y)), plain.TrainableVariables);
            lso.Minimize(() => Ops.ReduceMean(Ops.Square(scaled.Call(X) - Y)), scaled.TrainableVariables);
        }
        Assert.That(scaled.Kernel!.Value.ToArray<float>(), Is.EqualTo(plain.Kernel!.Value.ToArray<float>()).Within(1e-5));
        Assert.That(lso.LossScale.Value.Item<float>(), Is.EqualTo(2048f), "doubled after two good steps, then one more good step");
    }

    [Test]
    public void NonFiniteGradientsSkipTheStepAndHalveTheScale()
    {
        var v = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
        var lso = new LossScaleOptimizer(new SGD(0.1), initialScale: 8);
        lso.ApplyGradients([Tensor.From(new[] { float.PositiveInfinity, 1f })], [v]);
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }), "the step was skipped");
        Assert.That(lso.LossScale.Value.Item<float>(), Is.EqualTo(4f));
        lso.ApplyGradients([Tensor.From(new[] { float.NaN, 1f })], [v]);
        Assert.That(lso.LossScale.Value.Item<float>(), Is.EqualTo(2f));
        lso.ApplyGradients([Tensor.From(new[] { 8f, 16f })], [v]);
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(new[] { 0.6f, 1.2f }).Within(1e-6), "gradients divided by the scale 2");
    }

    [Test]
    public void LossScalingInsideATracedStep()
    {
        var v = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
        var lso = new LossScaleOptimizer(new SGD(0.1), initialScale: 8);
        var step = Function.Create((Tensor g) => { lso.ApplyGradients([g], [v]); return Tensor.Scalar(0f) + 0f; });
        step.Invoke(Tensor.From(new[] { float.NaN, 1f }));
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }), "skipped");
        Assert.That(lso.LossScale.Value.Item<float>(), Is.EqualTo(4f));
        step.Invoke(Tensor.From(new[] { 4f, 8f }));
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(new[] { 0.9f, 1.8f }).Within(1e-6));
    }

    [Test]
    public void FitWithMixedFloat16AndLossScaling()
    {
        using (Precision.Scope(Policy.MixedFloat16))
        {
            var model = new Sequential(new Dense(8, activation: Ops.Tanh, kernelInitializer: new GlorotUniform(1)), new Dense(1, kernelInitializer: new GlorotUniform(2)));
            model.Compile(new LossScaleOptimizer(new Adam(0.05)), new MeanSquaredError());
            var losses = model.Fit(X, Y, epochs: 30, batchSize: 4, verbose: 0)["loss"];
            Assert.That(losses[^1], Is.LessThan(losses[0] / 4), $"loss {losses[0]} -> {losses[^1]}");
        }
    }

    [Test]
    public void TensorMemoryCountsHalfTheBytesIn16Bits()
    {
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = TensorMemory.BytesInUse;
        var f = Tensor.Zeros(new Shape(4096), DType.Float32);
        long f32 = TensorMemory.BytesInUse - before;
        var h = Tensor.Zeros(new Shape(4096), DType.BFloat16);
        long bf16 = TensorMemory.BytesInUse - before - f32;
        Assert.That(f32, Is.EqualTo(4096 * 4));
        Assert.That(bf16, Is.EqualTo(4096 * 2));
        Assert.That(TensorMemory.PeakBytes, Is.GreaterThanOrEqualTo(TensorMemory.BytesInUse));
        GC.KeepAlive(f); GC.KeepAlive(h);
    }
}
