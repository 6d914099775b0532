namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the reductions (Ops/Reduce*.cs).</summary>
    public static IEnumerable<OpSample> Reduce()
    {
        yield return new("ReduceSum", [new(3, 4)], x => Ops.ReduceSum(x[0], 0)) { Label = "columns" };
        yield return new("ReduceSum", [new(2, 3)], x => Ops.ReduceSum(x[0], System.Array.Empty<int>())) { Label = "no-axes" };
        yield return new("SumToLike", [new(2, 3, 4), new(3, 1)], x => ReductionOps.SumToLike(x[0], x[1]));
        yield return new("ReduceMean", [new(2, 3, 4)], x => Ops.ReduceMean(x[0], [0, 2], keepDims: true));
        yield return new("ReduceMean", [new(3, 5)], x => Ops.ReduceMean(x[0])) { Label = "all" };
        yield return new("ReduceMax", [new(3, 4)], x => Ops.ReduceMax(x[0], 1));
        yield return new("ReduceMin", [new(3, 4, 2)], x => Ops.ReduceMin(x[0], [0, 2]));
        yield return new("ReduceProd", [new(3, 4)], x => Ops.ReduceProd(x[0], 0, keepDims: true));
        yield return new("ArgMax", [new(3, 4)], x => Ops.ArgMax(x[0], axis: 1), Differentiable: false);
        yield return new("ArgMin", [new(3, 4)], x => Ops.ArgMin(x[0], axis: 0), Differentiable: false);
        yield return new("SelectedShare", [new(3, 4)], x => ReductionOps.SelectedShare(x[0], Ops.ReduceMax(x[0], 1), [1]), Differentiable: false);
        yield return new("ProdOthers", [new(3, 4)], x => ReductionOps.ProdOthers(x[0], [1]), Differentiable: false);
    }
}
