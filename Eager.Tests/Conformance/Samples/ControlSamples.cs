namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for Ops/Control.cs. Placeholder and NoOp exist only in graphs: eagerly these samples are the
    /// identity; the graph conformance test feeds every input through a Placeholder and adds the NoOp.</summary>
    public static IEnumerable<OpSample> Control()
    {
        yield return new("Placeholder", [new(2, 3)], x => x[0], Differentiable: false);
        yield return new("NoOp", [new(3)], x =>
        {
            if (Graph.Current is not null) Ops.NoOp();
            return x[0];
        }, Differentiable: false);
    }
}

public static partial class OpSamples
{
    /// <summary>Samples for Ops/ControlFlow*.cs. Eagerly Cond and WhileLoop are C# branches and loops; in a graph they
    /// are If/While nodes, so the graph conformance test is the one that runs these ops.</summary>
    public static IEnumerable<OpSample> ControlFlow()
    {
        yield return new("If", [new(2, 3), new(3)], x => Ops.Cond(Ops.Greater(Ops.ReduceSum(x[0]), Tensor.Scalar(0.0, x[0].DType)),
            () => x[0] * x[1], () => x[0] - x[1]));
        yield return new("If", [new(2, 3), new(3)], x => Ops.Cond(Ops.Less(Ops.ReduceSum(x[0]), Tensor.Scalar(0.0, x[0].DType)),
            () => x[0] * x[1], () => x[0] - x[1])) { Label = "else" };
        yield return new("While", [new(3)], x => Ops.WhileLoop(
            v => Ops.Less(v[1], Tensor.Scalar(3.0)),
            v => [v[0] * v[0] * 0.25 + v[0], v[1] + 1.0],
            [x[0], Tensor.Scalar(0.0)])[0]);
        yield return new("WhileGrad", [new(3)], x =>
        {
            Tensor Loop(Tensor v) => Ops.WhileLoop(u => Ops.Less(Ops.ReduceSum(u), Tensor.Scalar(50.0, u.DType)), u => u * 2.0 + 1.0, v, maximumIterations: 4);
            if (Graph.Current is not null) return Ops.Gradients(Ops.ReduceSum(Ops.Square(Loop(x[0]))), new[] { x[0] })[0]!;
            using var tape = new GradientTape();
            tape.Watch(x[0]);
            return tape.Gradient(Ops.ReduceSum(Ops.Square(Loop(x[0]))), x[0])!;
        }, Differentiable: false);
    }
}
