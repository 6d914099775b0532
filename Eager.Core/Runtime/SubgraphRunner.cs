using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>Runs a <see cref="Subgraph"/> (the kernels of control-flow ops use it): compiled once into an execution
/// plan that feeds its inputs, fetches its outputs and runs every stateful node in program order.</summary>
internal static class SubgraphRunner
{
    private static readonly ConditionalWeakTable<Subgraph, ExecutionPlan> Plans = new();
    private static readonly SessionOptions Options = new();

    /// <summary>The subgraph's outputs for <paramref name="args"/> (checked against the input placeholders).</summary>
    public static Tensor[] Run(Subgraph sub, ReadOnlySpan<Tensor> args, string op)
    {
        var inputs = sub.InputArray;
        if (args.Length != inputs.Length)
            throw new ArgumentException($"{op}: the subgraph takes {inputs.Length} inputs; got {args.Length}.");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].DType != inputs[i].DType || !inputs[i].Shape.IsCompatibleWith(args[i].Shape))
                throw new ArgumentException($"{op}: subgraph input {i} ('{inputs[i].Name}') is {inputs[i].DType.Name()}{inputs[i].Shape}; got {args[i].DType.Name()}{args[i].Shape}.");
        }
        var plan = Plans.GetValue(sub, Compile);
        return plan.Run(args.ToArray(), RunContext.State);
    }

    private static ExecutionPlan Compile(Subgraph sub)
    {
        var targets = sub.Graph.Nodes.Where(n => n.Op.IsStateful).ToArray();
        return PlanBuilder.Build(sub.Graph, new PlanKey(sub.OutputArray, targets, sub.InputArray), Options);
    }
}
