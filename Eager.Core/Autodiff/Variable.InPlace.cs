namespace Eager;

/// <summary>
/// In-place updates of eager variables. A read hands out a tensor over the variable's buffer and values are
/// immutable to their holders, so an update may overwrite the buffer only when no tensor over it but the variable's
/// own is reachable: then AssignAdd, AssignSub and the fused optimizer updates write into it, and otherwise they write
/// a fresh buffer that becomes the variable's (copy-on-write), leaving the old one to whoever still reads it. A tape
/// that recorded a read holds that read, so a value a gradient still needs is never overwritten; reads inside a traced
/// function or a Session run are held by the run until it ends. Graph variables (one value per Session) always copy.
/// </summary>
public sealed partial class Variable
{
    private readonly object gate = new();

    // Eager: the current value as the variable keeps it (never handed out), and the tensor reads hand out, held weakly
    // so that it dies with its last user.
    private Tensor? own;
    private WeakReference<Tensor>? shown;

    // own's storage was made for this variable: it may overwrite it once no other tensor over it is reachable.
    private bool ownsBuffer;

    private static long inPlaceUpdates, copiedUpdates, collections;

    /// <summary>Eager updates so far that wrote into the variable's own buffer (diagnostics and tests).</summary>
    public static long InPlaceUpdates => Interlocked.Read(ref inPlaceUpdates);

    /// <summary>Eager updates so far that wrote a fresh buffer because an earlier value may still be read, or the
    /// variable's buffer was shared with an assigned tensor (diagnostics and tests).</summary>
    public static long CopiedUpdates => Interlocked.Read(ref copiedUpdates);

    /// <summary>Young-generation collections run by <see cref="ReleaseStaleReads"/> so far (diagnostics and tests).</summary>
    public static long StaleReadCollections => Interlocked.Read(ref collections);

    /// <summary>The total size of variables that <see cref="ReleaseStaleReads"/> collects for (default 1 MiB): below
    /// it, copying the update costs less than a collection.</summary>
    public static long InPlaceCollectBytes { get; set; } = 1L << 20;

    /// <summary>
    /// Before an optimizer step: when an earlier read of one of these eager variables (of at least
    /// <see cref="InPlaceCollectBytes"/> in all) may still be reachable, runs one young-generation garbage collection
    /// (about 0.1 ms), so that reads nobody holds any more no longer force the step to copy. Reads still held (by user
    /// code or a tape that has not answered) keep their values either way. Optimizers call this; a hand-written loop
    /// of <see cref="AssignSub"/> may too.
    /// </summary>
    public static void ReleaseStaleReads(IEnumerable<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        long bytes = 0;
        foreach (var v in variables)
        {
            if (v is null || v.Graph is not null) continue;
            lock (v.gate)
                if (v.ownsBuffer && v.own!.Storage!.Aliases!.AnyAlive) bytes += (long)v.own.Shape.Size * v.DType.Size();
        }
        if (bytes == 0 || bytes < InPlaceCollectBytes) return;
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        Interlocked.Increment(ref collections);
    }

    /// <summary>The tensor reads hand out: the live one if somebody still holds it, else a new one.</summary>
    private Tensor? Shown()
    {
        lock (gate)
        {
            if (own is null) return null;
            if (shown is not null && shown.TryGetTarget(out var t)) return t;
            t = own.View(own.Shape, own.StridesArray, own.Offset);
            ReadsOf.AddOrUpdate(t, this);
            if (shown is null) shown = new WeakReference<Tensor>(t);
            else shown.SetTarget(t);
            return t;
        }
    }

    /// <summary>Makes <paramref name="t"/> the eager value. With <paramref name="owns"/> its storage was made for the variable
    /// (contiguous, whole, held by no other tensor) and later updates may overwrite it.</summary>
    private void Hold(Tensor t, bool owns)
    {
        lock (gate)
        {
            if (owns)
            {
                t.Storage!.Aliases = new AliasWatch();
                own = t;
            }
            else own = t.View(t.Shape, t.StridesArray, t.Offset);
            ownsBuffer = owns;
            shown = null;
        }
    }

    /// <summary>The current value for a kernel that reads it now (not handed out, so it blocks no in-place update).</summary>
    internal Tensor Current => Graph is null ? own ?? Value : Value;

    /// <summary>The variable's own buffer when nothing else can read it (the caller overwrites it now), else null.</summary>
    internal Tensor? TakeWritable()
    {
        if (Graph is not null) return null;
        lock (gate)
        {
            if (own is null || !ownsBuffer || own.Storage!.Aliases!.AnyAlive) return null;
            Interlocked.Increment(ref inPlaceUpdates);
            own.Storage.Modified();
            return own;
        }
    }

    /// <summary>Makes <paramref name="fresh"/> (a kernel's new result) the value; with <paramref name="exclusive"/> no other
    /// tensor shares its storage, and later updates may overwrite it. A graph variable's session takes it as an ordinary
    /// assignment. Hands nothing out: a slot nobody reads stays free to update in place.</summary>
    internal void Adopt(Tensor fresh, string op, bool exclusive = true)
    {
        if (Graph is not null || fresh.IsSymbolic || fresh.DType != DType || fresh.Shape != Shape)
        {
            SetValue(fresh, op);
            return;
        }
        Interlocked.Increment(ref copiedUpdates);
        bool owns = exclusive && fresh.Offset == 0 && fresh.IsContiguous && fresh.Storage is { Aliases: null } s && s.Length == fresh.Shape.Size;
        Hold(fresh, owns);
    }

    /// <summary>AssignAdd and AssignSub: into the variable's own buffer when nothing else can read it, else into a fresh one.</summary>
    internal Tensor Accumulate(string op, Tensor delta, bool subtract, Func<Tensor, Tensor, Tensor> combine)
    {
        if ((DType == DType.Float32 || DType == DType.Float64) && !delta.IsSymbolic && delta.Shape == Shape && TakeWritable() is { } buffer)
        {
            var d = delta.Contiguous();
            if (DType == DType.Float32) Apply(buffer.Span<float>(), d.Span<float>(), subtract);
            else Apply(buffer.Span<double>(), d.Span<double>(), subtract);
            d.KeepAlive();
            buffer.KeepAlive();
            return Updated();
        }
        // The arithmetic is part of the update op's kernel: run it eagerly (even while a Session runs inside a graph's
        // AsDefault scope) and unrecorded (the update has no gradient).
        Tensor r;
        var current = Current;
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
            r = combine(current, delta);
        Adopt(r, op, exclusive: !ReferenceEquals(r.Storage, current.Storage) && !ReferenceEquals(r.Storage, delta.Storage));
        return Updated();
    }

    private static void Apply<T>(Span<T> x, ReadOnlySpan<T> d, bool subtract) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        if (subtract) System.Numerics.Tensors.TensorPrimitives.Subtract(x, d, x);
        else System.Numerics.Tensors.TensorPrimitives.Add(x, d, x);
    }

    /// <summary>The value after an update, as reads see it.</summary>
    internal Tensor Updated() => Graph is null ? Shown()! : Value;
}
