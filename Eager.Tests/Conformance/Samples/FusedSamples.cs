namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the fused ops the optimiser makes (Ops/Fused.cs). FusedElementwise is inference-only.</summary>
    public static IEnumerable<OpSample> Fused()
    {
        yield return new("FusedElementwise", [new(2, 3), new(3)],
            x => FusedKernelOps.FusedElementwise("Multiply(i0,i1);Tanh(t0);Add(t1,#0.5)", [2], x[0].DType, x[0], x[1])[0], Differentiable: false);
        yield return new("FusedElementwise", [new(4, 1), new(4, 5)],
            x => FusedKernelOps.FusedElementwise("Greater(i0,#0);Square(i1);Where(t0,t1,i0);Sigmoid(t2)", [3, 1], x[0].DType, x[0], x[1])[0], Differentiable: false)
        { Label = "where" };
        yield return new("FusedMatMul", [new(3, 4), new(4, 5), new(5)], x => Ops.FusedMatMul(x[0], x[1], x[2], "Tanh"));
        yield return new("FusedMatMul", [new(2, 4, 3), new(5, 4)], x => Ops.FusedMatMul(x[0], x[1], null, "Sigmoid", transposeA: true, transposeB: true)) { Label = "tt" };
        yield return new("FusedMatMul", [new(3, 4), new(4, 5), new(5)], x => Ops.FusedMatMul(x[0], x[1], x[2], "Elu")) { Label = "elu" };
        yield return new("FusedConv2D", [new(2, 5, 5, 3), new(3, 3, 3, 4), new(4)], x => Ops.FusedConv2D(x[0], x[1], x[2], "Relu", padding: "SAME"))
        { UnknownDims = false };
        yield return new("FusedConv2D", [new(1, 6, 6, 2), new(2, 2, 2, 3), new(3)], x => Ops.FusedConv2D(x[0], x[1], x[2], "Relu6", strides: 2)) { Label = "relu6", UnknownDims = false };
    }
}
