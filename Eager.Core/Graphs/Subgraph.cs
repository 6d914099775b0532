namespace Eager;

/// <summary>
/// A graph used as an attribute of a control-flow node (the branches of <c>Ops.Cond</c>, the condition and body
/// of <c>Ops.WhileLoop</c>): a graph of its own whose <see cref="Inputs"/> are placeholders, fed by the node's
/// inputs when it runs, and whose <see cref="Outputs"/> are the node's results. Immutable once built.
/// </summary>
public sealed class Subgraph
{
    internal Subgraph(Graph graph, Tensor[] inputs, Tensor[] outputs)
    {
        foreach (var t in inputs)
            if (t.Graph != graph || t.Node!.Op != GraphOps.PlaceholderDef) throw new ArgumentException($"Subgraph: input '{t.Name}' is not a placeholder of the subgraph.");
        foreach (var t in outputs)
            if (t.Graph != graph) throw new ArgumentException($"Subgraph: output '{t.Name}' is not a tensor of the subgraph.");
        Graph = graph;
        InputArray = inputs;
        OutputArray = outputs;
    }

    /// <summary>The nodes.</summary>
    public Graph Graph { get; }

    /// <summary>The placeholders fed when it runs, in order.</summary>
    public IReadOnlyList<Tensor> Inputs => InputArray;

    /// <summary>The results, in order.</summary>
    public IReadOnlyList<Tensor> Outputs => OutputArray;

    internal Tensor[] InputArray { get; }

    internal Tensor[] OutputArray { get; }

    /// <summary>"(in0, in1) -> (out0) {n nodes}".</summary>
    public override string ToString() =>
        $"({string.Join(", ", InputArray.Select(t => t.Name))}) -> ({string.Join(", ", OutputArray.Select(t => t.Name))}) {{{Graph.Nodes.Count} nodes}}";
}
