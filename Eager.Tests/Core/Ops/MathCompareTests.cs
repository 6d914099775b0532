namespace Eager.Tests.Core;

/// <summary>Comparisons, logical ops, Where and Cast.</summary>
public class MathCompareTests
{
    public sealed record Case(string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, bool> Ref)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("Equal", Ops.Equal, (a, b) => a == b),
        new("NotEqual", Ops.NotEqual, (a, b) => a != b),
        new("Less", Ops.Less, (a, b) => a < b),
        new("LessEqual", Ops.LessEqual, (a, b) => a <= b),
        new("Greater", Ops.Greater, (a, b) => a > b),
        new("GreaterEqual", Ops.GreaterEqual, (a, b) => a >= b),
    ];

    private static readonly DType[] Numeric = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    private static IEnumerable<TestCaseData> CasesByDType() =>
        from c in Cases from d in Numeric select new TestCaseData(c, d).SetArgDisplayNames(c.Name, d.Name());

    /// <summary>Small integers so equal pairs occur often.</summary>
    private static double[] Ints(int n, int seed) => MathRef.Values(n, -2, 2, seed).Select(v => Math.Round(v)).ToArray();

    [TestCaseSource(nameof(CasesByDType))]
    public void MatchesReferenceWithBroadcastingAndViews(Case c, DType d)
    {
        foreach (int n in MathRef.Lengths)
        {
            var a = MathRef.Make(Ints(n, n), d, n); var b = MathRef.Make(Ints(n, n + 50), d, n);
            var y = c.Op(a, b);
            Assert.That(y.DType, Is.EqualTo(DType.Bool));
            Assert.That(y.ToArray<bool>(), Is.EqualTo(a.ToDoubleArray().Zip(b.ToDoubleArray(), c.Ref).ToArray()), $"{c.Name} length {n}");
        }
        var col = MathRef.Make(Ints(3, 1), d, 3, 1);
        var row = MathRef.Make(Ints(4, 2), d, 1, 4);
        var grid = c.Op(col, row);
        Assert.That(grid.Shape, Is.EqualTo(new Shape(3, 4)));
        var cv = col.ToDoubleArray(); var rv = row.ToDoubleArray();
        Assert.That(grid.ToArray<bool>(), Is.EqualTo(Enumerable.Range(0, 12).Select(i => c.Ref(cv[i / 4], rv[i % 4])).ToArray()));

        var t = MathRef.Transposed(Ints(12, 3), d, 3, 4);
        var scalar = Tensor.Scalar(0, d);
        Assert.That(c.Op(t, scalar).ToArray<bool>(), Is.EqualTo(t.ToDoubleArray().Select(v => c.Ref(v, 0)).ToArray()), "view against a scalar");
        Assert.That(c.Op(scalar, t).ToArray<bool>(), Is.EqualTo(t.ToDoubleArray().Select(v => c.Ref(0, v)).ToArray()), "scalar against a view");
    }

    [TestCaseSource(nameof(Cases))]
    public void NaNComparesLikeIeee(Case c)
    {
        var a = Tensor.From(new[] { double.NaN, double.NaN, 1 });
        var b = Tensor.From(new[] { double.NaN, 1, double.NaN });
        bool want = c.Name == "NotEqual";
        Assert.That(c.Op(a, b).ToArray<bool>(), Is.EqualTo(new[] { want, want, want }));
    }

    [TestCaseSource(nameof(Cases))]
    public void RejectsMixedDTypes(Case c)
    {
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2), DType.Int32)), c.Name, "float32", "int32");
        MathRef.Throws(() => c.Op(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(3))), c.Name, "(2,)", "(3,)");
    }

    [Test]
    public void EqualityWorksOnBoolButOrderDoesNot()
    {
        var a = Tensor.From(new[] { true, true, false, false });
        var b = Tensor.From(new[] { true, false, true, false });
        Assert.That(Ops.Equal(a, b).ToArray<bool>(), Is.EqualTo(new[] { true, false, false, true }));
        Assert.That(Ops.NotEqual(a, b).ToArray<bool>(), Is.EqualTo(new[] { false, true, true, false }));
        foreach (var c in Cases.Where(c => c.Name is not ("Equal" or "NotEqual")))
            MathRef.Throws(() => c.Op(a, b), c.Name, "bool");
    }

    [Test]
    public void OperatorsForwardToComparisons()
    {
        var x = Tensor.From(new[] { 1f, 2f, 3f });
        var y = Tensor.From(new[] { 2f, 2f, 2f });
        Assert.That((x < y).ToArray<bool>(), Is.EqualTo(new[] { true, false, false }));
        Assert.That((x <= y).ToArray<bool>(), Is.EqualTo(new[] { true, true, false }));
        Assert.That((x > y).ToArray<bool>(), Is.EqualTo(new[] { false, false, true }));
        Assert.That((x >= y).ToArray<bool>(), Is.EqualTo(new[] { false, true, true }));
        Assert.That((x > 1.5).ToArray<bool>(), Is.EqualTo(new[] { false, true, true }));
        Assert.That((2.5 > x).ToArray<bool>(), Is.EqualTo(new[] { true, true, false }));
        Assert.That((x <= 2).ToArray<bool>(), Is.EqualTo(new[] { true, true, false }));
        Assert.That((1 >= Tensor.From(new[] { 0, 1, 2 })).ToArray<bool>(), Is.EqualTo(new[] { true, true, false }));
    }

    [Test]
    public void LogicalOpsFollowTruthTablesWithBroadcasting()
    {
        var a = Tensor.From(new[] { true, false }).Reshape(2, 1);
        var b = Tensor.From(new[] { true, false });
        Assert.That(Ops.LogicalAnd(a, b).ToArray<bool>(), Is.EqualTo(new[] { true, false, false, false }));
        Assert.That(Ops.LogicalOr(a, b).ToArray<bool>(), Is.EqualTo(new[] { true, true, true, false }));
        Assert.That(Ops.LogicalNot(b).ToArray<bool>(), Is.EqualTo(new[] { false, true }));
        Assert.That(Ops.LogicalNot(Ops.Transpose(Ops.LogicalAnd(a, b))).ToArray<bool>(), Is.EqualTo(new[] { false, true, true, true }));
        Assert.That(Ops.LogicalAnd(Tensor.Zeros(new Shape(0, 2), DType.Bool), b).Shape, Is.EqualTo(new Shape(0, 2)));
        var odd = Tensor.From(Enumerable.Range(0, 33).Select(i => i % 3 == 0).ToArray());
        var even = Tensor.From(Enumerable.Range(0, 33).Select(i => i % 2 == 0).ToArray());
        Assert.That(Ops.LogicalOr(odd, even).ToArray<bool>(), Is.EqualTo(Enumerable.Range(0, 33).Select(i => i % 3 == 0 || i % 2 == 0).ToArray()));
    }

    [Test]
    public void LogicalOpsRejectNonBool()
    {
        MathRef.Throws(() => Ops.LogicalAnd(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2), DType.Bool)), "LogicalAnd", "float32", "bool");
        MathRef.Throws(() => Ops.LogicalOr(Tensor.Zeros(new Shape(2), DType.Int32), Tensor.Zeros(new Shape(2), DType.Int32)), "LogicalOr", "int32");
        MathRef.Throws(() => Ops.LogicalNot(Tensor.Zeros(new Shape(2))), "LogicalNot", "float32");
        MathRef.Throws(() => Ops.LogicalAnd(Tensor.Zeros(new Shape(2), DType.Bool), Tensor.Zeros(new Shape(3), DType.Bool)), "LogicalAnd", "(2,)", "(3,)");
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int32)]
    [TestCase(DType.Int64)]
    [TestCase(DType.Bool)]
    public void WhereBroadcastsAllThreeInputs(DType d)
    {
        var cond = Tensor.From(new[] { true, false, true }).Reshape(3, 1);     // (3, 1)
        var x = MathRef.Make([1, 0, 1, 1], d, 4);                                // (4)
        var y = MathRef.Make([0, 0], d, 2, 1, 1);                                // (2, 1, 1)
        var r = Ops.Where(cond, x, y);
        Assert.That(r.Shape, Is.EqualTo(new Shape(2, 3, 4)));
        Assert.That(r.DType, Is.EqualTo(d));
        var want = Enumerable.Range(0, 24).Select(i => (i / 4) % 3 != 1 ? new double[] { 1, 0, 1, 1 }[i % 4] : 0).ToArray();
        Assert.That(r.ToDoubleArray(), Is.EqualTo(want));
    }

    [Test]
    public void WhereReadsViewsAndKeepsEmptyShapes()
    {
        var x = MathRef.Transposed(MathRef.Values(12, -1, 1, 3), DType.Float32, 3, 4);
        var y = Ops.Negate(x);
        var r = Ops.Where(x > 0.0, x, y);
        MathRef.AssertClose(r, x.ToDoubleArray().Select(Math.Abs).ToArray(), "Where(x > 0, x, -x) on a view");
        Assert.That(Ops.Where(Tensor.Zeros(new Shape(0, 3), DType.Bool), Tensor.Scalar(1f), Tensor.Scalar(2f)).Shape, Is.EqualTo(new Shape(0, 3)));
        Assert.That(Ops.Where(Tensor.Scalar(true), Tensor.Scalar(1f), Tensor.Scalar(2f)).Item<float>(), Is.EqualTo(1f));
    }

    [Test]
    public void WhereRejectsBadInputs()
    {
        var f = Tensor.Zeros(new Shape(3));
        MathRef.Throws(() => Ops.Where(f, f, f), "Where", "condition", "bool", "float32");
        MathRef.Throws(() => Ops.Where(f > 0.0, f, Tensor.Zeros(new Shape(3), DType.Float64)), "Where", "float32", "float64");
        MathRef.Throws(() => Ops.Where(f > 0.0, f, Tensor.Zeros(new Shape(2))), "Where", "(3,)", "(2,)");
    }

    [Test]
    public void CastConvertsBetweenEveryPair()
    {
        var x = Tensor.From(new[] { -2.7, -0.5, 0.0, 0.5, 2.7, 3.0 });
        Assert.That(Ops.Cast(x, DType.Int32).ToArray<int>(), Is.EqualTo(new[] { -2, 0, 0, 0, 2, 3 }), "truncates toward zero");
        Assert.That(Ops.Cast(x, DType.Int64).ToArray<long>(), Is.EqualTo(new[] { -2L, 0, 0, 0, 2, 3 }));
        Assert.That(Ops.Cast(x, DType.Bool).ToArray<bool>(), Is.EqualTo(new[] { true, true, false, true, true, true }));
        Assert.That(Ops.Cast(x, DType.Float32).ToArray<float>(), Is.EqualTo(new[] { -2.7f, -0.5f, 0f, 0.5f, 2.7f, 3f }));
        var b = Tensor.From(new[] { true, false });
        foreach (var d in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 })
        {
            Assert.That(Ops.Cast(b, d).ToDoubleArray(), Is.EqualTo(new[] { 1.0, 0.0 }), d.Name());
            Assert.That(Ops.Cast(Ops.Cast(b, d), DType.Bool).ToArray<bool>(), Is.EqualTo(new[] { true, false }), d.Name());
            Assert.That(Ops.Cast(Ops.Cast(x, DType.Int32), d).ToDoubleArray(), Is.EqualTo(new double[] { -2, 0, 0, 0, 2, 3 }), d.Name());
        }
        Assert.That(Ops.Cast(Tensor.From(new[] { 1, 2 }), DType.Int64).ToArray<long>(), Is.EqualTo(new[] { 1L, 2L }));
    }

    [Test]
    public void CastEdgeValues()
    {
        var wide = Tensor.From(new[] { 1e300, -1e300, double.NaN });
        Assert.That(Ops.Cast(wide, DType.Float32).ToArray<float>(), Is.EqualTo(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN }));
        Assert.That(Ops.Cast(wide, DType.Int32).ToArray<int>(), Is.EqualTo(new[] { int.MaxValue, int.MinValue, 0 }), "saturates; NaN gives 0");
        Assert.That(Ops.Cast(Tensor.From(new[] { (1L << 32) + 5, -1L }), DType.Int32).ToArray<int>(), Is.EqualTo(new[] { 5, -1 }), "int64 to int32 wraps");
        Assert.That(Ops.Cast(Tensor.From(new[] { double.NaN }), DType.Bool).ToArray<bool>(), Is.EqualTo(new[] { true }));
    }

    [Test]
    public void CastReadsViewsAndKeepsShapes()
    {
        var t = MathRef.Transposed([1.5, 2.5, 3.5, 4.5, 5.5, 6.5], DType.Float64, 2, 3);
        var r = Ops.Cast(t, DType.Int32);
        Assert.That(r.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(r.ToDoubleArray(), Is.EqualTo(t.ToDoubleArray().Select(Math.Truncate).ToArray()));
        Assert.That(Ops.Cast(Tensor.Zeros(new Shape(0, 4)), DType.Int64).Shape, Is.EqualTo(new Shape(0, 4)));
        Assert.That(Ops.Cast(Tensor.Scalar(7.9f), DType.Int64).Item<long>(), Is.EqualTo(7L));
    }

    [Test]
    public void CastToTheSameDTypeReturnsTheInput()
    {
        var x = Tensor.From(new[] { 1f, 2f });
        Assert.That(Ops.Cast(x, DType.Float32), Is.SameAs(x));
    }
}
