namespace Eager;

/// <summary>
/// A connected set of layout-agnostic nodes that <see cref="LayoutPropagation"/> computes in a transposed layout:
/// every tensor t of the region is held as t' with t = Transpose(t', Perm). Entries are transposes by Perm whose
/// input becomes t' directly; exits are transposes reading a region tensor, merged with Perm (and gone when that
/// gives the identity). Operands from outside are transposed by the inverse on the way in; region tensors that a
/// node outside reads are transposed back once.
/// </summary>
internal sealed class LayoutRegion
{
    private LayoutRegion(int[] perm)
    {
        Perm = perm;
        Inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) Inverse[perm[i]] = i;
    }

    public int[] Perm { get; }
    public int[] Inverse { get; }
    public HashSet<Node> Nodes { get; } = new(ReferenceEqualityComparer.Instance);
    public HashSet<Node> Entries { get; } = new(ReferenceEqualityComparer.Instance);
    public HashSet<Node> Exits { get; } = new(ReferenceEqualityComparer.Instance);
    /// <summary>Nodes replaced along with a member: the reshape and resize inside a channel resize.</summary>
    public HashSet<Node> Dropped { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Members that stand for a Reshape -> Resize -> Reshape chain, to the chain's first reshape and resize.</summary>
    public Dictionary<Node, (Node First, Node Resize)> Composite { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The inputs a member computes from: a channel resize reads what its first reshape reads.</summary>
    public Tensor[] InputsOf(Node n) => Composite.TryGetValue(n, out var chain) ? [chain.First.Inputs[0]] : n.Inputs;

    public HashSet<Tensor> Tensors { get; } = new(ReferenceEqualityComparer.Instance);
    public HashSet<Tensor> NeedOriginal { get; } = new(ReferenceEqualityComparer.Instance);
    public Dictionary<Tensor, Tensor> Converted { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many fewer elements transposes move with the region rewritten.</summary>
    public long Gain { get; private set; }

    /// <summary>The regions worth rewriting, disjoint, found from every transpose of the graph.</summary>
    public static List<LayoutRegion> FindAll(Graph graph, PassContext context)
    {
        var uses = new GraphUses(graph);
        var claimed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var found = new List<LayoutRegion>();
        foreach (var t in graph.Nodes)
        {
            if (!IsTranspose(t) || claimed.Contains(t) || !Movable(t, uses, context)) continue;
            var perm = PermOf(t);
            // From the transpose's output (computing after it in its input's layout), else from the op before it.
            var r = Grow(perm, t, null, uses, context);
            if (r is null || r.Gain <= 0 || r.Touches(claimed))
            {
                var producer = t.Inputs[0].Node!;
                r = LayoutRules.IsAgnostic(producer, perm.Length, uses, context) ? Grow(InverseOf(perm), null, producer, uses, context) : null;
                if (r is null || r.Gain <= 0 || r.Touches(claimed)) continue;
            }
            found.Add(r);
            foreach (var n in r.Nodes.Concat(r.Entries).Concat(r.Exits).Concat(r.Dropped)) claimed.Add(n);
        }
        return found;
    }

    private bool Touches(HashSet<Node> claimed) =>
        Nodes.Any(claimed.Contains) || Entries.Any(claimed.Contains) || Exits.Any(claimed.Contains) || Dropped.Any(claimed.Contains);

    private static LayoutRegion? Grow(int[] perm, Node? entry, Node? member, GraphUses uses, PassContext context)
    {
        int rank = perm.Length;
        var r = new LayoutRegion(perm);
        var joined = new Stack<Node>();
        var visit = new Queue<Tensor>();
        void AddEntry(Node e)
        {
            if (!r.Entries.Add(e)) return;
            r.Tensors.Add(e.Outputs[0]);
            visit.Enqueue(e.Outputs[0]);
        }
        void Join(Node n)
        {
            if (r.Nodes.Add(n)) joined.Push(n);
        }
        // The importer resizes NCHW images as [N*C, H, W, 1]; held NHWC, the chain is one Resize.
        bool JoinResize(Node back)
        {
            if (!IsNhwcOfNchw(perm) || r.Nodes.Contains(back) || !LayoutRules.IsChannelResize(back, uses, context, out var first, out var resize)) return false;
            r.Dropped.Add(first);
            r.Dropped.Add(resize);
            r.Composite[back] = (first, resize);
            Join(back);
            return true;
        }
        if (entry is not null) AddEntry(entry);
        if (member is not null) Join(member);
        while (joined.Count > 0 || visit.Count > 0)
        {
            if (joined.TryPop(out var n))
            {
                foreach (var t in r.InputsOf(n))
                {
                    if (r.Tensors.Contains(t)) continue;
                    var p = t.Node!;
                    if (r.Exits.Contains(p) || r.Dropped.Contains(p)) continue;
                    if (IsTranspose(p) && Movable(p, uses, context) && PermOf(p).SequenceEqual(perm)) AddEntry(p);
                    else if (t.Rank == rank && !ReferenceEquals(p.Op, StateOps.ConstDef) && LayoutRules.IsAgnostic(p, rank, uses, context)) Join(p);
                    else if (t.Rank == rank) JoinResize(p);
                }
                foreach (var o in n.Outputs)
                    if (r.Tensors.Add(o)) visit.Enqueue(o);
                continue;
            }
            var v = visit.Dequeue();
            foreach (var (u, _) in uses.Of(v))
            {
                // A transpose already taken as an entry reads this tensor in the original layout.
                if (r.Nodes.Contains(u) || r.Exits.Contains(u) || r.Entries.Contains(u) || r.Dropped.Contains(u)) continue;
                if (IsTranspose(u) && u.ControlInputs.Length == 0 && uses.ControlCount(u) == 0) r.Exits.Add(u);
                else if (LayoutRules.IsAgnostic(u, rank, uses, context)) Join(u);
                else if (LayoutRules.ChannelResizeFrom(u, uses) is { } back) JoinResize(back);
            }
        }
        r.Score(uses, context);
        return r;
    }

    private void Score(GraphUses uses, PassContext context)
    {
        // Weighted by elements moved (unknown dimensions count as 1), so a transpose kept on a reduced [N, C, 1, 1]
        // tensor costs less than one removed from a whole activation.
        long gain = 0;
        foreach (var t in Tensors)
        {
            bool outside = context.IsKept(t.Node!);
            foreach (var (u, _) in uses.Of(t))
                if (!Nodes.Contains(u) && !Exits.Contains(u) && !Dropped.Contains(u)) outside = true;
            if (outside) NeedOriginal.Add(t);
        }
        foreach (var e in Entries) if (!NeedOriginal.Contains(e.Outputs[0])) gain += Size(e.Outputs[0]);
        foreach (var x in Exits) if (IsIdentity(Compose(Perm, PermOf(x)))) gain += Size(x.Outputs[0]);
        foreach (var n in Nodes)
            foreach (var o in n.Outputs)
                if (NeedOriginal.Contains(o)) gain -= Size(o);
        var boundary = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var n in Nodes)
            foreach (var t in InputsOf(n))
                if (!Tensors.Contains(t) && t.Rank > 0 && !ReferenceEquals(t.Node!.Op, StateOps.ConstDef) && boundary.Add(t)) gain -= Size(t);
        Gain = gain;
    }

    private static long Size(Tensor t)
    {
        long n = 1;
        for (int i = 0; i < t.Rank; i++) if (t.Shape[i] > 0) n *= t.Shape[i];
        return n;
    }

    /// <summary>True when region tensors are NCHW tensors held as NHWC.</summary>
    private static bool IsNhwcOfNchw(int[] perm) => perm is [0, 3, 1, 2];

    public static bool IsTranspose(Node n) => ReferenceEquals(n.Op, ArrayOps.TransposeDef) && !n.Inputs[0].Shape.IsUnknownRank;

    /// <summary>A transpose this pass may remove: not kept, no control edges, rank known.</summary>
    private static bool Movable(Node t, GraphUses uses, PassContext context) =>
        !context.IsKept(t) && t.ControlInputs.Length == 0 && uses.ControlCount(t) == 0;

    public static int[] PermOf(Node t)
    {
        var p = t.Attrs.Ints("perm");
        int rank = t.Inputs[0].Rank;
        return [.. p.Select(v => v < 0 ? v + rank : v)];
    }

    /// <summary>The single permutation equal to transposing by <paramref name="first"/> and then by <paramref name="then"/>.</summary>
    public static int[] Compose(int[] first, int[] then) => [.. then.Select(p => first[p])];

    public static int[] InverseOf(int[] perm)
    {
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        return inv;
    }

    public static bool IsIdentity(int[] perm)
    {
        for (int i = 0; i < perm.Length; i++) if (perm[i] != i) return false;
        return true;
    }
}
