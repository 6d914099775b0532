namespace Eager;

/// <summary>Copies part of a graph into a new graph (what a Session compiles) or into another graph being
/// built (calling a traced function inside a trace). Node names, ops, attributes and output specs are kept.</summary>
internal static class GraphCopy
{
    /// <summary>
    /// A new graph holding <paramref name="nodes"/> (nodes of <paramref name="source"/>, in source order, closed
    /// under inputs except where an input is fed). Each fed tensor that is not a copied placeholder's output
    /// becomes a placeholder of its own. <paramref name="tensorMap"/> maps source tensors (every output of a copied
    /// node and every fed tensor) to the copy's tensors.
    /// </summary>
    public static Graph Extract(Graph source, IReadOnlyList<Node> nodes, IReadOnlyCollection<Tensor> fed,
        out Dictionary<Tensor, Tensor> tensorMap, out Dictionary<Node, Node> nodeMap)
    {
        var copy = new Graph();
        tensorMap = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        nodeMap = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var included = new HashSet<Node>(nodes, ReferenceEqualityComparer.Instance);
        var taken = new HashSet<string>(nodes.Select(n => n.Name), StringComparer.Ordinal);

        foreach (var t in fed)
        {
            if (t.Graph != source) throw new ArgumentException($"GraphCopy: fed tensor '{t.Name}' is not in the source graph.");
            if (t.Node!.Op == GraphOps.PlaceholderDef && included.Contains(t.Node)) continue;
            var name = t.OutputIndex == 0 && !included.Contains(t.Node) ? t.Node.Name : $"{t.Node.Name}/fed_{t.OutputIndex}";
            for (int i = 1; !taken.Add(name); i++) name = $"{t.Node.Name}/fed_{t.OutputIndex}_{i}";
            var attrs = new Attrs { { "dtype", t.DType }, { "shape", t.Shape } };
            tensorMap[t] = copy.AddNodeExact(name, GraphOps.PlaceholderDef, [], attrs, [], [TensorSpec.Of(t)]).Outputs[0];
        }
        foreach (var n in nodes)
        {
            if (n.Graph != source) throw new ArgumentException($"GraphCopy: node '{n.Name}' is not in the source graph.");
            var inputs = new Tensor[n.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                if (!tensorMap.TryGetValue(n.Inputs[i], out var mapped))
                    throw new ArgumentException($"GraphCopy: input '{n.Inputs[i].Name}' of '{n.Name}' is neither fed nor produced by a copied node earlier in the list.");
                inputs[i] = mapped;
            }
            var ctrl = new List<Node>(n.ControlInputs.Length);
            foreach (var c in n.ControlInputs)
                ctrl.Add(nodeMap.TryGetValue(c, out var mc) ? mc : throw new ArgumentException($"GraphCopy: control input '{c.Name}' of '{n.Name}' is not copied."));
            var m = copy.AddNodeExact(n.Name, n.Op, inputs, n.Attrs, [.. ctrl], [.. n.Outputs.Select(TensorSpec.Of)]);
            nodeMap[n] = m;
            for (int k = 0; k < n.Outputs.Length; k++)
                tensorMap.TryAdd(n.Outputs[k], m.Outputs[k]);
        }
        return copy;
    }

    /// <summary>
    /// A copy of <paramref name="graph"/> (a Session's extracted graph) in which each placeholder named in
    /// <paramref name="fedRanks"/> has that rank (every dimension unknown) and every output of unknown rank is inferred again,
    /// so the passes and the plan never see an unknown rank.
    /// </summary>
    /// <exception cref="ArgumentException">An op refuses the ranks now known (naming the node).</exception>
    public static Graph Specialize(Graph graph, IReadOnlyDictionary<string, int> fedRanks)
    {
        var copy = new Graph();
        var map = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var nodeMap = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
        {
            var inputs = n.Inputs.Select(t => map[t]).ToArray();
            var ctrl = n.ControlInputs.Select(c => nodeMap[c]).ToArray();
            var attrs = n.Attrs;
            TensorSpec[] specs;
            if (n.Op == GraphOps.PlaceholderDef && fedRanks.TryGetValue(n.Name, out int rank))
            {
                var shape = new Shape([.. Enumerable.Repeat(-1, rank)]);
                attrs = attrs.With("shape", shape);
                specs = [new TensorSpec(shape, n.Outputs[0].DType)];
            }
            else if (n.Outputs.Any(o => o.Shape.IsUnknownRank))
            {
                try
                {
                    if (inputs.Length > 0) attrs = PendingAxes.Resolve(n.Op.Name, inputs[0].Shape, attrs);
                    specs = n.Op.Infer(inputs, attrs);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"Session.Run: node '{n.Name}' ({n.Op.Name}) refuses its inputs " +
                        $"{string.Join(", ", inputs.Select(t => t.DType.Name() + t.Shape))} now that the fed ranks are known: {e.Message}", e);
                }
            }
            else specs = [.. n.Outputs.Select(TensorSpec.Of)];
            var m = copy.AddNodeExact(n.Name, n.Op, inputs, attrs, ctrl, specs);
            nodeMap[n] = m;
            for (int k = 0; k < n.Outputs.Length; k++) map[n.Outputs[k]] = m.Outputs[k];
        }
        return copy;
    }

    /// <summary>
    /// Adds the nodes of <paramref name="source"/> to <paramref name="target"/> (the graph being built on this
    /// thread) with each of <paramref name="inputs"/> replaced by the matching tensor of <paramref name="args"/>,
    /// under a name scope; returns the copies of <paramref name="outputs"/>. Stateful nodes keep their order.
    /// </summary>
    public static Tensor[] Inline(Graph source, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> args, Graph target, string scope)
    {
        var map = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) map[inputs[i]] = target.Capture(args[i], scope);
        var nodeMap = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        using (target.NameScope(scope))
        {
            foreach (var n in source.Nodes)
            {
                if (n.Op == GraphOps.PlaceholderDef && inputs.Contains(n.Outputs[0])) continue;
                var ins = n.Inputs.Select(t => map.TryGetValue(t, out var m) ? m
                    : throw new InvalidOperationException($"Inline: input '{t.Name}' of '{n.Name}' has no value.")).ToArray();
                var ctrl = n.ControlInputs.Where(nodeMap.ContainsKey).Select(c => (object)nodeMap[c]).ToArray();
                Node copy;
                using (target.ControlDependencies(ctrl))
                    copy = target.AddNode(n.Op, ins, n.Attrs, n.Name);
                nodeMap[n] = copy;
                for (int k = 0; k < n.Outputs.Length; k++) map[n.Outputs[k]] = copy.Outputs[k];
            }
        }
        return [.. outputs.Select(o => map[o])];
    }
}
