namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for shapes held in tensors (Ops/ArrayDynamic.cs).</summary>
    public static IEnumerable<OpSample> Dynamic()
    {
        yield return new("Shape", [new(2, 3, 4)], x => Ops.Cast(Ops.ShapeOf(x[0]), DType.Float64), Differentiable: false);
        yield return new("Shape", [new(2, 3)], x => Ops.Cast(Ops.ShapeOf(x[0], DType.Int64), DType.Float64), Differentiable: false) { Label = "int64" };
        yield return new("ReshapeDynamic", [new(2, 3, 4)], x => Ops.Reshape(x[0], Tensor.From(new long[] { 4, -1 })));
        yield return new("ReshapeDynamic", [new(2, 3, 4)], x => Ops.Reshape(x[0], Tensor.From(new[] { 0, 12 }), copyZeros: true)) { Label = "copy-zeros" };
        yield return new("ReshapeDynamic", [new(2, 6), new(3, 4)], x => Ops.Reshape(x[0], Ops.ShapeOf(x[1]))) { Label = "shape-of" };
        yield return new("FillDynamic", [Shape.Scalar], x => Ops.Fill(Tensor.From(new[] { 2, 3 }), x[0]));
        yield return new("Range", [], _ => Ops.Range(Tensor.Scalar(1.0), Tensor.Scalar(4.0), Tensor.Scalar(0.75)), Differentiable: false);
    }
}
