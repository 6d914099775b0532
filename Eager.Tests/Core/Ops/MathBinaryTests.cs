namespace Eager.Tests.Core;

/// <summary>Pow, Maximum, Minimum, SquaredDifference and ClipByValue: values, broadcasting, views and errors.</summary>
public class MathBinaryTests
{
    public sealed record Case(string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Ref, double Lo, double Hi, double ExpLo, double ExpHi)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("Pow", Ops.Pow, Math.Pow, 0.1, 4, -3, 3),
        new("Maximum", Ops.Maximum, Math.Max, -5, 5, -5, 5),
        new("Minimum", Ops.Minimum, Math.Min, -5, 5, -5, 5),
        new("SquaredDifference", Ops.SquaredDifference, (a, b) => (a - b) * (a - b), -5, 5, -5, 5),
    ];

    private static IEnumerable<TestCaseData> CasesByDType() =>
        from c in Cases from d in MathRef.Floats select new TestCaseData(c, d).SetArgDisplayNames(c.Name, d.Name());

    /// <summary>NumPy broadcasting of a (dims of a) against b on the reference side.</summary>
    private static double[] Reference(Case c, Tensor a, Tensor b, Shape outShape)
    {
        var av = a.ToDoubleArray(); var bv = b.ToDoubleArray();
        var od = outShape.ToArray();
        var result = new double[outShape.Size];
        for (int flat = 0; flat < result.Length; flat++)
        {
            var idx = new int[od.Length];
            for (int ax = od.Length - 1, rest = flat; ax >= 0; ax--) { idx[ax] = rest % od[ax]; rest /= od[ax]; }
            result[flat] = c.Ref(av[Index(a.Shape, idx)], bv[Index(b.Shape, idx)]);
        }
        return result;
    }

    private static int Index(Shape s, int[] outIdx)
    {
        int off = outIdx.Length - s.Rank, flat = 0;
        for (int i = 0; i < s.Rank; i++) flat = flat * s[i] + (s[i] == 1 ? 0 : outIdx[i + off]);
        return flat;
    }

    private Tensor A(Case c, DType d, int seed, params int[] shape) => MathRef.Make(MathRef.Values(new Shape(shape).Size, c.Lo, c.Hi, seed), d, shape);

    private Tensor B(Case c, DType d, int seed, params int[] shape) => MathRef.Make(MathRef.Values(new Shape(shape).Size, c.ExpLo, c.ExpHi, seed), d, shape);

    [TestCaseSource(nameof(CasesByDType))]
    public void MatchesReferenceOnEveryLength(Case c, DType d)
    {
        foreach (int n in MathRef.Lengths)
        {
            var a = A(c, d, n, n); var b = B(c, d, n + 100, n);
            MathRef.AssertClose(c.Op(a, b), Reference(c, a, b, a.Shape), $"{c.Name} length {n}", atol: 1e-6);
        }
    }

    [TestCaseSource(nameof(CasesByDType))]
    public void BroadcastsBothWays(Case c, DType d)
    {
        (int[] A, int[] B, int[] Out)[] shapes =
        [
            ([2, 1], [1, 3], [2, 3]),
            ([3], [2, 3], [2, 3]),
            ([2, 3], [3], [2, 3]),
            ([4, 1, 5], [3, 1], [4, 3, 5]),
            ([], [2, 2], [2, 2]),
            ([2, 2], [], [2, 2]),
            ([0, 3], [3], [0, 3]),
            ([1], [0], [0]),
        ];
        foreach (var (sa, sb, so) in shapes)
        {
            var a = A(c, d, 1, sa); var b = B(c, d, 2, sb);
            var y = c.Op(a, b);
            Assert.That(y.Shape, Is.EqualTo(new Shape(so)), $"{c.Name} {new Shape(sa)} with {new Shape(sb)}");
            MathRef.AssertClose(y, Reference(c, a, b, y.Shape), $"{c.Name} {new Shape(sa)} with {new Shape(sb)}", atol: 1e-6);
        }
    }

    [TestCaseSource(nameof(CasesByDType))]
    public void ReadsTransposedViews(Case c, DType d)
    {
        var a = MathRef.Transposed(MathRef.Values(21, c.Lo, c.Hi, 3), d, 3, 7);
        var b = MathRef.Transposed(MathRef.Values(21, c.ExpLo, c.ExpHi, 4), d, 3, 7);
        MathRef.AssertClose(c.Op(a, b), Reference(c, a, b, a.Shape), $"{c.Name} of transposed views", atol: 1e-6);
        var row = B(c, d, 5, 7);
        MathRef.AssertClose(c.Op(a, row), Reference(c, a, row, a.Shape), $"{c.Name} of a view and a row", atol: 1e-6);
    }

    [TestCaseSource(nameof(Cases))]
    public void IntegersComputeExactly(Case c)
    {
        foreach (var d in new[] { DType.Int32, DType.Int64 })
        {
            foreach (int n in MathRef.Lengths)
            {
                var av = MathRef.Values(n, -6, 6, n).Select(v => Math.Round(v)).ToArray();
                var bv = MathRef.Values(n, c.Name == "Pow" ? 0 : -6, 6, n + 7).Select(v => Math.Round(v)).ToArray();
                var y = c.Op(MathRef.Make(av, d, n), MathRef.Make(bv, d, n));
                Assert.That(y.DType, Is.EqualTo(d));
                Assert.That(y.ToDoubleArray(), Is.EqualTo(av.Zip(bv, c.Ref).ToArray()), $"{c.Name} {d.Name()} length {n}");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void RejectsMixedDTypesAndBool(Case c)
    {
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2), DType.Float64)), c.Name, "float32", "float64");
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2), DType.Int32), Tensor.Zeros(new Shape(2))), c.Name, "int32", "float32");
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2), DType.Bool), Tensor.Zeros(new Shape(2), DType.Bool)), c.Name, "bool");
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(4))), c.Name, "(2, 3)", "(4,)");
    }

    [Test]
    public void MaximumAndMinimumPropagateNaN()
    {
        var a = Tensor.From(new[] { double.NaN, 1, 2 });
        var b = Tensor.From(new[] { 0, double.NaN, 3 });
        Assert.That(Ops.Maximum(a, b).ToArray<double>(), Is.EqualTo(new[] { double.NaN, double.NaN, 3 }));
        Assert.That(Ops.Minimum(a, b).ToArray<double>(), Is.EqualTo(new[] { double.NaN, double.NaN, 2 }));
    }

    [Test]
    public void IntegerPowRejectsNegativeExponents()
    {
        MathRef.Throws(() => Ops.Pow(Tensor.From(new[] { 2, 3 }), Tensor.From(new[] { 1, -1 })), "Pow", "negative", "int32");
        Assert.That(Ops.Pow(Tensor.From(new[] { 2L, -3L, 0L }), Tensor.From(new[] { 10L, 3L, 0L })).ToArray<long>(), Is.EqualTo(new[] { 1024L, -27L, 1L }));
    }

    [Test]
    public void PowWithAScalarExponent()
    {
        var x = Tensor.From(new[] { 1f, 2f, 3f });
        Assert.That(Ops.Pow(x, 2.0).ToArray<float>(), Is.EqualTo(new[] { 1f, 4f, 9f }));
        Assert.That(Ops.Pow(x, 0.5).ToArray<float>()[3 - 2], Is.EqualTo(MathF.Sqrt(2)).Within(1e-6));
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int32)]
    [TestCase(DType.Int64)]
    public void ClipByValueWithScalarBounds(DType d)
    {
        var x = MathRef.Make([-3, -1, 0, 1, 2, 5, 7], d, 7);
        Assert.That(Ops.ClipByValue(x, -1, 2).ToDoubleArray(), Is.EqualTo(new double[] { -1, -1, 0, 1, 2, 2, 2 }));
        Assert.That(Ops.Clip(x, 0, 0).ToDoubleArray(), Is.EqualTo(new double[7]));
    }

    [Test]
    public void ClipByValueWithPerColumnBoundsAndViews()
    {
        var x = MathRef.Transposed(MathRef.Values(12, -4, 4, 9), DType.Float64, 3, 4);
        var lo = Tensor.From(new[] { -1.0, -2, -3, 0 });
        var hi = Tensor.From(new[] { 1.0, 0, 3, 0.5 });
        var y = Ops.ClipByValue(x, lo, hi);
        Assert.That(y.Shape, Is.EqualTo(new Shape(3, 4)));
        var xv = x.ToDoubleArray(); var lv = lo.ToDoubleArray(); var hv = hi.ToDoubleArray();
        MathRef.AssertClose(y, xv.Select((v, i) => Math.Min(Math.Max(v, lv[i % 4]), hv[i % 4])).ToArray(), "per-column clip");
    }

    [Test]
    public void ClipByValueRejectsBoundsThatEnlargeX()
    {
        MathRef.Throws(() => Ops.ClipByValue(Tensor.Zeros(new Shape(3)), Tensor.Zeros(new Shape(2, 3)), Tensor.Ones(new Shape(3))), "ClipByValue", "(2, 3)", "(3,)");
        MathRef.Throws(() => Ops.ClipByValue(Tensor.Zeros(new Shape(3)), Tensor.Zeros(Shape.Scalar, DType.Float64), Tensor.Ones(Shape.Scalar)), "ClipByValue", "float64");
        MathRef.Throws(() => Ops.ClipByValue(Tensor.Zeros(new Shape(3), DType.Bool), 0, 1), "ClipByValue", "bool");
    }

    [Test]
    public void BinaryInferenceAcceptsUnknownDimensions()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = Ops.Placeholder(DType.Float32, new Shape(-1, 3));
            var b = Ops.Placeholder(DType.Float32, new Shape(3));
            foreach (var c in Cases) Assert.That(c.Op(a, b).Shape, Is.EqualTo(new Shape(-1, 3)), c.Name);
            Assert.That(Ops.ClipByValue(a, b, b).Shape, Is.EqualTo(new Shape(-1, 3)));
        }
    }
}
