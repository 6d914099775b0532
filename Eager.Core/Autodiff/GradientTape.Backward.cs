namespace Eager;

public sealed partial class GradientTape
{
    /// <summary>d target / d source. For a non-scalar target the gradient of its sum, or of
    /// sum(target * outputGradients) when given. Null (or zeros with <see cref="UnconnectedGradients.Zero"/>) when the
    /// target does not depend on the source through recorded ops, and always null for an integer or bool source.
    /// A tensor read from a variable on this tape stands for the variable: the answer is the same as for the variable.</summary>
    /// <exception cref="InvalidOperationException">A non-persistent tape was asked a second time.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputGradients"/> does not match the target's shape or dtype.</exception>
    public Tensor? Gradient(Tensor target, Tensor source, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Answer(target, [source], outputGradients, unconnected)[0];
    }

    /// <summary>d target / d variable: the sum over every read of the variable on this tape.</summary>
    /// <exception cref="InvalidOperationException">A non-persistent tape was asked a second time.</exception>
    public Tensor? Gradient(Tensor target, Variable source, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Answer(target, [source], outputGradients, unconnected)[0];
    }

    /// <summary>Gradients with respect to several tensors (one entry per source, in order).</summary>
    public Tensor?[] Gradient(Tensor target, IEnumerable<Tensor> sources, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Answer(target, [.. sources], outputGradients, unconnected);
    }

    /// <summary>Gradients with respect to several variables (one entry per variable, in order).</summary>
    public Tensor?[] Gradient(Tensor target, IEnumerable<Variable> sources, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Answer(target, [.. sources], outputGradients, unconnected);
    }

    /// <summary>
    /// Gradients with respect to several variables, each also handed to <paramref name="ready"/> (with its index in
    /// <paramref name="sources"/>) as soon as the backward pass has finished it, while the pass goes on with the layers
    /// before it: what data-parallel training needs to start averaging a layer's gradients early (PyTorch's
    /// post-accumulate-grad hooks). Variables are handed over in the order they become final, each exactly once, null
    /// when it has no gradient; the callback runs on this thread, inside graph building when the tape is traced.
    /// </summary>
    /// <exception cref="InvalidOperationException">A non-persistent tape was asked a second time.</exception>
    public Tensor?[] Gradient(Tensor target, IReadOnlyList<Variable> sources, Action<int, Tensor?> ready, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed();
        BeginAnswer();
        try
        {
            var resolved = sources.Select(v => Resolve(v)).ToArray();
            return Compute(target, resolved, null, unconnected, consume: !Persistent, ready);
        }
        finally { EndAnswer(); }
    }

    /// <summary>A source resolved against this tape: the tensors whose gradients sum to its gradient.</summary>
    private sealed record Source(Tensor[] Tensors, Tensor? Like, Shape Shape, DType DType);

    private Source Resolve(object s)
    {
        lock (gate)
        {
            Variable? v = s as Variable;
            var t = s as Tensor;
            if (v is null && t is not null)
            {
                // A read of a variable on this tape (or its current value, watched) stands for the variable.
                var from = Variable.ReadFrom(t);
                if (from is not null && (IsReadOf(from, t) || (from.IsInitialized && ReferenceEquals(from.Value, t))))
                    v = from;
            }
            if (v is null)
            {
                ArgumentNullException.ThrowIfNull(t, "sources");
                return new Source([t], t, t.Shape, t.DType);
            }
            var ts = new List<Tensor>();
            if (variableReads.TryGetValue(v, out var reads)) ts.AddRange(reads);
            if (v.IsInitialized && v.Graph is null && IsWatched(v.Value) && !ts.Contains(v.Value)) ts.Add(v.Value);
            var like = ts.Count > 0 ? ts[0] : (v.IsInitialized && v.Graph is null ? v.Value : null);
            return new Source([.. ts], like, v.Shape, v.DType);
        }
    }

    private bool IsReadOf(Variable v, Tensor t) => variableReads.TryGetValue(v, out var l) && l.Contains(t);

    private Tensor?[] Answer(Tensor target, object[] sources, Tensor? outputGradients, UnconnectedGradients unconnected)
    {
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed();
        BeginAnswer();
        try
        {
            var resolved = sources.Select(Resolve).ToArray();
            // The one answer of a non-persistent tape may use its records up as it goes.
            return Compute(target, resolved, outputGradients, unconnected, consume: !Persistent);
        }
        finally { EndAnswer(); }
    }

    private void BeginAnswer()
    {
        lock (gate)
        {
            if (used && !Persistent)
                throw new InvalidOperationException("GradientTape.Gradient: a non-persistent tape can compute gradients only once. Use new GradientTape(persistent: true) to call it again.");
            used = true;
        }
    }

    // A non-persistent tape has answered: drop what it recorded now rather than at Dispose.
    private void EndAnswer()
    {
        if (!Persistent) Release();
    }

    private Tensor?[] Compute(Tensor target, Source[] sources, Tensor? outputGradients, UnconnectedGradients unconnected, bool consume = false,
        Action<int, Tensor?>? ready = null)
    {
        TapeLog recs;
        lock (gate) recs = records.Snapshot();
        // The one answer of a non-persistent tape hands each gradient buffer back once passed on.
        var owned = consume ? BackwardBuffers.Begin(this) : null;
        try
        {
            return Compute(target, sources, outputGradients, unconnected, recs, consume, ready, owned);
        }
        finally { owned?.End(); }
    }

    private Tensor?[] Compute(Tensor target, Source[] sources, Tensor? outputGradients, UnconnectedGradients unconnected, TapeLog recs, bool consume,
        Action<int, Tensor?>? ready, BackwardBuffers? owned)
    {
        var sourceSet = new HashSet<Tensor>(sources.SelectMany(s => s.Tensors), ReferenceEqualityComparer.Instance);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var result = new Tensor?[sources.Length];
        var done = new bool[sources.Length];
        void Finish(int i)
        {
            var s = sources[i];
            done[i] = true;
            if (!s.DType.IsFloating) { ready?.Invoke(i, null); return; } // integer and bool sources carry no gradient
            Tensor? g = null;
            foreach (var t in s.Tensors)
                if (grads.TryGetValue(t, out var gt)) g = g is null ? gt : Ops.Add(g, gt);
            if (g is null && unconnected == UnconnectedGradients.Zero) g = ZerosFor(s);
            result[i] = g;
            if (ready is null) return;
            if (owned is null) ready(i, g);
            else owned.Untracked(() => ready(i, g));
        }
        Action<int>? beforeRecord = null;
        if (ready is not null)
        {
            // A source's gradient is final once the reverse pass is below the first record that reads it.
            var firstUse = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
            for (int r = 0; r < recs.Count; r++)
                foreach (var x in recs[r].Inputs)
                    if (sourceSet.Contains(x)) firstUse.TryAdd(x, r);
            var readyAt = sources.Select(s => s.Tensors.Select(t => firstUse.TryGetValue(t, out int r) ? r : int.MaxValue).DefaultIfEmpty(int.MaxValue).Min()).ToArray();
            var order = Enumerable.Range(0, sources.Length).OrderByDescending(i => readyAt[i]).ThenBy(i => i).ToArray();
            int next = 0;
            beforeRecord = r =>
            {
                while (next < order.Length && readyAt[order[next]] > r) Finish(order[next++]);
            };
        }
        Backward(target, outputGradients, recs, sourceSet, consume, grads, beforeRecord, owned);
        for (int i = 0; i < sources.Length; i++)
            if (!done[i]) Finish(i);
        if (owned is not null)
        {
            // Gradients of tensors that are not sources (constants the target also depends on) are dead now.
            foreach (var (t, g) in grads)
                if (!sourceSet.Contains(t)) owned.Drop(g);
        }
        return result;
    }

    private static Tensor ZerosFor(Source s) =>
        s.Like is not null ? Ops.ZerosLike(s.Like) : Ops.Constant(Tensor.Zeros(s.Shape, s.DType));

    /// <summary>Reverse pass over the records: the gradient of every tensor on a path from a source to the target.
    /// With <paramref name="consume"/> (a non-persistent tape's one answer) each record is forgotten once its rule has run
    /// and each intermediate gradient once it has been passed on, as PyTorch frees its graph during backward: forward
    /// activations and gradients die as the pass goes instead of all at its end.</summary>
    /// <param name="beforeRecord">Called with each record index before its rule would run, highest first (whether or not it runs).</param>
    private static void Backward(Tensor target, Tensor? outputGradients, TapeLog recs, HashSet<Tensor> sources, bool consume,
        Dictionary<Tensor, Tensor> grads, Action<int>? beforeRecord, BackwardBuffers? owned)
    {
        if (outputGradients is not null && (outputGradients.DType != target.DType || !outputGradients.Shape.IsCompatibleWith(target.Shape)))
            throw new ArgumentException($"GradientTape.Gradient: outputGradients is {outputGradients.DType.Name()}{outputGradients.Shape}; the target is {target.DType.Name()}{target.Shape}. They must match.");
        if (!target.DType.IsFloating) return;

        // Forward sweep: only records fed (transitively) by a source need their rules run, and only their inputs
        // reached from a source need gradients (one bit per input; inputs from the 64th on share the last bit, so one
        // reached makes all count as reached: gradients of unreached tensors never flow on to a source). The set of reached tensors is dropped afterwards so it keeps nothing alive.
        var reach = new HashSet<Tensor>(sources, ReferenceEqualityComparer.Instance);
        var needed = new ulong[recs.Count];
        for (int r = 0; r < recs.Count; r++)
        {
            var ins = recs[r].Inputs;
            ulong mask = 0;
            for (int i = 0; i < ins.Length; i++)
                if (reach.Contains(ins[i])) mask |= 1UL << Math.Min(i, 63);
            if (mask == 0) continue;
            needed[r] = mask;
            foreach (var y in recs[r].Outputs) reach.Add(y);
        }
        if (!reach.Contains(target)) return;
        reach.Clear();
        reach.TrimExcess();

        grads[target] = outputGradients ?? Ops.OnesLike(target);
        owned?.Hold(grads[target]);
        for (int r = recs.Count - 1; r >= 0; r--)
        {
            beforeRecord?.Invoke(r);
            ulong mask = needed[r];
            if (mask == 0) continue;
            ref readonly var rec = ref recs[r];
            Tensor?[]? outGrads = null;
            for (int k = 0; k < rec.Outputs.Length; k++)
            {
                if (!grads.TryGetValue(rec.Outputs[k], out var g)) continue;
                outGrads ??= new Tensor?[rec.Outputs.Length];
                outGrads[k] = g;
            }
            if (outGrads is null) continue;
            var inGrads = RunRule(owned, recs, r, outGrads, mask);
            if (inGrads.Length != rec.Inputs.Length)
                throw new InvalidOperationException($"Gradient rule of {rec.Op.Name} returned {inGrads.Length} gradients for {rec.Inputs.Length} inputs.");
            for (int i = 0; i < inGrads.Length; i++)
            {
                var gi = inGrads[i];
                var x = rec.Inputs[i];
                bool reached = (mask & (1UL << Math.Min(i, 63))) != 0;
                if (gi is null || !x.DType.IsFloating || !reached) continue;
                if (gi.DType != x.DType || !gi.Shape.IsCompatibleWith(x.Shape))
                    throw new InvalidOperationException($"Gradient rule of {rec.Op.Name} gave a {gi.DType.Name()}{gi.Shape} gradient for input {i} of {x.DType.Name()}{x.Shape}.");
                if (grads.TryGetValue(x, out var prev))
                {
                    var sum = Ops.Add(prev, gi);
                    owned?.Hold(sum);
                    owned?.Drop(prev);
                    owned?.Hold(gi);
                    owned?.Drop(gi);
                    grads[x] = sum;
                }
                else
                {
                    owned?.Hold(gi);
                    grads[x] = gi;
                }
            }
            if (consume) Consume(recs, r, grads, sources, owned);
        }
    }

    // Out of line so that no local of the backward loop keeps a forgotten tensor reachable (unoptimised code
    // reports every local slot as live until it is overwritten).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Consume(TapeLog recs, int r, Dictionary<Tensor, Tensor> grads, HashSet<Tensor> sources, BackwardBuffers? owned)
    {
        // Every consumer of these outputs came later on the tape, so their gradients are complete and passed on.
        foreach (var y in recs[r].Outputs)
            if (!sources.Contains(y) && grads.Remove(y, out var g)) owned?.Drop(g);
        recs.Forget(r);
    }

    // Out of line so that the forward tensors the rule saw are not left in a slot of the backward loop's frame. A custom
    // gradient's backward is user code: what it creates may be kept anywhere, so none of it is the pass's own.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Tensor?[] RunRule(BackwardBuffers? owned, TapeLog recs, int r, Tensor?[] outGrads, ulong mask)
    {
        ref readonly var rec = ref recs[r];
        var ctx = new GradContext(rec.Op, rec.Inputs, rec.Attrs, rec.Outputs, outGrads, mask);
        var rule = rec.Op.Gradient!;
        if (owned is null || rec.Op != CustomGradientOps.CustomGradientDef) return rule(ctx);
        Tensor?[] result = [];
        owned.Untracked(() => result = rule(ctx));
        return result;
    }
}
