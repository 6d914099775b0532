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
