namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    private static Tensor F32(Tensor x) => Ops.Cast(x, DType.Float32);

    private static Tensor F64(Tensor x) => Ops.Cast(x, DType.Float64);

    private static Tensor U8(Tensor x) => Ops.QuantizeLinear(F32(x), Tensor.Scalar(0.02f), Tensor.Scalar((byte)128));

    private static Tensor S8(Tensor x) => Ops.QuantizeLinear(F32(x), Tensor.Scalar(0.03f), Tensor.Scalar((sbyte)0));

    /// <summary>Samples for the quantisation ops (Ops/QuantizeLinear.cs, QuantizedMatMul.cs, QuantizedConv.cs): float64
    /// inputs quantised, run, and widened back, so the registry's checks see every op.</summary>
    public static IEnumerable<OpSample> QuantizationSamples()
    {
        yield return new("QuantizeLinear", [new(2, 3)], x => F64(U8(x[0])), Differentiable: false);
        yield return new("QuantizeLinear", [new(2, 3, 4)], x => F64(Ops.QuantizeLinear(F32(x[0]),
            Tensor.From(new[] { 0.01f, 0.02f, 0.05f }), Tensor.From(new sbyte[] { -3, 0, 7 }), axis: 1)), Differentiable: false) { Label = "per channel" };
        yield return new("DequantizeLinear", [new(2, 3)], x => F64(Ops.DequantizeLinear(U8(x[0]), Tensor.Scalar(0.02f), Tensor.Scalar((byte)128))), Differentiable: false);
        yield return new("DynamicQuantizeLinear", [new(3, 4)], x => F64(Ops.DynamicQuantizeLinear(F32(x[0])).Y), Differentiable: false);
        yield return new("MatMulInteger", [new(3, 5), new(5, 4)], x => F64(Ops.MatMulInteger(U8(x[0]), S8(x[1]), Tensor.Scalar((byte)128), Tensor.Scalar((sbyte)0))), Differentiable: false);
        yield return new("QLinearMatMul", [new(2, 3, 5), new(5, 4)], x => F64(Ops.QLinearMatMul(
            U8(x[0]), Tensor.Scalar(0.02f), Tensor.Scalar((byte)128), S8(x[1]), Tensor.Scalar(0.03f), Tensor.Scalar((sbyte)0),
            Tensor.Scalar(0.05f), Tensor.Scalar((byte)100))), Differentiable: false);
        yield return new("ConvInteger", [new(1, 5, 5, 2), new(3, 3, 2, 3)], x => F64(Ops.ConvInteger(U8(x[0]), S8(x[1]),
            Tensor.Scalar((byte)128), Tensor.Scalar((sbyte)0), padding: "SAME")), Differentiable: false);
        yield return new("QLinearConv", [new(1, 5, 5, 2), new(3, 3, 2, 3)], x => F64(Ops.QLinearConv(
            U8(x[0]), Tensor.Scalar(0.02f), Tensor.Scalar((byte)128), S8(x[1]), Tensor.From(new[] { 0.03f, 0.02f, 0.01f }), Tensor.From(new sbyte[] { 0, 0, 0 }),
            Tensor.Scalar(0.05f), Tensor.Scalar((byte)100), Tensor.From(new[] { 10, -20, 30 }), strides: 2, padding: "SAME")), Differentiable: false);
    }
}
