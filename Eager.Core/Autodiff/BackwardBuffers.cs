namespace Eager;

/// <summary>
/// The gradient buffers one backward pass creates, so it can return each to the pool as soon as the pass has passed
/// it on, instead of leaving it for the GC. Only the pass itself sees these tensors: a gradient rule's result goes
/// into the pass's map of gradients and nowhere else, so once no entry of the map uses a buffer it is dead. A buffer
/// counts as the pass's own only when an op created it on this thread while the pass ran (a fresh output of an op
/// that is not stateful, carries no tensors or code in its attributes and does not alias an input: the rule a
/// <see cref="RunMemory"/> plan uses for the buffers of a Session run), and the pass tracks only while nothing else
/// can keep what its rules create: no other tape records, no graph is being built, no user code runs (custom
/// gradients and the per-variable callback are left out).
/// </summary>
internal sealed class BackwardBuffers
{
    [ThreadStatic] private static int current;
    private static int lastId;
    private static long releasedTotal;

    private readonly int id = NextId();
    private readonly int outer;
    private readonly Dictionary<Storage, int> uses = new(ReferenceEqualityComparer.Instance);

    private BackwardBuffers() => outer = current;

    private static int NextId()
    {
        int i;
        do i = Interlocked.Increment(ref lastId); while (i == 0);
        return i;
    }

    /// <summary>Pooled gradient buffers returned early by backward passes so far (diagnostics and tests).</summary>
    public static long ReleasedTotal => Interlocked.Read(ref releasedTotal);

    /// <summary>True while a tracking pass runs on this thread (the dispatcher then stamps fresh outputs).</summary>
    public static bool Tracking => current != 0;

    /// <summary>Starts tracking on this thread, or null when what the pass creates could be kept by someone else.</summary>
    public static BackwardBuffers? Begin(GradientTape tape)
    {
        if (Graph.Current is not null || !GradientTape.OnlyRecorder(tape)) return null;
        var b = new BackwardBuffers();
        current = b.id;
        return b;
    }

    /// <summary>Stops tracking (and restores an enclosing pass's tracking).</summary>
    public void End() => current = outer;

    /// <summary>Runs <paramref name="userCode"/> with tracking off: what it creates may be kept anywhere.</summary>
    public void Untracked(Action userCode)
    {
        current = 0;
        try { userCode(); }
        finally { current = id; }
    }

    /// <summary>Marks the fresh outputs of an op that ran while a pass tracks.</summary>
    public static void Stamp(OpDef op, Tensor[] inputs, Attrs attrs, Tensor[] outputs)
    {
        if (op.IsStateful || CarriesValues(attrs)) return;
        foreach (var y in outputs)
        {
            var s = y.Storage;
            if (s is null || s.BornIn != 0 || !s.IsPooled || s.IsReleased) continue;
            bool alias = false;
            foreach (var x in inputs) alias |= ReferenceEquals(x.Storage, s);
            if (!alias) s.BornIn = current;
        }
    }

    private static bool CarriesValues(Attrs attrs)
    {
        if (attrs.Count == 0) return false;
        foreach (var kv in attrs)
            if (kv.Value is Tensor or Variable or Subgraph or Graph or Delegate or CustomGradientFunction or IEnumerable<Tensor> or IEnumerable<Variable>)
                return true;
        return false;
    }

    /// <summary>A gradient map entry now holds <paramref name="t"/>.</summary>
    public void Hold(Tensor t)
    {
        if (t.Storage is { } s && s.BornIn == id) uses[s] = uses.GetValueOrDefault(s) + 1;
    }

    /// <summary>A gradient map entry no longer holds <paramref name="t"/>: the last one returns a buffer of the pass's own.</summary>
    public void Drop(Tensor t)
    {
        if (t.Storage is not { } s || s.BornIn != id || !uses.TryGetValue(s, out int n)) return;
        if (n > 1) { uses[s] = n - 1; return; }
        uses.Remove(s);
        if (s.Release()) Interlocked.Increment(ref releasedTotal);
    }
}
