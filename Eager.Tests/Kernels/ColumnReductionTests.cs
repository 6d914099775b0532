using Eager.Kernels.Reduce;

namespace Eager.Tests.Kernels;

/// <summary>Column reductions ([outer, reduce, inner], reduce the middle axis) against a float64 walk, including short
/// rows that are reduced several at a time and folded.</summary>
public class ColumnReductionTests
{
    private static void Check<TOp>(Func<double, double, double> op, double identity, Func<Random, float> value, double tolerance)
        where TOp : IReduceOp<float>
    {
        foreach (int inner in new[] { 1, 3, 6, 7, 31, 63, 64, 65 })
            foreach (int reduce in new[] { 1, 2, 10, 22, 130, 1000 })
                foreach (int outer in new[] { 1, 3 })
                {
                    var r = new Random(inner * 1000 + reduce * 10 + outer);
                    var src = new float[outer * reduce * inner];
                    for (int i = 0; i < src.Length; i++) src[i] = value(r);
                    var got = new float[outer * inner];
                    Reduction.Columns<float, TOp>(src, outer, reduce, inner, got);
                    for (int o = 0; o < outer; o++)
                        for (int i = 0; i < inner; i++)
                        {
                            double want = identity;
                            for (int k = 0; k < reduce; k++) want = op(want, src[(o * reduce + k) * inner + i]);
                            Assert.That(got[o * inner + i], Is.EqualTo(want).Within(tolerance * Math.Max(1, Math.Abs(want))),
                                $"inner {inner}, reduce {reduce}, outer {outer}, [{o}, {i}]");
                        }
                }
    }

    [Test] public void Sum() => Check<SumOp<float>>((a, b) => a + b, 0, r => (float)(r.NextDouble() * 2 - 1), 1e-5);
    [Test] public void Max() => Check<MaxOp<float>>(Math.Max, double.NegativeInfinity, r => (float)(r.NextDouble() * 2 - 1), 0);
    [Test] public void Min() => Check<MinOp<float>>(Math.Min, double.PositiveInfinity, r => (float)(r.NextDouble() * 2 - 1), 0);
    [Test] public void Prod() => Check<ProdOp<float>>((a, b) => a * b, 1, r => (float)(1 + (r.NextDouble() - 0.5) * 0.01), 1e-5);
}
