namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for CumSum, TopK and NonZero.</summary>
    public static IEnumerable<OpSample> IndexingOps()
    {
        yield return new("CumSum", [new(3, 5)], x => Ops.CumSum(x[0], 1));
        yield return new("CumSum", [new(4, 2, 3)], x => Ops.CumSum(x[0], 0, exclusive: true, reverse: true)) { Label = "exclusive-reverse" };
        yield return new("TopK", [new(3, 6)], x => Ops.TopK(x[0], 2).Values);
        yield return new("TopK", [new(5, 4)], x => Ops.TopK(x[0], 3, axis: 0, largest: false).Values) { Label = "smallest-axis0" };
        yield return new("NonZero", [new(3, 4)], x => Ops.NonZero(Ops.Greater(x[0], Ops.ZerosLike(x[0]))), Differentiable: false) { ShapeFromData = true };
    }
}
