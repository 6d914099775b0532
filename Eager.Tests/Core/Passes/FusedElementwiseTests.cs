namespace Eager.Tests.Core.Passes;

/// <summary>The compiled fused loop against the same program run op by op with each op's kernel, for every fusible
/// op, both float dtypes, odd lengths that miss the vector width, broadcasting, strided inputs and empty tensors.</summary>
public class FusedElementwiseTests
{
    private static IEnumerable<TestCaseData> Ops1() =>
        FusedOps.All.Where(op => op.Lanes is { ProducesMask: false, Arity: 1, Attr: null }).Select(op => new TestCaseData(op.Name).SetArgDisplayNames(op.Name));

    private static Tensor Random(Shape s, int seed, DType dtype) => Ops.Cast(Tensor.RandomNormal(s, seed: seed, dtype: DType.Float64) * 2.0, dtype);

    [TestCaseSource(nameof(Ops1))]
    public void UnaryOpsMatchTheirKernels(string op)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (int n in new[] { 0, 1, 7, 8, 17, 33, 1000 })
            {
                var x = Ops.Abs(Random(new Shape(n), n, dtype)) + 0.25;
                // op(x * 1.5) + x: one fused loop; an "i0" input and a constant.
                var program = $"Multiply(i0,#1.5);{op}(t0);Add(t1,i0)";
                Check(program, [2], dtype, x);
            }
        }
    }

    [Test]
    public void BinaryOpsComparisonsAndWhereWithBroadcasting()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Random(new Shape(5, 33), 1, dtype);
            var b = Random(new Shape(33), 2, dtype);
            var c = Random(new Shape(5, 1), 3, dtype);
            var program = "Add(i0,i1);Subtract(t0,i2);Multiply(t1,i1);Divide(t2,#3);Maximum(t3,i2);Minimum(t4,#0.5);SquaredDifference(t5,i0);"
                + "Greater(i0,i1);LessEqual(t5,#0);LogicalAnd(t7,t8);LogicalNot(t9);Where(t10,t6,t5);ClipByValue(t11,i2,#1);"
                + "LeakyRelu{0.2}(t12);Gelu{1}(t13);Gelu{0}(t13);NotEqual(i0,i2);Where(t16,t15,t14);ZerosLike(t17);Add(t18,t17)";
            Check(program, [19, 6], dtype, a, b, c);
        }
    }

    [Test]
    public void TransposedAndScalarInputs()
    {
        var a = Tensor.RandomNormal(new Shape(17, 9), seed: 4, dtype: DType.Float64);
        var t = Ops.Transpose(Tensor.RandomNormal(new Shape(9, 17), seed: 5, dtype: DType.Float64));
        var s = Tensor.Scalar(2.5);
        Check("Multiply(i0,i1);Tanh(t0);Add(t1,i2)", [2], DType.Float64, a, t, s);
    }

    [Test]
    public void LargeInputsSplitAcrossCoresGiveTheSameResult()
    {
        var a = Tensor.RandomNormal(new Shape(3, 300_001), seed: 6);
        var b = Tensor.RandomNormal(new Shape(300_001), seed: 7);
        Check("Multiply(i0,i1);Sigmoid(t0);Subtract(t1,i0)", [2, 0], DType.Float32, a, b);
    }

    private static void Check(string program, int[] outputs, DType dtype, params Tensor[] inputs)
    {
        var got = FusedKernelOps.FusedElementwise(program, outputs, dtype, inputs);
        var want = FusedProgram.Parse(program).Interpret(inputs, outputs, dtype);
        for (int j = 0; j < outputs.Length; j++)
        {
            Assert.That(got[j].Shape, Is.EqualTo(want[j].Shape));
            var (g, w) = (got[j].ToDoubleArray(), want[j].ToDoubleArray());
            double tol = dtype == DType.Float32 ? 2e-7 : 1e-15;
            for (int i = 0; i < g.Length; i++)
            {
                if (double.IsNaN(w[i])) Assert.That(g[i], Is.NaN);
                else Assert.That(g[i], Is.EqualTo(w[i]).Within(tol * (1 + Math.Abs(w[i]))), $"{program}: output {j} element {i}");
            }
        }
    }
}
