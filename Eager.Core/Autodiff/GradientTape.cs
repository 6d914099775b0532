using System.Text;

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
/// a symbolic gradient. The active tapes flow with the async context.
/// </summary>
public sealed partial class GradientTape : IDisposable
{
    private static readonly AsyncLocal<GradientTape[]?> Active = new();
    private static readonly AsyncLocal<int> NoGradientDepth = new();
    private static int activeCount;

    private readonly HashSet<Tensor> watched = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Variable, List<Tensor>> variableReads = new(ReferenceEqualityComparer.Instance);
    private readonly List<TapeRecord> records = [];
    private readonly object gate = new();
    private int stopDepth;
    private bool used, disposed, computing;

    private sealed record TapeRecord(OpDef Op, Tensor[] Inputs, Attrs Attrs, Tensor[] Outputs);

    /// <summary>Starts recording on the current (async) context.</summary>
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

    /// <summary>Variables read while recording (in first-read order).</summary>
    public IReadOnlyList<Variable> WatchedVariables { get { lock (gate) return [.. variableReads.Keys]; } }

    /// <summary>Watches a tensor: ops on it are recorded.</summary>
    public void Watch(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        ThrowIfDisposed();
        if (!t.DType.IsFloating) return; // integer and bool tensors carry no gradient
        lock (gate) watched.Add(t);
    }

    /// <summary>Watches a variable (its reads are recorded even when it is not trainable).</summary>
    public void Watch(Variable v)
    {
        ArgumentNullException.ThrowIfNull(v);
        ThrowIfDisposed();
        lock (gate)
        {
            if (!variableReads.ContainsKey(v)) variableReads[v] = [];
        }
        if (v.IsInitialized && Graph.Current is null) AddRead(v, v.Value);
    }

    /// <summary>Watches several tensors.</summary>
    public void Watch(IEnumerable<Tensor> ts) { foreach (var t in ts) Watch(t); }

    /// <summary>Ops run inside the returned scope are not recorded on this tape.</summary>
    public IDisposable StopRecording()
    {
        ThrowIfDisposed();
        Interlocked.Increment(ref stopDepth);
        return new Scope(() => Interlocked.Decrement(ref stopDepth));
    }

    /// <summary>No tape records ops run inside the returned scope (on this async context).</summary>
    public static IDisposable NoGradient()
    {
        NoGradientDepth.Value++;
        return new Scope(() => NoGradientDepth.Value--);
    }

    private bool Recording => !disposed && !computing && Volatile.Read(ref stopDepth) == 0;

    private void AddRead(Variable v, Tensor t)
    {
        lock (gate)
        {
            if (!variableReads.TryGetValue(v, out var list)) variableReads[v] = list = [];
            if (!list.Contains(t)) list.Add(t);
            if (t.DType.IsFloating) watched.Add(t);
        }
    }

    internal static void OnVariableRead(Variable v, Tensor t)
    {
        if (NoGradientDepth.Value > 0) return;
        var tapes = Active.Value;
        if (tapes is null) return;
        foreach (var tape in tapes)
        {
            if (!tape.Recording) continue;
            bool watchIt;
            lock (tape.gate) watchIt = (tape.WatchAccessedVariables && v.Trainable) || tape.variableReads.ContainsKey(v);
            if (watchIt) tape.AddRead(v, t);
        }
    }

    internal static void Record(OpDef op, Tensor[] inputs, Attrs attrs, Tensor[] outputs)
    {
        if (op.Gradient is null || NoGradientDepth.Value > 0) return;
        var tapes = Active.Value;
        if (tapes is null) return;
        foreach (var tape in tapes)
        {
            if (!tape.Recording) continue;
            lock (tape.gate)
            {
                bool any = false;
                foreach (var x in inputs) if (tape.watched.Contains(x)) { any = true; break; }
                if (!any) continue;
                tape.records.Add(new TapeRecord(op, inputs, attrs, outputs));
                foreach (var y in outputs) if (y.DType.IsFloating) tape.watched.Add(y);
            }
        }
    }

    /// <summary>Stops recording and frees everything recorded.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var cur = Active.Value ?? [];
        Active.Value = cur.Where(t => !ReferenceEquals(t, this)).ToArray() is { Length: > 0 } rest ? rest : null;
        Interlocked.Decrement(ref activeCount);
        lock (gate) { records.Clear(); watched.Clear(); variableReads.Clear(); }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? action = onDispose;

        public void Dispose() { action?.Invoke(); action = null; }
    }

    /// <summary>Explains why the gradient of <paramref name="target"/> with respect to <paramref name="source"/> is null:
    /// names the first place the chain from source to target was not recorded.</summary>
    public string ExplainNullGradient(Tensor target, Tensor source)
    {
        lock (gate)
        {
            var sb = new StringBuilder();
            if (!source.DType.IsFloating) return $"The source is {source.DType.Name()}: integer and bool tensors carry no gradient.";
            var srcVar = Variable.ReadFrom(source);
            bool sourceWatched = watched.Contains(source) || (srcVar is not null && variableReads.ContainsKey(srcVar));
            if (!sourceWatched)
                return "The source was never watched by this tape: call tape.Watch(x) before using x, or read a trainable variable inside the tape's scope.";
            if (!watched.Contains(target))
            {
                return "The target was not produced by a recorded op: it was computed before the tape started, inside StopRecording/NoGradient, " +
                       "by an op without a gradient (comparisons, ArgMax, casts to integers, StopGradient), or from tensors the tape did not watch.";
            }
            var users = records.Where(r => r.Inputs.Any(i => ReferenceEquals(i, source))).Select(r => r.Op.Name).Distinct().ToList();
            if (users.Count == 0) return "The source is watched but no recorded op used it.";
            return $"The source was used by [{string.Join(", ", users)}] but no recorded chain of ops leads from those to the target.";
        }
    }
}
