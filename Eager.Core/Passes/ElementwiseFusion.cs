namespace Eager;

/// <summary>
/// Fuses chains of element-wise ops (those with <see cref="OpDef.Lanes"/>) into single FusedElementwise nodes that run
/// block by block (<see cref="FusedBlocks{T}"/>): inputs are read once, intermediates never reach memory, and a
/// node may have several outputs (an Adam update's new moments and parameters come from one loop). A group holds
/// float32 or float64 ops of one static shape; inputs may broadcast to it; scalar constants become literals of
/// the program. Comparisons and logic may join only together with the Where or logic ops that read them, since
/// a fused loop neither reads nor writes bool tensors. Groups never contain a path that leaves the group and comes
/// back (fusing them would make a cycle), nor nodes with control inputs.
/// </summary>
public sealed class ElementwiseFusion : GraphPass
{
    /// <summary>Most ops in one fused loop.</summary>
    public int MaxOps { get; init; } = 64;

    /// <inheritdoc/>
    public override string Name => "ElementwiseFusion";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var uses = new GraphUses(graph);
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Nodes.Count; i++) position[graph.Nodes[i]] = i;
        var candidates = Candidates(graph, uses, context);
        var clusters = Form(graph, candidates, uses, position);
        changed = clusters.Count > 0;
        if (!changed) return graph;
        var result = Rebuild(graph, clusters, candidates, uses, context);
        GraphUses.RemoveDead(result, context);
        return result;
    }

    /// <summary>A group being formed: members in graph order, with their element type and static shape.</summary>
    private sealed class Cluster(Node first, DType dtype)
    {
        public List<Node> Members { get; } = [first];

        public HashSet<Node> Set { get; } = new(ReferenceEqualityComparer.Instance) { first };

        public DType DType { get; } = dtype;

        public Shape Shape { get; } = first.Outputs[0].Shape;
    }

    /// <summary>Nodes that may be fused, with the element type of their loop.</summary>
    private static Dictionary<Node, DType> Candidates(Graph graph, GraphUses uses, PassContext context)
    {
        var result = new Dictionary<Node, DType>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
        {
            if (FusedOps.Of(n.Op) is not { } e || n.ControlInputs.Length > 0 || n.Outputs.Length != 1) continue;
            var valueInputs = n.Inputs.Where((_, k) => !e.TakesMask(k)).ToArray();
            var dtype = e.ProducesMask && valueInputs.Length == 0 ? DType.Bool : (valueInputs.Length > 0 ? valueInputs[0].DType : n.Outputs[0].DType);
            if (dtype == DType.Bool)
            {
                // Logic on masks: its loop type is that of the comparisons feeding it.
                var maskProducer = n.Inputs[0].Node!;
                if (!result.TryGetValue(maskProducer, out dtype)) continue;
            }
            if (!dtype.IsFloating || valueInputs.Any(t => t.DType != dtype)) continue;
            if (!e.ProducesMask && n.Outputs[0].DType != dtype) continue;
            if (e.ProducesMask && context.IsKept(n)) continue;
            result[n] = dtype;
        }
        // A mask must stay inside its group: every reader must be a candidate that takes it as a mask.
        bool dropped = true;
        while (dropped)
        {
            dropped = false;
            foreach (var n in result.Keys.ToList())
            {
                var e = FusedOps.Of(n.Op)!;
                bool ok = !e.ProducesMask || (uses.ControlCount(n) == 0 && uses.Of(n.Outputs[0]).All(u => result.ContainsKey(u.Node) && FusedOps.Of(u.Node.Op)!.TakesMask(u.Index)));
                for (int k = 0; k < n.Inputs.Length && ok; k++)
                    if (e.TakesMask(k)) ok = result.ContainsKey(n.Inputs[k].Node!);
                if (ok) continue;
                result.Remove(n);
                dropped = true;
            }
        }
        return result;
    }

    /// <summary>Grows groups in graph order: each candidate joins the groups of its producers when the union stays free
    /// of outside paths; groups with fewer than two real ops are dropped.</summary>
    private List<Cluster> Form(Graph graph, Dictionary<Node, DType> candidates, GraphUses uses, Dictionary<Node, int> position)
    {
        var clusterOf = new Dictionary<Node, Cluster>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
        {
            if (!candidates.TryGetValue(n, out var dtype)) continue;
            var c = new Cluster(n, dtype);
            clusterOf[n] = c;
            foreach (var t in n.Inputs)
            {
                if (!clusterOf.TryGetValue(t.Node!, out var pc) || pc == c || pc.DType != c.DType || pc.Shape != c.Shape) continue;
                if (pc.Members.Count + c.Members.Count > MaxOps || !Convex(pc, c, uses, position)) continue;
                foreach (var m in c.Members) { pc.Set.Add(m); clusterOf[m] = pc; }
                pc.Members.AddRange(c.Members);
                pc.Members.Sort((a, b) => position[a].CompareTo(position[b]));
                c = pc;
            }
        }
        var clusters = clusterOf.Values.Distinct().ToList();
        // Masks may not cross a group's boundary; dissolving one group can break another, so repeat.
        bool dissolved = true;
        while (dissolved)
        {
            dissolved = false;
            foreach (var c in clusters.ToList())
            {
                if (MasksStayInside(c, uses)) continue;
                clusters.Remove(c);
                foreach (var m in c.Members) clusterOf.Remove(m);
                dissolved = true;
            }
        }
        return [.. clusters.Where(c => c.Members.Count(m => m.Op != MathOps.ZerosLikeDef && m.Op != MathOps.OnesLikeDef) >= 2)];
    }

    private static bool MasksStayInside(Cluster c, GraphUses uses)
    {
        foreach (var m in c.Members)
        {
            var e = FusedOps.Of(m.Op)!;
            if (e.ProducesMask && uses.Of(m.Outputs[0]).Any(u => !c.Set.Contains(u.Node))) return false;
            for (int k = 0; k < m.Inputs.Length; k++)
                if (e.TakesMask(k) && !c.Set.Contains(m.Inputs[k].Node!)) return false;
        }
        return true;
    }

    /// <summary>True when no path leaves the union of <paramref name="a"/> and <paramref name="b"/> and comes back: walk
    /// forward from the union through outside nodes placed before its last member.</summary>
    private static bool Convex(Cluster a, Cluster b, GraphUses uses, Dictionary<Node, int> position)
    {
        bool In(Node n) => a.Set.Contains(n) || b.Set.Contains(n);
        int last = Math.Max(position[a.Members[^1]], position[b.Members[^1]]);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        foreach (var m in a.Members.Concat(b.Members))
            foreach (var u in uses.Users(m))
                if (!In(u) && position[u] < last && seen.Add(u)) stack.Push(u);
        while (stack.Count > 0)
        {
            foreach (var u in uses.Users(stack.Pop()))
            {
                if (In(u)) return false;
                if (position[u] < last && seen.Add(u)) stack.Push(u);
            }
        }
        return true;
    }
    /// <summary>The output graph: every group becomes one FusedElementwise node placed where all its inputs are ready and
    /// before all its readers (a topological order of the graph with groups contracted to single nodes).</summary>
    private Graph Rebuild(Graph graph, List<Cluster> clusters, Dictionary<Node, DType> candidates, GraphUses uses, PassContext context)
    {
        var clusterOf = new Dictionary<Node, Cluster>(ReferenceEqualityComparer.Instance);
        foreach (var c in clusters) foreach (var m in c.Members) clusterOf[m] = c;
        var rb = new GraphRebuild(graph, context);
        foreach (var item in ContractedOrder(graph, clusterOf))
        {
            if (item is Node n) rb.Copy(n);
            else Emit((Cluster)item, rb, uses, context);
        }
        return rb.Target;
    }

    private void Emit(Cluster c, GraphRebuild rb, GraphUses uses, PassContext context)
    {
        var program = new FusedProgram.Builder();
        var temp = new Dictionary<Node, FusedProgram.Arg>(ReferenceEqualityComparer.Instance);
        var inputs = new List<Tensor>();
        var inputIndex = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        FusedProgram.Arg ArgFor(Tensor t)
        {
            if (temp.TryGetValue(t.Node!, out var a)) return a;
            if (t.Node!.Op == StateOps.ConstDef && t.Rank == 0 && t.DType == c.DType)
                return new FusedProgram.Arg(FusedProgram.ArgKind.Constant, 0, t.Node.Attrs.Get<Tensor>("value").ToDoubleArray()[0]);
            if (!inputIndex.TryGetValue(t, out int k))
            {
                inputIndex[t] = k = inputs.Count;
                inputs.Add(t);
            }
            return new FusedProgram.Arg(FusedProgram.ArgKind.Input, k, 0);
        }
        foreach (var m in c.Members)
        {
            var e = FusedOps.Of(m.Op)!;
            temp[m] = program.Add(m.Op, e.AttrOf(m.Attrs), [.. m.Inputs.Select(ArgFor)]);
        }
        var outputs = c.Members.Where(m => context.IsKept(m) || uses.ControlCount(m) > 0 || uses.Of(m.Outputs[0]).Any(u => !c.Set.Contains(u.Node))).ToList();
        if (inputs.Count == 0)
        {
            // Only constants: nothing gives the loop a shape at run time (constant folding handles this case).
            foreach (var m in c.Members) rb.Copy(m);
            return;
        }
        var attrs = new Attrs
        {
            { "program", program.Build() },
            { "outputs", outputs.Select(m => temp[m].Index).ToArray() },
            { "dtype", c.DType },
        };
        var fused = rb.Emit("Fused", FusedKernelOps.FusedElementwiseDef, [.. inputs.Select(rb.Map)], attrs, [], [.. outputs.Select(m => TensorSpec.Of(m.Outputs[0]))]);
        for (int j = 0; j < outputs.Count; j++) rb.Replace(outputs[j], fused.Outputs[j]);
        context.Note(Name, $"fused {c.Members.Count} ops ({string.Join(", ", c.Members.Select(m => m.Name))}) into '{fused.Name}'");
    }

    /// <summary>Nodes and groups in an order where everything comes after what it reads (depth-first from each node in graph order).</summary>
    private static List<object> ContractedOrder(Graph graph, Dictionary<Node, Cluster> clusterOf)
    {
        object ItemOf(Node n) => clusterOf.TryGetValue(n, out var c) ? c : n;
        IEnumerable<object> Dependencies(object item)
        {
            var members = item is Cluster c ? c.Members : [(Node)item];
            foreach (var m in members)
            {
                foreach (var t in m.Inputs) if (ItemOf(t.Node!) is var d && d != item) yield return d;
                foreach (var ctl in m.ControlInputs) if (ItemOf(ctl) is var d && d != item) yield return d;
            }
        }
        var order = new List<object>();
        var state = new Dictionary<object, bool>(ReferenceEqualityComparer.Instance); // false: on the stack, true: placed
        var stack = new Stack<(object Item, IEnumerator<object> Deps)>();
        foreach (var n in graph.Nodes)
        {
            var root = ItemOf(n);
            if (state.ContainsKey(root)) continue;
            state[root] = false;
            stack.Push((root, Dependencies(root).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (item, deps) = stack.Peek();
                if (deps.MoveNext())
                {
                    var d = deps.Current;
                    if (state.TryGetValue(d, out bool placed))
                    {
                        if (!placed) throw new InvalidOperationException("ElementwiseFusion: a fused group would form a cycle.");
                        continue;
                    }
                    state[d] = false;
                    stack.Push((d, Dependencies(d).GetEnumerator()));
                    continue;
                }
                stack.Pop();
                state[item] = true;
                order.Add(item);
            }
        }
        return order;
    }
}
