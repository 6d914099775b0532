namespace Eager.Tests.Core;

/// <summary>Gradients of every element-wise op against finite differences in float64, routing rules, dtypes of
/// gradients, and second derivatives through nested tapes.</summary>
public class MathGradientTests
{
    private static readonly double[] AwayFromKinks = [-2.3, -1.1, -0.4, 0.3, 0.9, 1.7, 2.6];
    private static readonly double[] PositiveValues = [0.3, 0.7, 1.1, 1.9, 3.2];

    public static IEnumerable<TestCaseData> UnaryCases()
    {
        (string, Func<Tensor, Tensor>, double[])[] cases =
        [
            ("Abs", Ops.Abs, AwayFromKinks), ("Sign", Ops.Sign, AwayFromKinks), ("Square", Ops.Square, AwayFromKinks),
            ("Exp", Ops.Exp, AwayFromKinks), ("Log", Ops.Log, PositiveValues), ("Log1p", Ops.Log1p, [-0.7, -0.2, 0.3, 2.5]),
            ("Sqrt", Ops.Sqrt, PositiveValues), ("Rsqrt", Ops.Rsqrt, PositiveValues), ("Sin", Ops.Sin, AwayFromKinks),
            ("Cos", Ops.Cos, AwayFromKinks), ("Erf", Ops.Erf, AwayFromKinks), ("Tanh", Ops.Tanh, AwayFromKinks),
            ("Sigmoid", Ops.Sigmoid, AwayFromKinks), ("Relu", Ops.Relu, AwayFromKinks),
            ("Relu6", Ops.Relu6, [-1.2, 0.4, 3.3, 5.7, 6.4, 9.0]), ("Elu", Ops.Elu, AwayFromKinks), ("Selu", Ops.Selu, AwayFromKinks),
            ("LeakyRelu", x => Ops.LeakyRelu(x), AwayFromKinks), ("LeakyRelu(0.3)", x => Ops.LeakyRelu(x, 0.3), AwayFromKinks),
            ("Softplus", Ops.Softplus, [-40, -3, -0.5, 0.2, 4, 40]), ("Gelu", x => Ops.Gelu(x), [-6, -2.5, -0.7, 0.1, 1.3, 4]),
            ("Gelu(tanh)", x => Ops.Gelu(x, approximate: true), [-6, -2.5, -0.7, 0.1, 1.3, 4]),
        ];
        return cases.Select(c => new TestCaseData(c.Item2, c.Item3).SetArgDisplayNames(c.Item1));
    }

    [TestCaseSource(nameof(UnaryCases))]
    public void UnaryGradientMatchesFiniteDifferences(Func<Tensor, Tensor> op, double[] at)
    {
        GradCheck.Check(x => op(x[0]), Tensor.From(at));
        GradCheck.Check(x => op(x[0]), Ops.Transpose(Tensor.From(at.Concat(at.Select(v => v * 0.9)).ToArray(), new Shape(2, at.Length))));
    }

    [TestCaseSource(nameof(UnaryCases))]
    public void UnaryGradientKeepsFloat32(Func<Tensor, Tensor> op, double[] at)
    {
        var x = Tensor.From(at.Select(v => (float)v).ToArray());
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(op(x), x);
        Assert.That(g, Is.Not.Null);
        Assert.That(g!.DType, Is.EqualTo(DType.Float32));
        Assert.That(g.Shape, Is.EqualTo(x.Shape));
    }

    public static IEnumerable<TestCaseData> SecondOrderCases()
    {
        (string, Func<Tensor, Tensor>, double[])[] cases =
        [
            ("Exp", Ops.Exp, AwayFromKinks), ("Log", Ops.Log, PositiveValues), ("Log1p", Ops.Log1p, [-0.7, 0.3, 2.5]),
            ("Sqrt", Ops.Sqrt, PositiveValues), ("Rsqrt", Ops.Rsqrt, PositiveValues), ("Sin", Ops.Sin, AwayFromKinks),
            ("Cos", Ops.Cos, AwayFromKinks), ("Erf", Ops.Erf, AwayFromKinks), ("Tanh", Ops.Tanh, AwayFromKinks),
            ("Sigmoid", Ops.Sigmoid, AwayFromKinks), ("Square", Ops.Square, AwayFromKinks), ("Elu", Ops.Elu, AwayFromKinks),
            ("Selu", Ops.Selu, AwayFromKinks), ("Softplus", Ops.Softplus, [-3, -0.5, 0.2, 4]),
            ("Gelu", x => Ops.Gelu(x), [-2.5, -0.7, 0.1, 1.3]), ("Gelu(tanh)", x => Ops.Gelu(x, approximate: true), [-2.5, -0.7, 0.1, 1.3]),
            ("Pow(x, 3)", x => Ops.Pow(x, 3.0), AwayFromKinks), ("Abs*x", x => Ops.Abs(x) * x, AwayFromKinks),
            ("Relu*x", x => Ops.Relu(x) * x, AwayFromKinks), ("Maximum(x, x^2)", x => Ops.Maximum(x, Ops.Square(x)), AwayFromKinks),
        ];
        return cases.Select(c => new TestCaseData(c.Item2, c.Item3).SetArgDisplayNames(c.Item1));
    }

    [TestCaseSource(nameof(SecondOrderCases))]
    public void SecondDerivativeMatchesFiniteDifferences(Func<Tensor, Tensor> op, double[] at) => GradCheck.CheckSecond(op, Tensor.From(at));

    [Test]
    public void KnownSecondDerivatives()
    {
        var x = TestTensors.F64(-1.5, 0.2, 2.0);
        Tensor Second(Func<Tensor, Tensor> f)
        {
            using var outer = new GradientTape();
            outer.Watch(x);
            Tensor d1;
            using (var inner = new GradientTape())
            {
                inner.Watch(x);
                d1 = inner.Gradient(f(x), x)!;
            }
            return outer.Gradient(d1, x)!;
        }
        var xv = x.ToDoubleArray();
        MathRef.AssertClose(Second(Ops.Tanh), xv.Select(v => -2 * Math.Tanh(v) * (1 - Math.Tanh(v) * Math.Tanh(v))).ToArray(), "tanh''");
        MathRef.AssertClose(Second(Ops.Sigmoid), xv.Select(v => { var s = 1 / (1 + Math.Exp(-v)); return s * (1 - s) * (1 - 2 * s); }).ToArray(), "sigmoid''");
        MathRef.AssertClose(Second(Ops.Sin), xv.Select(v => -Math.Sin(v)).ToArray(), "sin''");
    }

    [Test]
    public void BinaryGradientsMatchFiniteDifferencesWithBroadcasting()
    {
        var a = Tensor.From(new[] { 0.4, 1.3, 2.2, 0.8, 1.7, 3.1 }, new Shape(2, 3));
        var row = Tensor.From(new[] { -1.2, 0.5, 2.5 });
        var col = Tensor.From(new[] { 0.6, 1.4 }, new Shape(2, 1));
        GradCheck.Check(x => Ops.Pow(x[0], x[1]), a, row);
        GradCheck.Check(x => Ops.Pow(x[0], x[1]), col, row);
        GradCheck.Check(x => Ops.Maximum(x[0], x[1]), a, row);
        GradCheck.Check(x => Ops.Minimum(x[0], x[1]), col, row);
        GradCheck.Check(x => Ops.SquaredDifference(x[0], x[1]), a, col);
        GradCheck.Check(x => Ops.ClipByValue(x[0], x[1] - 0.35, x[1] + 0.35), a, row);
        GradCheck.Check(x => Ops.ClipByValue(x[0], 0.5, 2.0), a);
        GradCheck.Check(x => Ops.Where(x[0] > 1.0, x[0], x[1]), a, row);
        GradCheck.Check(x => Ops.Where(Tensor.From(new[] { true, false, true }), x[0], x[1]), col, Tensor.Scalar(0.7));
        GradCheck.Check(x => Ops.Maximum(Ops.Transpose(x[0]), x[1]), a, col.Reshape(1, 2));
    }

    [Test]
    public void MaximumAndMinimumSendTiesToTheFirstInput()
    {
        var a = TestTensors.F64(1, 2, 3);
        var b = TestTensors.F64(1, 5, 0);
        foreach (var op in new Func<Tensor, Tensor, Tensor>[] { Ops.Maximum, Ops.Minimum })
        {
            using var tape = new GradientTape();
            tape.Watch([a, b]);
            var g = tape.Gradient(op(a, b), [a, b]);
            bool max = op == Ops.Maximum;
            Assert.That(g[0]!.ToArray<double>(), Is.EqualTo(max ? new[] { 1.0, 0, 1 } : new[] { 1.0, 1, 0 }));
            Assert.That(g[1]!.ToArray<double>(), Is.EqualTo(max ? new[] { 0.0, 1, 0 } : new[] { 0.0, 0, 1 }));
        }
    }

    [Test]
    public void PowGradientForTheExponentIsZeroWhereTheBaseIsNotPositive()
    {
        var x = TestTensors.F64(-2, 0, 3);
        var y = TestTensors.F64(2, 2, 2);
        using var tape = new GradientTape();
        tape.Watch([x, y]);
        var g = tape.Gradient(Ops.Pow(x, y), [x, y]);
        Assert.That(g[0]!.ToArray<double>(), Is.EqualTo(new[] { -4.0, 0, 6 }));
        Assert.That(g[1]!.ToArray<double>(), Is.EqualTo(new[] { 0, 0, 9 * Math.Log(3) }).Within(1e-12));
    }

    [Test]
    public void ReluLikeGradientsAreZeroAtTheKinkAndIgnoreNaNInTheDeadHalf()
    {
        var x = TestTensors.F64(-1, 0, 1, 6);
        var g = Tensor.From(new[] { double.NaN, 2, 3, 4 });
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        Assert.That(tape.Gradient(Ops.Relu(x), x, outputGradients: g)!.ToArray<double>(), Is.EqualTo(new[] { 0.0, 0, 3, 4 }));
        Assert.That(tape.Gradient(Ops.Relu6(x), x, outputGradients: g)!.ToArray<double>(), Is.EqualTo(new[] { 0.0, 0, 3, 0 }));
        Assert.That(tape.Gradient(Ops.Abs(x), x)!.ToArray<double>(), Is.EqualTo(new[] { -1.0, 0, 1, 1 }));
    }

    [Test]
    public void CastGradientFlowsOnlyBetweenFloats()
    {
        var x = TestTensors.F64(1.5, -2.5);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var f32 = Ops.Cast(x, DType.Float32);
        var back = tape.Gradient(f32 * f32, x);
        Assert.That(back!.DType, Is.EqualTo(DType.Float64));
        Assert.That(back.ToArray<double>(), Is.EqualTo(new[] { 3.0, -5.0 }));
        Assert.That(tape.Gradient(Ops.Cast(Ops.Cast(x, DType.Int32), DType.Float64), x), Is.Null);
        Assert.That(tape.Gradient(Ops.Cast(x > 0.0, DType.Float64), x), Is.Null);
    }

    [Test]
    public void WhereGivesTheConditionNoGradient()
    {
        var x = TestTensors.F64(1, -1);
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(Ops.Where(x > 0.0, x * 2.0, x * 3.0), x);
        Assert.That(g!.ToArray<double>(), Is.EqualTo(new[] { 2.0, 3.0 }));
    }

    [Test]
    public void ComparisonsFloorAndRoundHaveNoGradient()
    {
        var x = TestTensors.F64(1.2, -0.7);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        Assert.That(tape.Gradient(Ops.Floor(x), x), Is.Null);
        Assert.That(tape.Gradient(Ops.Round(x), x), Is.Null);
        Assert.That(tape.Gradient(Ops.Sign(x), x)!.ToArray<double>(), Is.EqualTo(new[] { 0.0, 0.0 }), "TensorFlow's Sign gradient is zeros");
    }
}
