namespace Eager.Tests.Core.Passes;

public class ElementwiseFusionTests
{
    /// <summary>GELU (tanh form) written out op by op: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    internal static Tensor GeluChain(Tensor x) => x * 0.5 * (Ops.Tanh((x + x * x * x * 0.044715) * 0.7978845608) + 1.0);

    [Test]
    public void AGeluChainBecomesOneLoop()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 33), "x");
            y = GeluChain(x);
        }
        var result = PassCheck.Optimize(g, [y], new ElementwiseFusion());
        var lines = PassCheck.Lines(result);
        Assert.That(lines, Has.Length.EqualTo(3), string.Join("\n", lines));
        Assert.That(lines.Count(l => l.Contains("FusedElementwise")), Is.EqualTo(1));
        Assert.That(lines.Single(l => l.Contains("FusedElementwise")), Is.EqualTo(
            "Fused = FusedElementwise(x:0; dtype=float32, outputs=[8], program=\"Multiply(i0,#0.5);Multiply(i0,i0);Multiply(t1,i0);Multiply(t2,#0.044714998453855515);" +
            "Add(i0,t3);Multiply(t4,#0.7978845834732056);Tanh(t5);Add(t6,#1);Multiply(t0,t7)\") -> float32(None, 33)"));
        Assert.That(lines[^1], Does.StartWith("Multiply_5 = Identity(Fused:0)"));
        var data = Tensor.RandomNormal(new Shape(5, 33), seed: 1);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[0], GeluChain(data), "vs eager");
    }

    [Test]
    public void AHardSwishFromHardSigmoidBecomesOneLoop()
    {
        // x * HardSigmoid(x, 1/6, 1/2), as exporters write MobileNetV3's hard swish.
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 37), "x");
            y = x * Ops.HardSigmoid(x, 1.0 / 6, 0.5);
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification(), new ElementwiseFusion());
        var lines = PassCheck.Lines(result);
        Assert.That(lines.Count(l => l.Contains("FusedElementwise")), Is.EqualTo(1), string.Join("\n", lines));
        Assert.That(lines.Any(l => l.Contains("= HardSigmoid(")), Is.False, string.Join("\n", lines));
        // Both sides of the clamp and the ramp's interior, exactly as the unfused kernel computes them.
        var data = Tensor.From(new float[] { -4f, -3f, -1e-3f, 0f, 1e-3f, 2.5f, 3f, 4f, float.NegativeInfinity, float.PositiveInfinity }.Concat(
            Tensor.RandomNormal(new Shape(30 * 37 - 10), seed: 3).ToArray<float>().Select(v => v * 4)).ToArray(), new Shape(30, 37));
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        Assert.That(got[0].ToArray<float>(), Is.EqualTo((data * Ops.HardSigmoid(data, 1.0 / 6, 0.5)).ToArray<float>()));
    }

    [Test]
    public void PrintsTheFusedProgram()
    {
        var g = new Graph();
        Tensor x, b, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(4, 3), "x");
            b = Ops.Placeholder(DType.Float64, new Shape(3), "b");
            y = Ops.Relu(x * 2.0 + b);
        }
        var result = PassCheck.Optimize(g, [y], new ElementwiseFusion());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float64, shape=(4, 3)) -> float64(4, 3)",
            "b = Placeholder(dtype=float64, shape=(3,)) -> float64(3,)",
            "Fused = FusedElementwise(x:0, b:0; dtype=float64, outputs=[2], program=\"Multiply(i0,#2);Add(t0,i1);Relu(t1)\") -> float64(4, 3)",
            "Relu = Identity(Fused:0) -> float64(4, 3)",
        }));
        var (xv, bv) = (Tensor.RandomNormal(new Shape(4, 3), seed: 2, dtype: DType.Float64), Tensor.From(new[] { -1.0, 0.0, 1.0 }));
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, xv }, { b, bv } });
        PassCheck.AssertClose(got[0], Ops.Relu(xv * 2.0 + bv));
    }

    [Test]
    public void AnAdamUpdateIsOneLoopWithThreeOutputs()
    {
        var g = new Graph();
        var shape = new Shape(257);
        Variable p, m, v;
        Tensor grad;
        Tensor[] assigns;
        using (g.AsDefault())
        {
            p = new Variable(Tensor.RandomNormal(shape, seed: 1), "p");
            m = new Variable(Tensor.Zeros(shape), "m");
            v = new Variable(Tensor.Zeros(shape), "v");
            grad = Ops.Placeholder(DType.Float32, shape, "grad");
            assigns = AdamStep(p, m, v, grad);
        }
        var init = InitOf(g);
        var result = PassCheck.Optimize(g, assigns);
        var fused = result.Nodes.Where(n => n.Op.Name == "FusedElementwise").ToList();
        Assert.That(fused, Has.Count.EqualTo(1), result.ToString());
        Assert.That(fused[0].Outputs, Has.Length.EqualTo(3));

        // A plain and an optimised session from the same start: after three steps the variables must agree.
        var gv = Tensor.RandomNormal(shape, seed: 9);
        var results = new List<float[]>();
        foreach (var options in new[] { PassCheck.Plain, new SessionOptions() })
        {
            using var s = new Session(g, options);
            s.Run(init);
            for (int i = 0; i < 3; i++) s.Run(assigns, new FeedDict { { grad, gv } });
            results.Add([.. s.Run(p).ToArray<float>(), .. s.Run(m).ToArray<float>(), .. s.Run(v).ToArray<float>()]);
        }
        Assert.That(results[1], Is.EqualTo(results[0]).Within(1e-6));
    }

    /// <summary>One Adam step without bias correction (the element-wise part of Keras's Adam): returns the three assignments.</summary>
    internal static Tensor[] AdamStep(Variable p, Variable m, Variable v, Tensor grad, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-7f)
    {
        var m1 = m.Read() * b1 + grad * (1 - b1);
        var v1 = v.Read() * b2 + Ops.Square(grad) * (1 - b2);
        var p1 = p.Read() - m1 * lr / (Ops.Sqrt(v1) + eps);
        return [Ops.Assign(m, m1), Ops.Assign(v, v1), Ops.Assign(p, p1)];
    }

    private static Operation InitOf(Graph g)
    {
        using (g.AsDefault()) return Ops.GlobalVariablesInitializer();
    }
}
