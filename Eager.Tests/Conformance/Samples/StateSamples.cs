namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the variable ops in Ops/State.cs. Variables hold state, so none is differentiable
    /// through the op itself (gradients reach variables through their reads).</summary>
    public static IEnumerable<OpSample> State()
    {
        yield return new("ReadVariable", [new(2, 3)], x => new Variable(x[0], name: "v").Read(), Differentiable: false);
        // A variable made outside the call, as a model's weights are: functions capture it, export writes its value.
        var captured = new Variable(Tensor.From(new[,] { { 1.5, -2 }, { 0.25, 3 } }), name: "w");
        yield return new("ReadVariable", [], _ => captured.Read(), Differentiable: false) { Label = "captured" };
        yield return new("Assign", [new(2, 3), new(2, 3)], x => new Variable(x[0], name: "v").Assign(x[1]), Differentiable: false);
        yield return new("AssignAdd", [new(2, 3), new(2, 3)], x => new Variable(x[0], name: "v").AssignAdd(x[1]), Differentiable: false);
        yield return new("AssignSub", [new(4), new(4)], x => new Variable(x[0], name: "v").AssignSub(x[1]), Differentiable: false);
        yield return new("AssignAdd", [new(1), new(1)], x => new Variable(x[0], name: "v").AssignAdd(x[1]), Differentiable: false) { Label = "size1" };
        yield return new("Assign", [new(0, 3), new(0, 3)], x => new Variable(x[0], name: "v").Assign(x[1]), Differentiable: false) { Label = "empty" };
        // Weight, moments (v squared so its square root is real) and gradient; the result is the new weight.
        yield return new("ApplyAdam", [new(3, 5), new(3, 5), new(3, 5), new(3, 5)], x =>
            Ops.ApplyAdam(new Variable(x[0], name: "w"), new Variable(x[1], name: "m"), new Variable(Ops.Square(x[2]), name: "v"), x[3],
                          Ops.Cast(Tensor.Scalar(0.01), x[0].DType), 0.9, 0.999, 1e-7), Differentiable: false);
    }
}
