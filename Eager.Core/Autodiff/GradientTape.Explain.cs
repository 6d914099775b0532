namespace Eager;

public sealed partial class GradientTape
{
    /// <summary>
    /// Says in one sentence why <c>Gradient(target, source)</c> is (or is not) null: the source was never watched,
    /// the target was computed before the tape started or from unwatched tensors, or the chain was cut by a named op
    /// (one without a gradient such as a comparison, ArgMax or StopGradient, an integer-valued output, or an op run
    /// inside <see cref="StopRecording"/> or <see cref="NoGradient"/>). Call it before <c>Gradient</c> on a
    /// non-persistent tape: that tape frees its records when it answers.
    /// </summary>
    public string ExplainNullGradient(Tensor target, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        ThrowIfDisposed();
        return Explain(target, Resolve(source));
    }

    /// <summary>Says why the gradient of <paramref name="target"/> with respect to a variable is (or is not) null.</summary>
    public string ExplainNullGradient(Tensor target, Variable source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        ThrowIfDisposed();
        var s = Resolve(source);
        if (s.Tensors.Length == 0)
        {
            if (!source.Trainable)
                return $"Variable '{source.Name}' is not trainable, so this tape watches it only after tape.Watch(variable), before it is read.";
            return $"Variable '{source.Name}' was not read while this tape was recording (reads inside StopRecording or NoGradient do not count, " +
                   "and a tape made with watchAccessedVariables: false watches only what tape.Watch was given).";
        }
        return Explain(target, s);
    }

    private string Explain(Tensor target, Source s)
    {
        if (!s.DType.IsFloating) return $"The source is {s.DType.Name()}: integer and bool tensors carry no gradient.";
        if (!target.DType.IsFloating) return $"The target is {target.DType.Name()}: integer and bool tensors carry no gradient.";
        lock (gate)
        {
            if (used && !Persistent)
                return "This non-persistent tape has already answered and released its records; call ExplainNullGradient before Gradient, or use a persistent tape.";
            if (!s.Tensors.Any(IsWatched))
                return "The source was never watched by this tape: call tape.Watch(x) before computing with x, or read a trainable variable inside the tape's scope.";
            if (s.Tensors.Any(t => ReferenceEquals(t, target))) return "The target is the source: its gradient is ones, not null.";

            // Which tensors the source reaches through recorded ops.
            var reach = new HashSet<Tensor>(s.Tensors, ReferenceEqualityComparer.Instance);
            foreach (var rec in records)
                if (rec.Inputs.Any(reach.Contains)) foreach (var y in rec.Outputs) reach.Add(y);
            if (reach.Contains(target)) return "The target depends on the source through recorded ops; the gradient is not null (unless a gradient rule returned null for that input).";

            if (cuts.TryGetValue(target, out var why))
                return $"A chain into the target was cut at {why}; no gradient flows through it.";
            if (!IsWatched(target))
                return "The target was not computed from any watched tensor while this tape was recording: it was computed before the tape started, " +
                       "inside another tape only, or from tensors this tape does not watch.";
            var users = records.Where(r => r.Inputs.Any(s.Tensors.Contains)).Select(r => r.Op.Name).Distinct().ToList();
            return users.Count == 0
                ? "The source is watched but no recorded op used it; the target was computed from other watched tensors."
                : $"The source was used by [{string.Join(", ", users)}] but no recorded chain leads from those ops to the target; the target comes from other watched tensors.";
        }
    }
}
