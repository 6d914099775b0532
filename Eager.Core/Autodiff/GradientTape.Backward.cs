namespace Eager;

public sealed partial class GradientTape
{
    /// <summary>d target / d source. For a non-scalar target the gradient of its sum, or of
    /// sum(target * outputGradients) when given. Null (or zeros) when the target does not depend on the source.</summary>
    public Tensor? Gradient(Tensor target, Tensor source, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
        => Gradient(target, [Key.Of(source)], outputGradients, unconnected)[0];

    /// <summary>d target / d variable (the sum over every read of the variable on this tape).</summary>
    public Tensor? Gradient(Tensor target, Variable source, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
        => Gradient(target, [new Key(null, source)], outputGradients, unconnected)[0];

    /// <summary>Gradients with respect to several tensors.</summary>
    public Tensor?[] Gradient(Tensor target, IEnumerable<Tensor> sources, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
        => Gradient(target, sources.Select(Key.Of).ToArray(), outputGradients, unconnected);

    /// <summary>Gradients with respect to several variables.</summary>
    public Tensor?[] Gradient(Tensor target, IEnumerable<Variable> sources, Tensor? outputGradients = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
        => Gradient(target, sources.Select(v => new Key(null, v)).ToArray(), outputGradients, unconnected);

    private readonly record struct Key(Tensor? Tensor, Variable? Variable)
    {
        public static Key Of(Tensor t)
        {
            ArgumentNullException.ThrowIfNull(t);
            var v = Variable.ReadFrom(t);
            return v is null ? new Key(t, null) : new Key(null, v);
        }
    }

    private Tensor?[] Gradient(Tensor target, Key[] sources, Tensor? outputGradients, UnconnectedGradients unconnected)
    {
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed();
        if (used && !Persistent)
            throw new InvalidOperationException("GradientTape.Gradient: a non-persistent tape can compute gradients only once. Use new GradientTape(persistent: true) to call it again.");
        used = true;
        Dictionary<Tensor, Tensor> grads;
        List<TapeRecord> recs;
        lock (gate) recs = [.. records];
        computing = true;
        try
        {
            grads = Backward(target, outputGradients, recs);
        }
        finally { computing = false; }

        var result = new Tensor?[sources.Length];
        for (int i = 0; i < sources.Length; i++)
        {
            var s = sources[i];
            Tensor? g = null;
            Tensor like;
            if (s.Variable is { } v)
            {
                List<Tensor> reads;
                lock (gate) reads = variableReads.TryGetValue(v, out var l) ? [.. l] : [];
                foreach (var r in reads)
                    if (grads.TryGetValue(r, out var gr)) g = g is null ? gr : Ops.Add(g, gr);
                like = reads.Count > 0 ? reads[0] : (Graph.Current is null ? v.Value : v.Read());
                if (!v.DType.IsFloating) { result[i] = null; continue; }
            }
            else
            {
                like = s.Tensor!;
                if (!like.DType.IsFloating) { result[i] = null; continue; }
                grads.TryGetValue(like, out g);
            }
            if (g is null && unconnected == UnconnectedGradients.Zero) g = Ops.ZerosLike(like);
            result[i] = g;
        }
        if (!Persistent)
        {
            lock (gate) { records.Clear(); watched.Clear(); }
        }
        return result;
    }

    private static Dictionary<Tensor, Tensor> Backward(Tensor target, Tensor? outputGradients, List<TapeRecord> recs)
    {
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        if (!target.DType.IsFloating) return grads;
        var seed = outputGradients ?? Ops.OnesLike(target);
        if (outputGradients is not null && !outputGradients.Shape.IsCompatibleWith(target.Shape))
            throw new ArgumentException($"GradientTape.Gradient: outputGradients has shape {outputGradients.Shape}, the target has shape {target.Shape}.");
        grads[target] = seed;
        for (int r = recs.Count - 1; r >= 0; r--)
        {
            var rec = recs[r];
            Tensor?[]? outGrads = null;
            for (int k = 0; k < rec.Outputs.Length; k++)
            {
                if (grads.TryGetValue(rec.Outputs[k], out var g))
                {
                    outGrads ??= new Tensor?[rec.Outputs.Length];
                    outGrads[k] = g;
                }
            }
            if (outGrads is null) continue;
            var inGrads = rec.Op.Gradient!(new GradContext(rec.Op, rec.Inputs, rec.Attrs, rec.Outputs, outGrads));
            if (inGrads.Length != rec.Inputs.Length)
                throw new InvalidOperationException($"Gradient rule of {rec.Op.Name} returned {inGrads.Length} gradients for {rec.Inputs.Length} inputs.");
            for (int i = 0; i < inGrads.Length; i++)
            {
                var gi = inGrads[i];
                var x = rec.Inputs[i];
                if (gi is null || !x.DType.IsFloating) continue;
                if (gi.DType != x.DType || !gi.Shape.IsCompatibleWith(x.Shape))
                    throw new InvalidOperationException($"Gradient rule of {rec.Op.Name} gave a {gi.DType.Name()}{gi.Shape} gradient for input {i} of {x.DType.Name()}{x.Shape}.");
                grads[x] = grads.TryGetValue(x, out var prev) ? Ops.Add(prev, gi) : gi;
            }
        }
        return grads;
    }
}
