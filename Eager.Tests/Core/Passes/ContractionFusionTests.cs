namespace Eager.Tests.Core.Passes;

public class ContractionFusionTests
{
    [Test]
    public void MatMulBiasAddReluBecomesOneNode()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 4), "x");
            var w = Ops.Constant(Tensor.RandomNormal(new Shape(4, 3), seed: 1), "w");
            var b = Ops.Constant(Tensor.From(new[] { 0.1f, -0.2f, 0.3f }), "b");
            y = Ops.Relu(Ops.BiasAdd(Ops.MatMul(x, w), b));
        }
        var result = PassCheck.Optimize(g, [y], new ContractionFusion());
        Assert.That(PassCheck.Lines(result)[^1], Is.EqualTo("Relu = FusedMatMul(x:0, w:0, b:0; activation=\"Relu\", transposeA=false, transposeB=false) -> float32(None, 3)"));
        var data = Tensor.RandomNormal(new Shape(5, 4), seed: 2);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        var eager = Ops.Relu(Ops.BiasAdd(Ops.MatMul(data, Tensor.RandomNormal(new Shape(4, 3), seed: 1)), Tensor.From(new[] { 0.1f, -0.2f, 0.3f })));
        PassCheck.AssertClose(got[0], eager, "vs eager");
    }

    [Test]
    public void ConvAddOfABiasVectorAndTanh()
    {
        var g = new Graph();
        Tensor x, y;
        var filter = Tensor.RandomNormal(new Shape(3, 3, 2, 4), seed: 3, dtype: DType.Float64);
        var bias = Tensor.RandomNormal(new Shape(4), seed: 4, dtype: DType.Float64);
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(2, 6, 6, 2), "x");
            y = Ops.Tanh(Ops.Conv2D(x, filter, padding: "SAME") + bias);
        }
        var result = PassCheck.Optimize(g, [y], new ContractionFusion());
        Assert.That(PassCheck.OpNames(result), Is.EqualTo(new[] { "Placeholder", "Const", "Const", "FusedConv2D" }));
        var data = Tensor.RandomNormal(new Shape(2, 6, 6, 2), seed: 5, dtype: DType.Float64);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[0], Ops.Tanh(Ops.Conv2D(data, filter, padding: "SAME") + bias), "vs eager");
    }

    [Test]
    public void AProductReadTwiceOrFetchedIsNotFused()
    {
        var g = new Graph();
        Tensor x, z, y, v;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2, 2), "x");
            z = Ops.MatMul(x, x);
            y = Ops.Relu(z);
            var u = Ops.MatMul(x, x, transposeA: true);
            v = Ops.Sigmoid(u) * u;
        }
        var result = PassCheck.Optimize(g, [z, y, v], new ContractionFusion());
        Assert.That(PassCheck.OpNames(result), Does.Not.Contain("FusedMatMul"));
    }

    [Test]
    public void GradientsOfATrainingStepAgree()
    {
        var g = new Graph();
        Tensor x, loss;
        Tensor?[] grads;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(-1, 4), "x");
            var w1 = Ops.Constant(Tensor.RandomNormal(new Shape(4, 8), seed: 1, dtype: DType.Float64));
            var b1 = Ops.Constant(Tensor.RandomNormal(new Shape(8), seed: 2, dtype: DType.Float64));
            var w2 = Ops.Constant(Tensor.RandomNormal(new Shape(8, 2), seed: 3, dtype: DType.Float64));
            var h = Ops.Relu(Ops.BiasAdd(Ops.MatMul(x, w1), b1));
            loss = Ops.ReduceSum(Ops.Square(Ops.Sigmoid(Ops.MatMul(h, w2))));
            grads = Ops.Gradients(loss, [x, w1, b1]);
        }
        var data = Tensor.RandomNormal(new Shape(3, 4), seed: 6, dtype: DType.Float64);
        PassCheck.SameAsPlain(g, [loss, grads[0]!, grads[1]!, grads[2]!], new FeedDict { { x, data } });
    }

    [Test]
    public void FusedOpsDifferentiateLikeTheirParts()
    {
        var a = Tensor.RandomNormal(new Shape(3, 4), seed: 1, dtype: DType.Float64);
        var b = Tensor.RandomNormal(new Shape(4, 5), seed: 2, dtype: DType.Float64);
        var bias = Tensor.RandomNormal(new Shape(5), seed: 3, dtype: DType.Float64);
        foreach (var act in new[] { "None", "Relu", "Relu6", "Elu", "Sigmoid", "Tanh" })
        {
            Tensor[] fused, plain;
            using (var tape = new GradientTape())
            {
                tape.Watch(a); tape.Watch(b); tape.Watch(bias);
                var y = Ops.FusedMatMul(a, b, bias, act);
                fused = [.. tape.Gradient(Ops.ReduceSum(y * y), [a, b, bias]).Select(t => t!)];
            }
            using (var tape = new GradientTape())
            {
                tape.Watch(a); tape.Watch(b); tape.Watch(bias);
                var z = Ops.BiasAdd(Ops.MatMul(a, b), bias);
                var y = act switch
                {
                    "Relu" => Ops.Relu(z), "Relu6" => Ops.Relu6(z), "Elu" => Ops.Elu(z),
                    "Sigmoid" => Ops.Sigmoid(z), "Tanh" => Ops.Tanh(z), _ => z,
                };
                plain = [.. tape.Gradient(Ops.ReduceSum(y * y), [a, b, bias]).Select(t => t!)];
            }
            for (int i = 0; i < 3; i++) PassCheck.AssertClose(fused[i], plain[i], $"{act}: gradient {i}");
        }
    }

    [Test]
    public void RejectsABadBiasOrActivation()
    {
        var a = Tensor.Ones(new Shape(2, 3));
        var e = Assert.Throws<ArgumentException>(() => Ops.FusedMatMul(a, Tensor.Ones(new Shape(3, 4)), Tensor.Ones(new Shape(3)), "Relu"));
        Assert.That(e!.Message, Does.Contain("FusedMatMul").And.Contain("bias"));
        e = Assert.Throws<ArgumentException>(() => Ops.FusedMatMul(a, Tensor.Ones(new Shape(3, 4)), null, "Swish"));
        Assert.That(e!.Message, Does.Contain("Swish"));
    }
}
