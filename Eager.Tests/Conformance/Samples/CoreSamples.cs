namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the ops defined in Ops/Math.cs, Array.cs, Reduce.cs, Linalg.cs, State.cs by the foundation.</summary>
    public static IEnumerable<OpSample> Foundation()
    {
        yield return new("Add", [new(2, 3), new(3)], x => x[0] + x[1]);
        yield return new("Subtract", [new(2, 1), new(1, 3)], x => x[0] - x[1]);
        yield return new("Multiply", [new(2, 3), new(2, 3)], x => x[0] * x[1]);
        yield return new("Divide", [new(2, 3), new(3)], x => x[0] / x[1], Domain: v => Math.Abs(v) + 0.5);
        yield return new("Negate", [new(4)], x => -x[0]);
        yield return new("ZerosLike", [new(2, 2)], x => Ops.ZerosLike(x[0]), Differentiable: false);
        yield return new("OnesLike", [new(2, 2)], x => Ops.OnesLike(x[0]), Differentiable: false);
        yield return new("Reshape", [new(2, 3)], x => x[0].Reshape(3, -1));
        yield return new("ReshapeLike", [new(2, 3), new(6)], x => Ops.ReshapeLike(x[0], x[1]));
        yield return new("BroadcastLike", [new(3), new(2, 3)], x => Ops.BroadcastLike(x[0], x[1]));
        yield return new("ExpandDims", [new(2, 3)], x => Ops.ExpandDims(x[0], 1));
        yield return new("ReduceSum", [new(2, 3, 4)], x => Ops.ReduceSum(x[0], [0, 2], keepDims: false));
        yield return new("MatMul", [new(2, 3, 4), new(4, 5)], x => Ops.MatMul(x[0], x[1]));
        yield return new("MatMul", [new(3, 2), new(5, 3)], x => Ops.MatMul(x[0], x[1], transposeA: true, transposeB: true)) { Label = "tt" };
        yield return new("Identity", [new(3)], x => Ops.Identity(x[0]));
        yield return new("StopGradient", [new(3)], x => Ops.StopGradient(x[0]), Differentiable: false);
        yield return new("Const", [], _ => Ops.Constant(Tensor.From(new[] { 1.0, 2.0 })), Differentiable: false);
    }

    /// <summary>Samples for the autodiff ops (Autodiff/CustomGradient.cs).</summary>
    public static IEnumerable<OpSample> Autodiff()
    {
        // f(a, b) = a * a * b with its true derivatives supplied by hand: the check compares them with
        // finite differences of the forward function.
        yield return new("CustomGradient", [new(2, 3), new(3)], x => Ops.CustomGradient(
            f => f[0] * f[0] * f[1],
            (f, _, g) => [Broadcasting.UnBroadcast(g * f[0] * f[1] * 2.0, f[0]), Broadcasting.UnBroadcast(g * f[0] * f[0], f[1])],
            x));
    }
}
