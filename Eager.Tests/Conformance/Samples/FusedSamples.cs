namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the fused ops the optimiser makes (Ops/Fused.cs). FusedElementwise is inference-only.</summary>
    public static IEnumerable<OpSample> Fused()
    {
        yield return new("FusedElementwise", [new(2, 3), new(3)],
            x => Ops.FusedElementwise("Multiply(i0,i1);Tanh(t0);Add(t1,#0.5)", [2], x[0].DType, x[0], x[1])[0], Differentiable: false);
        yield return new("FusedElementwise", [new(4, 1), new(4, 5)],
            x => Ops.FusedElementwise("Greater(i0,#0);Square(i1);Where(t0,t1,i0);Sigmoid(t2)", [3, 1], x[0].DType, x[0], x[1])[0], Differentiable: false)
        { Label = "where" };
    }
}
