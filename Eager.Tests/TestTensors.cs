namespace Eager.Tests;

/// <summary>Inputs shared by the tests of every project.</summary>
internal static class TestTensors
{
    /// <summary>A float64 tensor of <paramref name="shape"/> with seeded standard-normal values.</summary>
    public static Tensor Randn(int seed, params int[] shape) => Tensor.RandomNormal(new Shape(shape), seed: seed, dtype: DType.Float64);

    /// <summary>A float64 vector of <paramref name="values"/>.</summary>
    public static Tensor F64(params double[] values) => Tensor.From(values);

    /// <summary>The same values as float32.</summary>
    public static Tensor ToF32(Tensor t) => Tensor.From(t.ToDoubleArray().Select(v => (float)v).ToArray(), t.Shape);
}
