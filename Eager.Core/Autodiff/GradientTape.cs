using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>What <see cref="GradientTape.Gradient(Tensor, Tensor, Tensor?, UnconnectedGradients)"/> returns for a source the target does not depend on.</summary>
public enum UnconnectedGradients
{
    /// <summary>null, as in TensorFlow.</summary>
    None,

    /// <summary>Zeros shaped like the source.</summary>
    Zero,
}

/// <summary>
/// Records ops run while it is active (a <c>using</c> scope) so gradients can be computed afterwards,
/// TensorFlow 2 style. Tensors must be watched (<see cref="Watch(Tensor)"/>); trainable variables read
/// inside the scope are watched by themselves. Gradient rules are ordinary ops, so an outer tape records
/// the backward pass of an inner one (higher-order gradients) and a tape inside a traced function builds
/// a symbolic gradient. A persistent tape also records its own backward passes run inside its scope, so
/// <c>tape.Gradient(tape.Gradient(y, x), x)</c> works on it as in TensorFlow. The active tapes flow with
/// the async context.
/// </summary>
public sealed partial class GradientTape : IDisposable
{
    private static readonly AsyncLocal<GradientTape[]?> Active = new();
    private static readonly AsyncLocal<int> NoGradientDepth = new();
    private static int activeCount;

    private readonly Dictionary<Variable, List<Tensor>> variableReads = new(ReferenceEqualityComparer.Instance);
    private readonly TapeLog records = new();
    private readonly object gate = new();

    // Tensors derived from watched ones through something this tape did not record, with the reason
    // (for ExplainNullGradient). Weak keys: the diagnostic must not keep tensors alive.
    private ConditionalWeakTable<Tensor, string> cuts = new();
    private bool anyCut;
    private int stopDepth;
    private bool used, disposed;

    /// <summary>Starts recording on the current (async) context.</summary>
    /// <param name="persistent">When true, <see cref="Gradient(Tensor, Tensor, Tensor?, UnconnectedGradients)"/> may be called
    /// many times; otherwise once (then the tape stops recording and frees what it holds).</param>
    /// <param name="watchAccessedVariables">When true, trainable variables read inside the scope are watched by themselves.</param>
    public GradientTape(bool persistent = false, bool watchAccessedVariables = true)
    {
        Persistent = persistent;
        WatchAccessedVariables = watchAccessedVariables;
        var cur = Active.Value ?? [];
        Active.Value = [.. cur, this];
        Interlocked.Increment(ref activeCount);
    }

    /// <summary>A persistent tape can answer many Gradient calls.</summary>
    public bool Persistent { get; }

    /// <summary>Whether trainable variables read inside the scope are watched automatically.</summary>
    public bool WatchAccessedVariables { get; }

    internal static bool AnyActive => Volatile.Read(ref activeCount) > 0;

    /// <summary>True when a tape is recording on this async context (Function runs its body eagerly then, so the tape sees every op).</summary>
    internal static bool ActiveHere => Active.Value is { Length: > 0 };

    /// <summary>Variables watched by this tape (read while recording, or passed to <see cref="Watch(Variable)"/>), in first-watch order.</summary>
    public IReadOnlyList<Variable> WatchedVariables { get { lock (gate) return [.. variableReads.Keys]; } }

    /// <summary>Watches a tensor: ops on it are recorded. Integer and bool tensors are ignored (they carry no gradient).</summary>
    /// <exception cref="ObjectDisposedException">The tape was disposed.</exception>
    public void Watch(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        ThrowIfDisposed();
        if (!t.DType.IsFloating) return;
        lock (gate) MarkWatched(t);
    }

    /// <summary>Watches a variable: its reads are recorded even when it is not trainable or
    /// <see cref="WatchAccessedVariables"/> is false.</summary>
    /// <exception cref="ObjectDisposedException">The tape was disposed.</exception>
    public void Watch(Variable v)
    {
        ArgumentNullException.ThrowIfNull(v);
        ThrowIfDisposed();
        lock (gate)
        {
            if (!variableReads.ContainsKey(v)) variableReads[v] = [];
        }
        if (v.IsInitialized && v.Graph is null && Graph.Current is null) AddRead(v, v.Value);
    }

    /// <summary>Watches several tensors.</summary>
    public void Watch(IEnumerable<Tensor> ts)
    {
        ArgumentNullException.ThrowIfNull(ts);
        foreach (var t in ts) Watch(t);
    }

    /// <summary>Watches several variables.</summary>
    public void Watch(IEnumerable<Variable> vs)
    {
        ArgumentNullException.ThrowIfNull(vs);
        foreach (var v in vs) Watch(v);
    }

    /// <summary>Ops run inside the returned scope are not recorded on this tape (other tapes still record them).</summary>
    /// <exception cref="ObjectDisposedException">The tape was disposed.</exception>
    public IDisposable StopRecording()
    {
        ThrowIfDisposed();
        Interlocked.Increment(ref stopDepth);
        return new Scope(() => Interlocked.Decrement(ref stopDepth));
    }

    /// <summary>No tape records ops run inside the returned scope (on this async context), like PyTorch's
    /// <c>torch.no_grad()</c>. Use it for optimizer updates and evaluation.</summary>
    public static IDisposable NoGradient()
    {
        NoGradientDepth.Value++;
        return new Scope(() => NoGradientDepth.Value--);
    }

    /// <summary>True while code runs inside <see cref="NoGradient"/>.</summary>
    public static bool IsNoGradient => NoGradientDepth.Value > 0;

    // A non-persistent tape stops recording after its one answer: nothing could use the records.
    private bool Recording => !disposed && !(used && !Persistent);

    private void AddRead(Variable v, Tensor t)
    {
        lock (gate)
        {
            if (!variableReads.TryGetValue(v, out var list)) variableReads[v] = list = [];
            if (!list.Contains(t)) list.Add(t);
            if (t.DType.IsFloating) MarkWatched(t);
        }
    }

    internal static void OnVariableRead(Variable v, Tensor t)
    {
        if (NoGradientDepth.Value > 0) return;
        var tapes = Active.Value;
        if (tapes is null) return;
        foreach (var tape in tapes)
        {
            if (!tape.Recording || Volatile.Read(ref tape.stopDepth) > 0) continue;
            bool watchIt;
            lock (tape.gate) watchIt = (tape.WatchAccessedVariables && v.Trainable) || tape.variableReads.ContainsKey(v);
            if (watchIt) tape.AddRead(v, t);
        }
    }

    /// <summary>Called by the dispatcher for every op while any tape is active.</summary>
    internal static void Record(OpDef op, Tensor[] inputs, Attrs attrs, Tensor[] outputs)
    {
        var tapes = Active.Value;
        if (tapes is null) return;
        string? scopeReason = NoGradientDepth.Value > 0 ? "it ran inside GradientTape.NoGradient()" : null;
        foreach (var tape in tapes)
            if (tape.Recording) tape.RecordOne(op, inputs, attrs, outputs, scopeReason);
    }

    private void RecordOne(OpDef op, Tensor[] inputs, Attrs attrs, Tensor[] outputs, string? scopeReason)
    {
        lock (gate)
        {
            bool any = false;
            foreach (var x in inputs) if (IsWatched(x)) { any = true; break; }
            if (!any)
            {
                if (anyCut) PropagateCut(inputs, outputs);
                return;
            }
            string? reason = scopeReason
                ?? (stopDepth > 0 ? "it ran inside tape.StopRecording()" : null)
                ?? (op.Gradient is null ? "the op has no gradient" : null);
            if (reason is not null)
            {
                foreach (var y in outputs) Cut(y, $"{op.Name} ({reason})");
                return;
            }
            records.Add(new TapeRecord(op, inputs, attrs, outputs));
            if (anyCut) PropagateCut(inputs, outputs);
            foreach (var y in outputs)
            {
                if (y.DType.IsFloating) MarkWatched(y);
                else Cut(y, $"{op.Name} (its output is {y.DType.Name()}, which carries no gradient)");
            }
        }
    }

    private void Cut(Tensor t, string why)
    {
        cuts.AddOrUpdate(t, why);
        anyCut = true;
    }

    private void PropagateCut(Tensor[] inputs, Tensor[] outputs)
    {
        foreach (var x in inputs)
        {
            if (!cuts.TryGetValue(x, out var why)) continue;
            foreach (var y in outputs) cuts.AddOrUpdate(y, why);
            return;
        }
    }

    /// <summary>True when no tape but <paramref name="self"/> (which has stopped recording) could record an op run now on this context.</summary>
    internal static bool OnlyRecorder(GradientTape self)
    {
        if (NoGradientDepth.Value > 0) return true;
        var tapes = Active.Value;
        if (tapes is null) return true;
        foreach (var tape in tapes)
            if (tape.Recording && Volatile.Read(ref tape.stopDepth) == 0) return false;
        return true;
    }

    internal static bool IsWatchedByAnyTape(Tensor t)
    {
        var tapes = Active.Value;
        if (tapes is null) return false;
        foreach (var tape in tapes)
        {
            if (!tape.Recording) continue;
            lock (tape.gate) if (tape.IsWatched(t)) return true;
        }
        return false;
    }

    /// <summary>Stops recording and frees everything recorded.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var cur = Active.Value ?? [];
        Active.Value = cur.Where(t => !ReferenceEquals(t, this)).ToArray() is { Length: > 0 } rest ? rest : null;
        Interlocked.Decrement(ref activeCount);
        Release();
        lock (gate) variableReads.Clear();
    }

    // Drops every recorded tensor; the watched variables stay listed (WatchedVariables) until Dispose.
    private void Release()
    {
        lock (gate)
        {
            records.Clear();
            ClearWatched();
            foreach (var reads in variableReads.Values) reads.Clear();
            cuts = new();
            anyCut = false;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? action = onDispose;

        public void Dispose() { action?.Invoke(); action = null; }
    }
}
