namespace Eager.Tests.Core.Passes;

/// <summary>
/// The block executor of fused element-wise programs against a float64 scalar walk of the same program and against
/// the program run op by op, at block sizes that put every block edge (pieces of rows, several rows, a last short
/// block) at lengths around the vector widths; inputs dense, broadcast along rows, repeated every row, per-row
/// scalars and transposed; several outputs; an output buffer donated from an input.
/// </summary>
[NonParallelizable]
public class FusedBlocksTests
{
    private int savedBlock;

    [SetUp]
    public void SaveBlock() => savedBlock = FusedBlocks<float>.BlockSize;

    [TearDown]
    public void RestoreBlock()
    {
        FusedBlocks<float>.BlockSize = savedBlock;
        FusedBlocks<double>.BlockSize = savedBlock;
    }

    private static void SetBlock(int size)
    {
        FusedBlocks<float>.BlockSize = size;
        FusedBlocks<double>.BlockSize = size;
    }

    // i0 (rows, cols), i1 (cols), i2 (rows, 1), i3 scalar: every input kind at once.
    private const string Program = "Add(i0,i1);Multiply(t0,i2);Tanh(t1);Subtract(t2,#0.5);Maximum(t3,i3);Divide(#2,t0);Greater(t0,i2);Where(t6,t4,t5)";

    /// <summary>The program above, element by element in float64 with the scalar definitions of the ops.</summary>
    private static double Reference(double a, double b, double c, double d)
    {
        double t0 = a + b, t1 = t0 * c, t2 = Math.Tanh(t1), t3 = t2 - 0.5, t4 = Math.Max(t3, d), t5 = 2 / t0;
        return t0 > c ? t4 : t5;
    }

    private static IEnumerable<TestCaseData> Sizes()
    {
        foreach (int block in new[] { 1, 7, 16, 33, 64, 1024 })
            foreach (var (rows, cols) in new[] { (1, 1), (3, 1), (5, 15), (4, 16), (3, 17), (2, 33), (9, 7), (2, 1025), (1, 2049) })
                yield return new TestCaseData(block, rows, cols).SetArgDisplayNames($"block {block}", $"{rows}x{cols}");
    }

    [TestCaseSource(nameof(Sizes))]
    public void MatchesAScalarWalkAtEveryBlockEdge(int block, int rows, int cols)
    {
        SetBlock(block);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Random(new Shape(rows, cols), 1, dtype);
            var b = Random(new Shape(cols), 2, dtype);
            var c = Random(new Shape(rows, 1), 3, dtype);
            var d = Tensor.Scalar(-0.25, dtype);
            var got = FusedKernelOps.FusedElementwise(Program, [7, 0], dtype, a, b, c, d);
            var (av, bv, cv) = (a.ToDoubleArray(), b.ToDoubleArray(), c.ToDoubleArray());
            var g7 = got[0].ToDoubleArray();
            var g0 = got[1].ToDoubleArray();
            double tol = dtype == DType.Float32 ? 1e-5 : 1e-12;
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < cols; k++)
                {
                    int i = r * cols + k;
                    double want = Reference(av[i], bv[k], cv[r], -0.25);
                    Assert.That(g7[i], Is.EqualTo(want).Within(tol * (1 + Math.Abs(want))), $"{dtype} element ({r}, {k})");
                    Assert.That(g0[i], Is.EqualTo(av[i] + bv[k]).Within(tol * (1 + Math.Abs(av[i] + bv[k]))));
                }
            AssertSame(got, FusedProgram.Parse(Program).Interpret([a, b, c, d], [7, 0], dtype));
        }
    }

    [TestCase(1)]
    [TestCase(5)]
    [TestCase(1024)]
    public void TransposedRowRepeatedAndStridedInputs(int block)
    {
        SetBlock(block);
        // A transposed view is copied; a (1, cols) input repeats every row; a column slice reads every other element.
        var a = Ops.Transpose(Random(new Shape(13, 6), 4, DType.Float32));
        var row = Random(new Shape(1, 13), 5, DType.Float32);
        var wide = Random(new Shape(6, 26), 6, DType.Float32);
        var col = Ops.StridedSlice(wide, [0, 0], [6, 26], [1, 2]);
        const string program = "Multiply(i0,i1);Add(t0,i2);Sigmoid(t1)";
        var got = FusedKernelOps.FusedElementwise(program, [2], DType.Float32, a, row, col);
        var want = Ops.Sigmoid(a * row + col);
        AssertSame(got, [want]);
    }

    [TestCase(1)]
    [TestCase(16)]
    [TestCase(1024)]
    public void OutputsListedTwiceAndReadLater(int block)
    {
        SetBlock(block);
        var a = Random(new Shape(7, 19), 7, DType.Float64);
        // t1 is an output and is read by t2; t2 is listed twice.
        const string program = "Exp(i0);Multiply(t0,#0.5);Add(t1,i0)";
        var got = FusedKernelOps.FusedElementwise(program, [2, 1, 2], DType.Float64, a);
        AssertSame(got, FusedProgram.Parse(program).Interpret([a], [2, 1, 2], DType.Float64));
    }

    [TestCase("Multiply(i0,#3);Add(t0,i1)", 1)]
    [TestCase("Multiply(i0,#3);Add(t0,i1)", 1024)]
    [TestCase("Multiply(i0,#3);Add(i0,t0);Subtract(t1,i1)", 1)]
    [TestCase("Multiply(i0,#3);Add(i0,t0);Subtract(t1,i1)", 1024)]
    public void AnOutputWrittenIntoADonatedInputBuffer(string program, int block)
    {
        SetBlock(block);
        var a = Random(new Shape(9, 130), 8, DType.Float32);
        var b = Random(new Shape(9, 130), 9, DType.Float32);
        var want = FusedProgram.Parse(program).Interpret([a, b], [program.Count(ch => ch == ';')], DType.Float32);
        var victim = a.Contiguous() + 0f;
        long before = BufferDonation.Taken;
        BufferDonation.Offer(victim);
        Tensor[] got;
        try
        {
            got = FusedKernel.Run([victim, b], new Attrs { { "program", program }, { "outputs", new[] { program.Count(ch => ch == ';') } }, { "dtype", DType.Float32 } });
        }
        finally
        {
            BufferDonation.Clear();
        }
        Assert.That(BufferDonation.Taken, Is.EqualTo(before + 1), "the output took the offered buffer");
        AssertSame(got, want);
    }

    [Test]
    public void EmptyAndScalarLoops()
    {
        var e = FusedKernelOps.FusedElementwise("Add(i0,i1);Tanh(t0)", [1], DType.Float32, Tensor.Zeros(new Shape(0, 5)), Tensor.Zeros(new Shape(5)));
        Assert.That(e[0].Shape, Is.EqualTo(new Shape(0, 5)));
        var s = FusedKernelOps.FusedElementwise("Add(i0,#1);Multiply(t0,t0)", [1], DType.Float64, Tensor.Scalar(2.0));
        Assert.That(s[0].Item<double>(), Is.EqualTo(9.0));
    }

    [Test]
    public void ScalarFormsEqualTheSpanForms()
    {
        // Constants and per-row values take the ops' scalar forms; the results equal the span forms bit for bit.
        foreach (var op in new[] { "Add", "Subtract", "Multiply", "Divide", "Maximum", "Minimum" })
        {
            var a = Random(new Shape(3, 37), 10, DType.Float32);
            var c = Random(new Shape(3, 1), 11, DType.Float32);
            var lanes = OpRegistry.Get(op).Lanes!;
            foreach (var program in new[] { $"{op}(i0,#0.75);Add(t0,i1)", $"{op}(#0.75,i0);Add(t0,i1)", $"{op}(i0,i1)", $"{op}(i1,i0)" })
            {
                var got = FusedKernelOps.FusedElementwise(program, [0], DType.Float32, a, c);
                var want = FusedProgram.Parse(program).Interpret([a, c], [0], DType.Float32);
                Assert.That(got[0].ToArray<float>(), Is.EqualTo(want[0].ToArray<float>()), $"{program} (scalar form: {lanes.Float32Scalar is not null})");
            }
        }
    }

    private static Tensor Random(Shape s, int seed, DType dtype) => Ops.Cast(Tensor.RandomNormal(s, seed: seed, dtype: DType.Float64), dtype);

    private static void AssertSame(Tensor[] got, Tensor[] want)
    {
        Assert.That(got, Has.Length.EqualTo(want.Length));
        for (int j = 0; j < got.Length; j++)
        {
            Assert.That(got[j].Shape, Is.EqualTo(want[j].Shape));
            var (g, w) = (got[j].ToDoubleArray(), want[j].ToDoubleArray());
            double tol = got[j].DType == DType.Float32 ? 2e-7 : 1e-15;
            for (int i = 0; i < g.Length; i++)
                Assert.That(g[i], Is.EqualTo(w[i]).Within(tol * (1 + Math.Abs(w[i]))), $"output {j} element {i}");
        }
    }
}
