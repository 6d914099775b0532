namespace Eager;

/// <summary>
/// Builds a pass's output graph node by node from its input graph: most nodes are copied unchanged, some are
/// replaced by other tensors or by new nodes. Copies keep names, ops, attributes and output specs; a replaced
/// node that must be kept becomes an Identity of its replacement under its own name. New node names never clash
/// with a name of the source graph, so every source node can still be copied later.
/// </summary>
internal sealed class GraphRebuild
{
    private readonly Dictionary<Tensor, Tensor> tensors = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Node, Node?> nodes = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);
    private readonly PassContext context;

    public GraphRebuild(Graph source, PassContext context)
    {
        this.context = context;
        foreach (var n in source.Nodes) taken.Add(n.Name);
    }

    /// <summary>
    /// Runs a pass that visits each node once, in order: <paramref name="rewrite"/> gets the rebuild, the node and its
    /// mapped inputs, and either rewrites the node through the rebuild (returning true) or leaves it to be copied
    /// unchanged. Returns the source graph itself when nothing changed, else the rebuilt graph without dead nodes.
    /// </summary>
    public static Graph Rewrite(Graph graph, PassContext context, Func<GraphRebuild, Node, Tensor[], bool> rewrite, out bool changed)
    {
        var rb = new GraphRebuild(graph, context);
        foreach (var n in graph.Nodes)
        {
            var inputs = rb.MapInputs(n);
            if (!rewrite(rb, n, inputs)) rb.Copy(n, inputs, rb.MapControls(n));
        }
        changed = rb.Changed;
        if (!changed) return graph;
        GraphUses.RemoveDead(rb.Target, context);
        return rb.Target;
    }

    /// <summary>The graph being built.</summary>
    public Graph Target { get; } = new();

    /// <summary>True once anything other than a plain copy happened.</summary>
    public bool Changed { get; private set; }

    /// <summary>The target tensor standing for source tensor <paramref name="t"/>.</summary>
    public Tensor Map(Tensor t) => tensors.TryGetValue(t, out var m) ? m
        : throw new InvalidOperationException($"GraphRebuild: '{t.Name}' is used before its node was copied or replaced.");

    /// <summary>The mapped data inputs of <paramref name="n"/>.</summary>
    public Tensor[] MapInputs(Node n)
    {
        var r = new Tensor[n.Inputs.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Map(n.Inputs[i]);
        return r;
    }

    /// <summary>The mapped control inputs of <paramref name="n"/> (a dropped control input is left out; a replaced one
    /// stands for the node producing its replacement), without duplicates.</summary>
    public Node[] MapControls(Node n)
    {
        if (n.ControlInputs.Length == 0) return [];
        var list = new List<Node>(n.ControlInputs.Length);
        foreach (var c in n.ControlInputs)
            if (nodes.TryGetValue(c, out var m) && m is not null && !list.Contains(m)) list.Add(m);
        return [.. list];
    }

    /// <summary>True when <paramref name="n"/> has been copied, replaced or dropped.</summary>
    public bool Done(Node n) => nodes.ContainsKey(n);

    /// <summary>Copies <paramref name="n"/> with its inputs mapped.</summary>
    public Node Copy(Node n) => Copy(n, MapInputs(n), MapControls(n));

    /// <summary>Copies <paramref name="n"/> with other (already target) inputs and control inputs.</summary>
    public Node Copy(Node n, Tensor[] inputs, Node[] controls)
    {
        var specs = new TensorSpec[n.Outputs.Length];
        for (int i = 0; i < specs.Length; i++) specs[i] = TensorSpec.Of(n.Outputs[i]);
        var m = Target.AddNodeExact(n.Name, n.Op, inputs, n.Attrs, controls, specs);
        Bind(n, m, m.Outputs);
        return m;
    }

    /// <summary>Adds a new node named after <paramref name="baseName"/> (made unique); specs are inferred unless given.</summary>
    public Node Emit(string baseName, OpDef op, Tensor[] inputs, Attrs attrs, Node[]? controls = null, TensorSpec[]? specs = null)
    {
        Changed = true;
        return Target.AddNodeExact(FreshName(baseName), op, inputs, attrs, controls ?? [], specs ?? op.Infer(inputs, attrs));
    }

    /// <summary>Adds a node under exactly <paramref name="name"/>, which must be the name of the source node it replaces.</summary>
    public Node EmitNamed(string name, OpDef op, Tensor[] inputs, Attrs attrs, Node[] controls, TensorSpec[] specs)
    {
        Changed = true;
        return Target.AddNodeExact(name, op, inputs, attrs, controls, specs);
    }

    /// <summary>Makes every use of <paramref name="n"/>'s outputs use <paramref name="replacements"/> (target tensors)
    /// instead. A kept node becomes an Identity of its replacement, under its own name.</summary>
    public void Replace(Node n, params Tensor[] replacements)
    {
        if (replacements.Length != n.Outputs.Length)
            throw new ArgumentException($"GraphRebuild: node '{n.Name}' has {n.Outputs.Length} outputs; got {replacements.Length} replacements.");
        Changed = true;
        if (context.IsKept(n))
        {
            if (n.Outputs.Length != 1) throw new InvalidOperationException($"GraphRebuild: the kept node '{n.Name}' has {n.Outputs.Length} outputs and cannot be replaced.");
            var id = Target.AddNodeExact(n.Name, StateOps.IdentityDef, [replacements[0]], Attrs.Empty, MapControls(n), [TensorSpec.Of(n.Outputs[0])]);
            Bind(n, id, id.Outputs);
            return;
        }
        var producer = replacements.Length > 0 ? replacements[0].Node : null;
        Bind(n, producer, replacements);
    }

    /// <summary>Leaves <paramref name="n"/> out (it must have no remaining users).</summary>
    public void Drop(Node n)
    {
        Changed = true;
        nodes[n] = null;
    }

    /// <summary>A name not used in the source graph nor yet in the target.</summary>
    public string FreshName(string baseName)
    {
        if (taken.Add(baseName)) return baseName;
        for (int i = 1; ; i++)
        {
            var candidate = $"{baseName}_{i}";
            if (taken.Add(candidate)) return candidate;
        }
    }

    /// <summary>Records that <paramref name="source"/> is now <paramref name="target"/> with these outputs.</summary>
    public void Bind(Node source, Node? target, Tensor[] outputs)
    {
        nodes[source] = target;
        for (int i = 0; i < outputs.Length; i++) tensors[source.Outputs[i]] = outputs[i];
    }
}
