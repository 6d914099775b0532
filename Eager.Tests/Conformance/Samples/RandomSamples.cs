namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the random ops in Ops/Random.cs. Seeded, so eager and the first Session run draw the same
    /// numbers; none has a gradient.</summary>
    public static IEnumerable<OpSample> Random()
    {
        yield return new("RandomNormal", [], _ => Ops.RandomNormal(new Shape(3, 4), mean: 1, stddev: 2, seed: 3, dtype: DType.Float64), Differentiable: false);
        yield return new("RandomUniform", [], _ => Ops.RandomUniform(new Shape(5), minval: -1, maxval: 3, seed: 4, dtype: DType.Float64), Differentiable: false);
        yield return new("RandomUniform", [], _ => Ops.RandomUniform(new Shape(2, 3), minval: 0, maxval: 10, seed: 4, dtype: DType.Int32), Differentiable: false) { Label = "int32" };
        yield return new("RandomUniform", [], _ => Ops.RandomUniform(new Shape(0, 3), seed: 4, dtype: DType.Float64), Differentiable: false) { Label = "empty" };
        yield return new("TruncatedNormal", [], _ => Ops.TruncatedNormal(new Shape(17), stddev: 0.5, seed: 5, dtype: DType.Float64), Differentiable: false);
        yield return new("RandomShuffle", [new(5, 3)], x => Ops.RandomShuffle(x[0], seed: 6), Differentiable: false);
        yield return new("RandomShuffle", [new(1)], x => Ops.RandomShuffle(x[0], seed: 6), Differentiable: false) { Label = "size1" };
        yield return new("Multinomial", [], _ => Ops.Multinomial(Tensor.From(new double[,] { { 0, 1, 2 }, { 3, -1, 0 } }), 6, seed: 7), Differentiable: false);
    }
}
