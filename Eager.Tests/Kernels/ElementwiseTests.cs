using System.Numerics;
using Eager.Kernels.Elementwise;

namespace Eager.Tests.Kernels;

/// <summary>Element-wise kernels against scalar references: special functions against values from CPython's
/// math module (erf, erfc, log1p, expm1), the unary kernel over contiguous, strided and broadcast layouts, and the
/// comparison, select and conversion kernels.</summary>
public class ElementwiseTests
{
    private static readonly int W = Vector<float>.Count;

    // (x, erf(x), erfc(x)) from Python 3's math.erf and math.erfc.
    private static readonly (double X, double Erf, double Erfc)[] ErfTable =
    [
        (0, 0.0, 1.0), (1e-300, 1.1283791670955126e-300, 1.0), (1e-10, 1.1283791670955126e-10, 0.999999999887162),
        (1e-05, 1.1283791670579e-05, 0.9999887162083294), (0.01, 0.011283415555849616, 0.9887165844441503),
        (0.1, 0.1124629160182849, 0.8875370839817152), (0.3, 0.3286267594591274, 0.6713732405408726),
        (0.5, 0.5204998778130465, 0.4795001221869535), (0.84375, 0.7672256612323416, 0.23277433876765835),
        (1, 0.8427007929497149, 0.15729920705028513), (1.25, 0.9229001282564582, 0.07709987174354177),
        (1.5, 0.9661051464753108, 0.033894853524689274), (1.99, 0.995111413199617, 0.004888586800383003),
        (2, 0.9953222650189527, 0.004677734981047265), (2.01, 0.9955248493552482, 0.004475150644751763),
        (2.5, 0.999593047982555, 0.0004069520174449589), (3, 0.9999779095030014, 2.2090496998585438e-05),
        (3.5, 0.9999992569016276, 7.430983723414128e-07), (4, 0.9999999845827421, 1.541725790028002e-08),
        (5, 0.9999999999984626, 1.5374597944280351e-12), (5.9, 0.9999999999999999, 7.190409783550478e-17),
        (6, 1.0, 2.1519736712498916e-17), (6.5, 1.0, 3.8421483271206475e-20), (8, 1.0, 1.1224297172982928e-29),
        (10, 1.0, 2.088487583762545e-45), (15, 1.0, 7.212994172451206e-100), (20, 1.0, 5.3958656116079005e-176),
        (26, 1.0, 5.663192408856143e-296), (27.5, 1.0, 0.0),
        (-0.5, -0.5204998778130465, 1.5204998778130465), (-2.5, -0.999593047982555, 1.999593047982555), (-7, -1.0, 2.0),
    ];

    // (x, log1p(x), expm1(x)) from Python 3's math.log1p and math.expm1.
    private static readonly (double X, double Log1p, double Expm1)[] Log1pTable =
    [
        (1e-300, 1e-300, 1e-300), (1e-20, 1e-20, 1e-20), (1e-10, 9.999999999500001e-11, 1.00000000005e-10),
        (-1e-10, -1.00000000005e-10, -9.999999999500001e-11), (1e-05, 9.999950000333332e-06, 1.0000050000166668e-05),
        (-1e-05, -1.0000050000333337e-05, -9.999950000166666e-06), (0.001, 0.0009995003330835331, 0.0010005001667083417),
        (-0.5, -0.6931471805599453, -0.3934693402873666), (1, 0.6931471805599453, 1.718281828459045),
        (10, 2.3978952727983707, 22025.465794806718), (1e10, 23.025850930040455, double.PositiveInfinity),
        (1e300, 690.7755278982137, double.PositiveInfinity),
    ];

    private static void AssertRelative(double got, double want, double rtol, string what)
    {
        if (want == 0 || double.IsInfinity(want)) { Assert.That(got, Is.EqualTo(want), what); return; }
        Assert.That(Math.Abs(got - want) / Math.Abs(want), Is.LessThanOrEqualTo(rtol), $"{what}: {got:R} vs {want:R}");
    }

    [Test]
    public void ErfAndErfcMatchCPythonToAFewUlps()
    {
        foreach (var (x, erf, erfc) in ErfTable)
        {
            AssertRelative(SpecialFunctions.Erf(x), erf, 4e-16, $"erf({x})");
            AssertRelative(SpecialFunctions.Erfc(x), erfc, x < 2 ? 5e-14 : 1e-14, $"erfc({x})"); // 1 - erf below 2: absolute error ~1e-16
            AssertRelative(SpecialFunctions.Erf(-x), -erf, 4e-16, $"erf(-{x}) is odd");
        }
        Assert.That(double.IsNaN(SpecialFunctions.Erf(double.NaN)) && double.IsNaN(SpecialFunctions.Erfc(double.NaN)), Is.True);
        Assert.That(SpecialFunctions.Erfc(double.NegativeInfinity), Is.EqualTo(2.0));
    }

    [Test]
    public void ErfIsMonotoneAcrossTheAlgorithmSwitch()
    {
        double prev = SpecialFunctions.Erf(1.9);
        for (double x = 1.9; x < 2.1; x += 1e-4)
        {
            double e = SpecialFunctions.Erf(x);
            Assert.That(e, Is.GreaterThanOrEqualTo(prev), $"erf at {x}");
            prev = e;
        }
    }

    [Test]
    public void Log1pAndExpm1MatchCPython()
    {
        foreach (var (x, l, e) in Log1pTable)
        {
            AssertRelative(SpecialFunctions.Log1p(x), l, 4e-16, $"log1p({x})");
            AssertRelative(SpecialFunctions.Expm1(x), e, 4e-16, $"expm1({x})");
        }
        Assert.That(SpecialFunctions.Log1p(-1), Is.EqualTo(double.NegativeInfinity));
        Assert.That(SpecialFunctions.Expm1(-1000), Is.EqualTo(-1.0));
        Assert.That(SpecialFunctions.Log1p(double.PositiveInfinity), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void SoftplusNeitherOverflowsNorUnderflowsEarly()
    {
        Assert.That(SpecialFunctions.Softplus(1000), Is.EqualTo(1000.0));
        AssertRelative(SpecialFunctions.Softplus(-700), Math.Exp(-700), 1e-15, "softplus(-700)");
        AssertRelative(SpecialFunctions.Softplus(0), Math.Log(2), 1e-16, "softplus(0)");
    }

    private static IEnumerable<int> Lengths() => [0, 1, W - 1, W, W + 1, 2 * W + 3];

    [Test]
    public void UnaryContiguousMatchesScalarOnEveryWidth()
    {
        foreach (int n in Lengths())
        {
            var x = Enumerable.Range(0, n).Select(i => (float)(i * 0.37 - 3)).ToArray();
            var dst = new float[n];
            Unary.Apply<float, TanhOp<float>>(x, 0, [n], [1], dst, default);
            for (int i = 0; i < n; i++) Assert.That(dst[i], Is.EqualTo(MathF.Tanh(x[i])).Within(2e-7), $"tanh n={n} i={i}");
            var r = new float[n];
            Unary.Apply<float, ReluOp<float>>(x, 0, [n], [1], r, default);
            Assert.That(r, Is.EqualTo(x.Select(v => Math.Max(v, 0f)).ToArray()));
        }
    }

    [Test]
    public void UnaryWalksStridedOffsetAndBroadcastLayouts()
    {
        var src = Enumerable.Range(0, 40).Select(i => (double)i - 20).ToArray();
        // A (3, 4) transposed view of a (4, 5) block starting at offset 7: element [i, j] = src[7 + j * 5 + i].
        var dst = new double[12];
        Unary.Apply<double, SquareOp<double>>(src, 7, [3, 4], [1, 5], dst, default);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) Assert.That(dst[i * 4 + j], Is.EqualTo(Math.Pow(src[7 + j * 5 + i], 2)));

        // Rows repeated by a zero stride, with dense rows (span path per row).
        var rows = new double[15];
        Unary.Apply<double, AbsOp<double>>(src, 2, [3, 5], [0, 1], rows, default);
        for (int i = 0; i < 15; i++) Assert.That(rows[i], Is.EqualTo(Math.Abs(src[2 + i % 5])));

        // Rank 3 with a size-1 middle dimension and a scalar (rank 0).
        var r3 = new double[6];
        Unary.Apply<double, SignOp<double>>(src, 0, [2, 1, 3], [9, 100, 2], r3, default);
        Assert.That(r3, Is.EqualTo(new double[] { -1, -1, -1, -1, -1, -1 }));
        var scalar = new double[1];
        Unary.Apply<double, ExpOp<double>>(src, 20, [], [], scalar, default);
        Assert.That(scalar[0], Is.EqualTo(1.0));
    }

    [Test]
    public void ParameterisedOperatorsCarryTheirParameters()
    {
        float[] x = [-2, -0.5f, 0, 3];
        var dst = new float[4];
        Unary.Apply(x, 0, [4], [1], dst, new LeakyReluOp<float>(0.1f));
        Assert.That(dst, Is.EqualTo(new[] { -0.2f, -0.05f, 0, 3 }).Within(1e-7));
        Unary.Apply(x, 0, [4], [1], dst, new GeluOp<float>(true));
        Assert.That(dst[3], Is.EqualTo(2.99636f).Within(1e-5));
    }

    [Test]
    public void IntegerMaximumAndMinimumUseTheVectorPathCorrectly()
    {
        foreach (int n in Lengths())
        {
            var a = Enumerable.Range(0, n).Select(i => (i * 7) % 11 - 5).ToArray();
            var b = Enumerable.Range(0, n).Select(i => (i * 5) % 13 - 6).ToArray();
            var max = new int[n]; var min = new int[n];
            Binary.Apply<int, MaximumOp<int>>(a, 0, [1], b, 0, [1], [n], max);
            Binary.Apply<int, MinimumOp<int>>(a, 0, [1], b, 0, [1], [n], min);
            Assert.That(max, Is.EqualTo(a.Zip(b, Math.Max).ToArray()), $"max n={n}");
            Assert.That(min, Is.EqualTo(a.Zip(b, Math.Min).ToArray()), $"min n={n}");
        }
    }

    [Test]
    public void ArithmeticRunsMatchScalarWithDenseAndBroadcastOperands()
    {
        // Dense-dense, dense-scalar and scalar-dense runs take TensorPrimitives' forms; lengths around the
        // 256- and 512-bit widths and past the split into one chunk per core.
        foreach (int n in new[] { 1, W - 1, W, W + 1, 2 * W + 3, 16 * 4 + 5, 300_001 })
        {
            CheckArithmetic<float>(n, (x, y) => x + y, (x, y) => x - y, (x, y) => x * y, (x, y) => x / y);
            CheckArithmetic<double>(n, (x, y) => x + y, (x, y) => x - y, (x, y) => x * y, (x, y) => x / y);
            CheckArithmetic<int>(n, (x, y) => x + y, (x, y) => x - y, (x, y) => x * y, (x, y) => x / y);
            CheckArithmetic<long>(n, (x, y) => x + y, (x, y) => x - y, (x, y) => x * y, (x, y) => x / y);
        }
    }

    private static void CheckArithmetic<T>(int n, Func<T, T, T> add, Func<T, T, T> sub, Func<T, T, T> mul, Func<T, T, T> div)
        where T : unmanaged, INumber<T>
    {
        var rng = new Random(n);
        var a = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.Next(-50, 50))).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.Next(1, 40) * (rng.Next(2) * 2 - 1))).ToArray();
        foreach (var (aStride, bStride) in new[] { (1, 1), (1, 0), (0, 1) })
        {
            Check<AddOp<T>>(add);
            Check<SubtractOp<T>>(sub);
            Check<MultiplyOp<T>>(mul);
            Check<DivideOp<T>>(div);

            void Check<TOp>(Func<T, T, T> f) where TOp : IBinaryOp<T>
            {
                var dst = new T[n];
                Binary.Apply<T, TOp>(a, 0, [aStride], b, 0, [bStride], [n], dst);
                for (int i = 0; i < n; i++)
                {
                    var want = f(a[i * aStride], b[i * bStride]);
                    if (dst[i] != want)
                        Assert.Fail($"{typeof(TOp).Name} n={n} strides ({aStride}, {bStride}) at {i}: {dst[i]} != {want}");
                }
            }
        }
    }

    [Test]
    public void BinaryRunsOnBoolWithoutTouchingVectors()
    {
        bool[] a = [true, true, false, false], b = [true, false, true, false];
        var dst = new bool[4];
        Binary.Apply<bool, LogicalAndOp>(a, 0, [1], b, 0, [1], [4], dst);
        Assert.That(dst, Is.EqualTo(new[] { true, false, false, false }));
        Binary.Apply<bool, BoolNotEqualOp>(a, 0, [1], b, 0, [1], [4], dst);
        Assert.That(dst, Is.EqualTo(new[] { false, true, true, false }));
    }

    [Test]
    public void CompareBroadcastsWithStrides()
    {
        double[] col = [1, 2, 3], row = [0, 2, 4, 6];
        var dst = new bool[12];
        Compare.Apply<double, LessOp<double>>(col, 0, [1, 0], row, 0, [0, 1], [3, 4], dst);
        for (int i = 0; i < 12; i++) Assert.That(dst[i], Is.EqualTo(col[i / 4] < row[i % 4]), $"element {i}");
        Compare.Apply<double, EqualOp<double>>(col, 0, [], row, 1, [], [], dst.AsSpan(0, 1));
        Assert.That(dst[0], Is.False);
        Compare.Apply<double, EqualOp<double>>(col, 1, [], row, 1, [], [], dst.AsSpan(0, 1));
        Assert.That(dst[0], Is.True);
    }

    [Test]
    public void SelectBroadcastsThreeOperands()
    {
        bool[] cond = [true, false];
        int[] x = [1, 2, 3], y = [-1];
        var dst = new int[6];
        Select.Apply<int>(cond, 0, [1, 0], x, 0, [0, 1], y, 0, [0, 0], [2, 3], dst);
        Assert.That(dst, Is.EqualTo(new[] { 1, 2, 3, -1, -1, -1 }));
        Select.Apply<int>(cond, 0, [1, 0], x, 0, [0, 1], y, 0, [0, 0], [0, 3], Span<int>.Empty);
    }

    [Test]
    public void TypeConvertTruncatesSaturatesAndMapsBools()
    {
        double[] src = [-2.9, 2.9, 1e20, -1e20, double.NaN];
        var ints = new int[5];
        TypeConvert.Numbers<double, int>(src, ints);
        Assert.That(ints, Is.EqualTo(new[] { -2, 2, int.MaxValue, int.MinValue, 0 }));
        var bools = new bool[5];
        TypeConvert.ToBool<double>([0.0, -0.0, 1, double.NaN, 1e-300], bools);
        Assert.That(bools, Is.EqualTo(new[] { false, false, true, true, true }));
        var f = new float[2];
        TypeConvert.FromBool<float>([true, false], f);
        Assert.That(f, Is.EqualTo(new[] { 1f, 0f }));
    }
}
