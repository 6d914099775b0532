using Eager.Kernels.Elementwise;

namespace Eager.Tests.Core;

/// <summary>Float64 references and layouts shared by the element-wise op tests.</summary>
internal static class MathRef
{
    /// <summary>Lengths that hit the empty, single and SIMD-remainder paths.</summary>
    public static readonly int[] Lengths = [0, 1, 7, 17, 33];

    public static readonly DType[] Floats = [DType.Float32, DType.Float64];

    /// <summary>n deterministic values spread over [lo, hi].</summary>
    public static double[] Values(int n, double lo, double hi, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();
    }

    public static Tensor Make(double[] values, DType dtype, params int[] shape) => Tensor.FromDoubles(values, new Shape(shape), dtype);

    /// <summary>A (rows, cols) view that is the transpose of a contiguous (cols, rows) tensor, so its strides are not row-major.</summary>
    public static Tensor Transposed(double[] values, DType dtype, int rows, int cols)
    {
        var view = Ops.Transpose(Make(values, dtype, cols, rows));
        Assert.That(view.IsContiguous, Is.False, "the test needs a strided view");
        return view;
    }

    /// <summary>A (rows, cols) view repeating one row of cols values (stride 0 on the rows).</summary>
    public static Tensor BroadcastRows(double[] row, DType dtype, int rows)
    {
        var view = Ops.BroadcastTo(Make(row, dtype, 1, row.Length), new Shape(rows, row.Length));
        Assert.That(view.IsContiguous, Is.False, "the test needs a broadcast view");
        return view;
    }

    /// <summary>Relative tolerance for comparing with a float64 reference.</summary>
    public static double Rtol(DType d) => d == DType.Float32 ? 1e-5 : 1e-12;

    /// <summary>Compares with a reference computed on the tensor's own (possibly rounded) input values.</summary>
    public static void AssertClose(Tensor got, double[] want, string what, double atol = 0)
    {
        var g = got.ToDoubleArray();
        Assert.That(g, Has.Length.EqualTo(want.Length), what);
        double rtol = Rtol(got.DType);
        atol = Math.Max(atol, got.DType == DType.Float32 ? 1e-7 : 1e-15);
        for (int i = 0; i < want.Length; i++)
        {
            bool ok = g[i].Equals(want[i]) || Math.Abs(g[i] - want[i]) <= atol + rtol * Math.Abs(want[i]);
            if (got.DType == DType.Float32 && Math.Abs(want[i]) > float.MaxValue) ok |= double.IsInfinity(g[i]) && Math.Sign(g[i]) == Math.Sign(want[i]);
            Assert.That(ok, Is.True, $"{what}: element {i} is {g[i]:R}, expected {want[i]:R}");
        }
    }

    /// <summary>Asserts an ArgumentException whose message contains every fragment.</summary>
    public static void Throws(TestDelegate call, params string[] fragments)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), call)!;
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
    }
}

/// <summary>Every unary op against a float64 reference in float32 and float64, over contiguous, strided,
/// broadcast, empty and scalar inputs; integer support and rejection where TensorFlow rejects.</summary>
public class MathUnaryTests
{
    public sealed record Case(string Name, Func<Tensor, Tensor> Op, Func<double, double> Ref, double Lo, double Hi, bool FloatOnly = true)
    {
        public override string ToString() => Name;
    }

    private static double Erf(double v) => SpecialFunctions.Erf(v);

    public static readonly Case[] Cases =
    [
        new("Abs", Ops.Abs, Math.Abs, -5, 5, FloatOnly: false),
        new("Sign", Ops.Sign, v => Math.Sign(v), -5, 5, FloatOnly: false),
        new("Square", Ops.Square, v => v * v, -5, 5, FloatOnly: false),
        new("Exp", Ops.Exp, Math.Exp, -20, 20),
        new("Log", Ops.Log, Math.Log, 1e-3, 100),
        new("Log1p", Ops.Log1p, v => Math.Log(1 + v), -0.9, 10),
        new("Sqrt", Ops.Sqrt, Math.Sqrt, 0, 100),
        new("Rsqrt", Ops.Rsqrt, v => 1 / Math.Sqrt(v), 1e-3, 100),
        new("Sin", Ops.Sin, Math.Sin, -10, 10),
        new("Cos", Ops.Cos, Math.Cos, -10, 10),
        new("Erf", Ops.Erf, Erf, -4, 4),
        new("Floor", Ops.Floor, Math.Floor, -10, 10),
        new("Round", Ops.Round, v => Math.Round(v, MidpointRounding.ToEven), -10, 10, FloatOnly: false),
        new("Tanh", Ops.Tanh, Math.Tanh, -10, 10),
        new("Sigmoid", Ops.Sigmoid, v => 1 / (1 + Math.Exp(-v)), -30, 30),
        new("Relu", Ops.Relu, v => Math.Max(v, 0), -5, 5, FloatOnly: false),
        new("Relu6", Ops.Relu6, v => Math.Min(Math.Max(v, 0), 6), -3, 9, FloatOnly: false),
        new("Elu", Ops.Elu, v => v > 0 ? v : Math.Exp(v) - 1, -5, 5),
        new("Selu", Ops.Selu, v => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.Exp(v) - 1)), -5, 5),
        new("LeakyRelu", x => Ops.LeakyRelu(x), v => v > 0 ? v : 0.2 * v, -5, 5),
        new("LeakyRelu(0.01)", x => Ops.LeakyRelu(x, 0.01), v => v > 0 ? v : 0.01 * v, -5, 5),
        new("Softplus", Ops.Softplus, v => Math.Log(1 + Math.Exp(v)), -5, 5),
        new("Gelu", x => Ops.Gelu(x), v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))), -5, 5),
        new("Gelu(tanh)", x => Ops.Gelu(x, approximate: true), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), -5, 5),
    ];

    private static IEnumerable<TestCaseData> CasesByDType() =>
        from c in Cases from d in MathRef.Floats select new TestCaseData(c, d).SetArgDisplayNames(c.Name, d.Name());

    [TestCaseSource(nameof(CasesByDType))]
    public void MatchesReferenceOnEveryLength(Case c, DType dtype)
    {
        foreach (int n in MathRef.Lengths)
        {
            var x = MathRef.Make(MathRef.Values(n, c.Lo, c.Hi, seed: n), dtype, n);
            var y = c.Op(x);
            Assert.That(y.DType, Is.EqualTo(dtype));
            Assert.That(y.Shape, Is.EqualTo(x.Shape));
            MathRef.AssertClose(y, x.ToDoubleArray().Select(c.Ref).ToArray(), $"{c.Name} length {n}", atol: 1e-6);
        }
    }

    [TestCaseSource(nameof(CasesByDType))]
    public void ReadsStridedAndBroadcastViews(Case c, DType dtype)
    {
        var t = MathRef.Transposed(MathRef.Values(21, c.Lo, c.Hi, seed: 5), dtype, 3, 7);
        var y = c.Op(t);
        Assert.That(y.Shape, Is.EqualTo(new Shape(3, 7)));
        MathRef.AssertClose(y, t.ToDoubleArray().Select(c.Ref).ToArray(), $"{c.Name} of a transposed view", atol: 1e-6);

        var b = MathRef.BroadcastRows(MathRef.Values(9, c.Lo, c.Hi, seed: 6), dtype, 4);
        MathRef.AssertClose(c.Op(b), b.ToDoubleArray().Select(c.Ref).ToArray(), $"{c.Name} of a broadcast view", atol: 1e-6);
    }

    [TestCaseSource(nameof(CasesByDType))]
    public void KeepsEmptyAndScalarShapes(Case c, DType dtype)
    {
        var empty = c.Op(Tensor.Zeros(new Shape(0, 3), dtype));
        Assert.That(empty.Shape, Is.EqualTo(new Shape(0, 3)));
        double v = (c.Lo + c.Hi) / 2 + 0.25;
        var s = c.Op(Tensor.Scalar(v, dtype));
        Assert.That(s.Shape, Is.EqualTo(Shape.Scalar));
        MathRef.AssertClose(s, [c.Ref(Tensor.Scalar(v, dtype).ToDoubleArray()[0])], $"{c.Name} of a scalar", atol: 1e-6);
    }

    private static IEnumerable<TestCaseData> FloatOnlyCases() =>
        from c in Cases where c.FloatOnly from d in new[] { DType.Int32, DType.Int64 } select new TestCaseData(c, d).SetArgDisplayNames(c.Name, d.Name());

    [TestCaseSource(nameof(FloatOnlyCases))]
    public void FloatOnlyOpsRejectIntegers(Case c, DType dtype)
    {
        string op = c.Name.Split('(')[0];
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2, 3), dtype)), op, dtype.Name(), "(2, 3)", "float32 or float64", "Ops.Cast");
    }

    [TestCaseSource(nameof(Cases))]
    public void EveryOpRejectsBool(Case c)
    {
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(4), DType.Bool)), c.Name.Split('(')[0], "bool");
    }

    private static IEnumerable<TestCaseData> IntegerCases() =>
        from c in Cases where !c.FloatOnly from d in new[] { DType.Int32, DType.Int64 } select new TestCaseData(c, d).SetArgDisplayNames(c.Name, d.Name());

    [TestCaseSource(nameof(IntegerCases))]
    public void IntegerOpsComputeExactly(Case c, DType dtype)
    {
        foreach (int n in MathRef.Lengths)
        {
            var values = MathRef.Values(n, -9, 9, seed: n).Select(v => Math.Round(v)).ToArray();
            var x = MathRef.Make(values, dtype, n);
            var y = c.Op(x);
            Assert.That(y.DType, Is.EqualTo(dtype));
            Assert.That(y.ToDoubleArray(), Is.EqualTo(values.Select(c.Ref).ToArray()), $"{c.Name} length {n}");
        }
        var t = Ops.Transpose(MathRef.Make([-3, 4, -5, 6, 7, -8], dtype, 2, 3));
        Assert.That(c.Op(t).ToDoubleArray(), Is.EqualTo(t.ToDoubleArray().Select(c.Ref).ToArray()), $"{c.Name} of a transposed view");
    }

    [Test]
    public void AbsOfIntMinValueWrapsAsTensorFlow()
    {
        Assert.That(Ops.Abs(Tensor.From(new[] { int.MinValue, -1 })).ToArray<int>(), Is.EqualTo(new[] { int.MinValue, 1 }));
        Assert.That(Ops.Abs(Tensor.From(new[] { long.MinValue })).ToArray<long>(), Is.EqualTo(new[] { long.MinValue }));
    }

    [Test]
    public void RoundHalvesToEven()
    {
        var x = Tensor.From(new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 2.4f, -2.6f });
        Assert.That(Ops.Round(x).ToArray<float>(), Is.EqualTo(new[] { -2f, -2f, -0f, 0f, 2f, 2f, 4f, 2f, -3f }));
    }

    [Test]
    public void SpecialValuesFollowIeee()
    {
        var x = Tensor.From(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -1.0 });
        Assert.That(Ops.Log(x).ToArray<double>(), Is.EqualTo(new[] { double.NaN, double.PositiveInfinity, double.NaN, double.NegativeInfinity, double.NaN }));
        Assert.That(Ops.Sqrt(x).ToArray<double>()[1..4], Is.EqualTo(new[] { double.PositiveInfinity, double.NaN, 0.0 }));
        Assert.That(Ops.Sign(x).ToArray<double>(), Is.EqualTo(new[] { double.NaN, 1, -1, 0, -1 }));
        Assert.That(Ops.Relu(x).ToArray<double>(), Is.EqualTo(new[] { double.NaN, double.PositiveInfinity, 0, 0, 0 }));
        Assert.That(Ops.Sigmoid(x).ToArray<double>()[..3], Is.EqualTo(new[] { double.NaN, 1.0, 0.0 }));
        Assert.That(Ops.Tanh(x).ToArray<double>()[..3], Is.EqualTo(new[] { double.NaN, 1.0, -1.0 }));
        Assert.That(Ops.Log1p(x).ToArray<double>(), Is.EqualTo(new[] { double.NaN, double.PositiveInfinity, double.NaN, 0.0, double.NegativeInfinity }));
        Assert.That(Ops.Erf(x).ToArray<double>()[..3], Is.EqualTo(new[] { double.NaN, 1.0, -1.0 }));
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void Log1pIsAccurateForTinyInputs(DType dtype)
    {
        var x = MathRef.Make([1e-10, -1e-10, 1e-20, 3e-8], dtype, 4);
        var want = x.ToDoubleArray().Select(v => v - v * v / 2 + v * v * v / 3).ToArray();
        MathRef.AssertClose(Ops.Log1p(x), want, "Log1p of tiny values");
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void SoftplusIsStableForLargeMagnitudes(DType dtype)
    {
        var x = MathRef.Make([-1000, -50, -20, 20, 50, 1000], dtype, 6);
        var want = x.ToDoubleArray().Select(v => v > 0 ? v + Math.Exp(-v) : Math.Exp(v)).ToArray();
        MathRef.AssertClose(Ops.Softplus(x), want, "Softplus far from 0", atol: 0);
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void ExactGeluKeepsItsNegativeTail(DType dtype)
    {
        // x Phi(x) for x = -10 is about -7.6e-23: 1 + erf(x/sqrt 2) would round to 0 and lose it.
        var y = Ops.Gelu(MathRef.Make([-10, -6], dtype, 2)).ToDoubleArray();
        double[] want = [-10 * 0.5 * SpecialFunctions.Erfc(10 / Math.Sqrt(2)), -6 * 0.5 * SpecialFunctions.Erfc(6 / Math.Sqrt(2))];
        Assert.That(y[0], Is.EqualTo(want[0]).Within(MathRef.Rtol(dtype) * 10).Percent);
        Assert.That(y[0], Is.LessThan(0));
        Assert.That(y[1], Is.EqualTo(want[1]).Within(MathRef.Rtol(dtype) * 10).Percent);
    }

    [Test]
    public void UnaryInferenceAcceptsUnknownDimensions()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 3));
            foreach (var c in Cases)
            {
                var y = c.Op(x);
                Assert.That(y.Shape, Is.EqualTo(new Shape(-1, 3)), c.Name);
                Assert.That(y.DType, Is.EqualTo(DType.Float32), c.Name);
            }
            MathRef.Throws(() => Ops.Exp(Ops.Placeholder(DType.Int32, new Shape(-1))), "Exp", "int32");
        }
    }
}
