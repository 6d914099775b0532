namespace Eager;

/// <summary>What a Session compiles: the fetched tensors, the target operations and the fed tensors, all of one graph.
/// Equality is by identity of the tensors and nodes, so it keys the plan cache.</summary>
internal sealed class PlanKey : IEquatable<PlanKey>
{
    public PlanKey(Tensor[] fetches, Node[] targets, Tensor[] feeds, int[]? feedRanks = null)
    {
        Fetches = fetches;
        Targets = targets;
        Feeds = feeds;
        FeedRanks = feedRanks;
        var h = new HashCode();
        foreach (var t in fetches) h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t));
        h.Add(-1);
        foreach (var n in targets) h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(n));
        h.Add(-2);
        foreach (var t in feeds) h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t));
        if (feedRanks is not null) foreach (var r in feedRanks) h.Add(r);
        hash = h.ToHashCode();
    }

    private readonly int hash;

    public Tensor[] Fetches { get; }

    public Node[] Targets { get; }

    /// <summary>Fed tensors in a canonical order (by node id, then output index).</summary>
    public Tensor[] Feeds { get; }

    /// <summary>For each feed, the rank of the fed value where the fed tensor has unknown rank, else -1; null when no fed
    /// tensor has unknown rank. A plan is compiled per combination of ranks.</summary>
    public int[]? FeedRanks { get; }

    public bool Equals(PlanKey? other) => other is not null && hash == other.hash &&
        Fetches.AsSpan().SequenceEqual(other.Fetches, ReferenceEqualityComparer.Instance) &&
        Targets.AsSpan().SequenceEqual(other.Targets, ReferenceEqualityComparer.Instance) &&
        Feeds.AsSpan().SequenceEqual(other.Feeds, ReferenceEqualityComparer.Instance) &&
        (FeedRanks ?? []).AsSpan().SequenceEqual(other.FeedRanks ?? []);

    public override bool Equals(object? obj) => Equals(obj as PlanKey);

    public override int GetHashCode() => hash;
}

/// <summary>
/// Compiles a <see cref="PlanKey"/> into an <see cref="ExecutionPlan"/>: prune to what the fetches and targets
/// need, copy that part into a graph of its own, run the rewrite step (the optimiser's pass pipeline plugs in
/// there), verify, then lower to steps over value slots.
/// </summary>
internal static class PlanBuilder
{
    public static ExecutionPlan Build(Graph graph, PlanKey key, SessionOptions options)
    {
        var fed = new HashSet<Tensor>(key.Feeds, ReferenceEqualityComparer.Instance);
        var needed = Prune(graph, key, fed);

        var copy = GraphCopy.Extract(graph, needed, key.Feeds, out var tensorMap, out var nodeMap);
        if (key.FeedRanks is { } ranks)
        {
            var fedRanks = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < ranks.Length; i++)
                if (ranks[i] >= 0) fedRanks[tensorMap[key.Feeds[i]].Node!.Name] = ranks[i];
            copy = GraphCopy.Specialize(copy, fedRanks);
        }
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in key.Fetches) keep.Add(tensorMap[t].Node!.Name);
        foreach (var t in key.Feeds) keep.Add(tensorMap[t].Node!.Name);
        foreach (var n in key.Targets) keep.Add(nodeMap[n].Name);

        var program = Optimize(copy, keep, options);
        if (options.VerifyGraphs) GraphVerifier.Verify(program);
        var plan = Lower(program, [.. key.Feeds.Select(t => tensorMap[t].Name!)], [.. key.Fetches.Select(t => tensorMap[t].Name!)], options.InterOpParallelism, options.PlanMemory);
        plan.Source = graph;
        return plan;
    }

    /// <summary>The graph-to-graph step before lowering: the optimiser's pass pipeline runs here.
    /// It must keep the nodes named in <paramref name="keep"/> (fetches, feeds, targets) and their output specs.</summary>
    private static Graph Optimize(Graph graph, IReadOnlySet<string> keep, SessionOptions options) =>
        options.Rewriter is null ? graph : options.Rewriter(graph, keep) ?? throw new InvalidOperationException("Session: the graph rewriter returned null.");

    /// <summary>The nodes the fetches and targets need, in graph order; fed tensors cut the walk.
    /// Refuses a needed placeholder that is not fed, naming it.</summary>
    private static List<Node> Prune(Graph graph, PlanKey key, HashSet<Tensor> fed)
    {
        var needed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var neededBy = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        foreach (var t in key.Fetches)
        {
            if (fed.Contains(t)) continue;
            stack.Push(t.Node!);
            neededBy.TryAdd(t.Node!, t.Name!);
        }
        foreach (var n in key.Targets) { stack.Push(n); neededBy.TryAdd(n, n.Name); }
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!needed.Add(n)) continue;
            var why = neededBy[n];
            foreach (var t in n.Inputs)
            {
                if (fed.Contains(t)) continue;
                neededBy.TryAdd(t.Node!, why);
                stack.Push(t.Node!);
            }
            foreach (var c in n.ControlInputs) { neededBy.TryAdd(c, why); stack.Push(c); }
        }
        foreach (var n in needed)
        {
            if (n.Op != GraphOps.PlaceholderDef) continue;
            var o = n.Outputs[0];
            throw new ArgumentException(
                $"Session.Run: placeholder '{n.Name}' ({o.DType.Name()}, shape {o.Shape}) must be fed: '{neededBy[n]}' depends on it. " +
                $"Pass it in the FeedDict: new FeedDict {{ {{ {n.Name}, value }} }}.");
        }
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var nodes = graph.Nodes;
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;
        foreach (var n in needed)
            if (!position.ContainsKey(n)) throw new ArgumentException($"Session.Run: node '{n.Name}' is referenced but is not in the session's graph.");
        return [.. needed.OrderBy(n => position[n])];
    }

    /// <summary>An attribute through which a kernel can return a tensor the run did not create (a Const's value, a
    /// variable's current value, whatever a subgraph or callback hands back).</summary>
    private static bool CarriesValues(object v) =>
        v is Tensor or Variable or Subgraph or Graph or Delegate or IEnumerable<Tensor> or IEnumerable<Variable>;

    /// <summary>Steps over value slots, in the graph's (topological) order. Fed placeholders are not run.</summary>
    private static ExecutionPlan Lower(Graph program, string[] feedNames, string[] fetchNames, InterOpParallelism parallelism, bool planMemory)
    {
        var slotOf = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var byName = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in program.Nodes)
        {
            byName[n.Name] = n;
            foreach (var o in n.Outputs) slotOf[o] = slotOf.Count;
        }
        Tensor Resolve(string name, string role)
        {
            int colon = name.LastIndexOf(':');
            if (!byName.TryGetValue(name[..colon], out var n) || !int.TryParse(name[(colon + 1)..], out int k) || k >= n.Outputs.Length)
                throw new InvalidOperationException($"Session: the {role} '{name}' is missing from the compiled graph; a rewrite removed or renamed it.");
            return n.Outputs[k];
        }
        var feeds = feedNames.Select(f => Resolve(f, "feed")).ToArray();
        var fetches = fetchNames.Select(f => Resolve(f, "fetch")).ToArray();
        var fedNodes = new HashSet<Node>(feeds.Select(t => t.Node!), ReferenceEqualityComparer.Instance);
        var fetchSlots = new HashSet<int>(fetches.Select(t => slotOf[t]));

        var run = program.Nodes.Where(n => !fedNodes.Contains(n)).ToList();
        foreach (var n in run)
            if (n.Op == GraphOps.PlaceholderDef) throw new ArgumentException($"Session.Run: placeholder '{n.Name}' must be fed.");

        // The last step reading each slot releases it, unless it is fetched.
        var lastUse = new Dictionary<int, int>();
        for (int i = 0; i < run.Count; i++)
            foreach (var t in run[i].Inputs) lastUse[slotOf[t]] = i;
        var releaseAt = new List<int>[run.Count];
        foreach (var (slot, step) in lastUse)
        {
            if (fetchSlots.Contains(slot)) continue;
            (releaseAt[step] ??= []).Add(slot);
        }
        // Outputs nobody reads (the unused half of a Split, a dead gradient) die right after their step.
        for (int i = 0; i < run.Count; i++)
            foreach (var o in run[i].Outputs)
                if (!lastUse.ContainsKey(slotOf[o]) && !fetchSlots.Contains(slotOf[o])) (releaseAt[i] ??= []).Add(slotOf[o]);
        var steps = new ExecutionPlan.Step[run.Count];
        for (int i = 0; i < run.Count; i++)
        {
            var n = run[i];
            steps[i] = new ExecutionPlan.Step(n.Name, n.Op, n.Attrs,
                [.. n.Inputs.Select(t => slotOf[t])], [.. n.Outputs.Select(t => slotOf[t])],
                [.. n.Outputs.Select(TensorSpec.Of)],
                n.Inputs.Any(t => !t.Shape.IsFullyDefined),
                releaseAt[i]?.ToArray() ?? [],
                OwnsOutputs: planMemory && !n.Op.IsStateful && !n.Attrs.Any(kv => CarriesValues(kv.Value)),
                RetainsInputs: n.Op.KeepsInputs || n.Attrs.Any(kv => kv.Value is Subgraph));
        }
        var fetchSlotArray = fetches.Select(t => slotOf[t]).ToArray();
        var schedule = ExecutionPlan.PlanParallel(steps, [.. run], slotOf.Count, fetchSlotArray, parallelism);
        return new ExecutionPlan(program, steps, slotOf.Count, [.. feeds.Select(t => slotOf[t])], fetchSlotArray, schedule);
    }
}
