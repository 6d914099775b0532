namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the variable ops in Ops/State.cs. Variables hold state, so none is differentiable
    /// through the op itself (gradients reach variables through their reads).</summary>
    public static IEnumerable<OpSample> State()
    {
        yield return new("ReadVariable", [new(2, 3)], x => new Variable(x[0], name: "v").Read(), Differentiable: false);
        yield return new("Assign", [new(2, 3), new(2, 3)], x => new Variable(x[0], name: "v").Assign(x[1]), Differentiable: false);
        yield return new("AssignAdd", [new(2, 3), new(2, 3)], x => new Variable(x[0], name: "v").AssignAdd(x[1]), Differentiable: false);
        yield return new("AssignSub", [new(4), new(4)], x => new Variable(x[0], name: "v").AssignSub(x[1]), Differentiable: false);
        yield return new("AssignAdd", [new(1), new(1)], x => new Variable(x[0], name: "v").AssignAdd(x[1]), Differentiable: false) { Label = "size1" };
        yield return new("Assign", [new(0, 3), new(0, 3)], x => new Variable(x[0], name: "v").Assign(x[1]), Differentiable: false) { Label = "empty" };
    }
}
