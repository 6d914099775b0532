namespace Eager;

/// <summary>
/// The one interception point for every op call. While a graph is being built on this thread the call adds
/// a node and returns symbolic tensors; otherwise it validates, runs the kernel now, and records the call
/// on every active tape that watches an input.
/// </summary>
public static class Dispatcher
{
    /// <summary>Applies <paramref name="op"/> and returns all its outputs.</summary>
    public static Tensor[] Apply(OpDef op, Tensor[] inputs, Attrs attrs, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{op.Name}: input {i} is null.");

        var graph = Graph.Current;
        Tensor[] outputs;
        if (graph is not null)
        {
            var node = graph.AddNode(op, inputs, attrs, name);
            outputs = node.Outputs;
            if (GradientTape.AnyActive) GradientTape.Record(op, node.Inputs, attrs, outputs);
            return outputs;
        }

        foreach (var t in inputs)
        {
            if (t.IsSymbolic)
                throw new InvalidOperationException(
                    $"{op.Name}: input '{t.Name}' is a graph tensor, but no graph is being built on this thread. " +
                    "Use it inside 'using (graph.AsDefault())' or run it with a Session.");
        }
        var specs = op.Infer(inputs, attrs);
        bool limited = OutputLimits.Limited;
        if (limited) OutputLimits.ChargeKnown(op, inputs, specs);
        outputs = op.Compute(inputs, attrs);
        if (limited) OutputLimits.ChargeUnknown(op, inputs, specs, outputs);
        if (outputs.Length != specs.Length) throw new InvalidOperationException($"{op.Name}: kernel returned {outputs.Length} outputs, inference said {specs.Length}.");
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i].DType != specs[i].DType || !specs[i].Shape.IsCompatibleWith(outputs[i].Shape))
                throw new InvalidOperationException($"{op.Name}: output {i} is {outputs[i].DType.Name()}{outputs[i].Shape}, inference said {specs[i].DType.Name()}{specs[i].Shape}.");
            // Every output is a new tensor object, even when a kernel hands back an input unchanged: tapes key
            // gradients by tensor identity, and an output that is its own input would double its gradient.
            foreach (var x in inputs)
                if (ReferenceEquals(x, outputs[i])) { outputs[i] = x.View(x.Shape, x.StridesArray, x.Offset); break; }
        }
        if (BackwardBuffers.Tracking) BackwardBuffers.Stamp(op, inputs, attrs, outputs);
        if (GradientTape.AnyActive) GradientTape.Record(op, inputs, attrs, outputs);
        GC.KeepAlive(inputs);
        return outputs;
    }

    /// <summary>
    /// Limits how many elements the ops run eagerly on this thread may produce together until the returned scope is
    /// disposed: an op whose outputs would pass the limit throws <see cref="ArgumentException"/> before its kernel runs
    /// (after it, for outputs whose size depends on the data). For computations whose sizes come from untrusted input,
    /// such as the constants an ONNX importer folds from a file: memory and time then stay bounded. Ops added to a graph
    /// are not counted. Scopes nest; the innermost one counts.
    /// </summary>
    public static IDisposable LimitElements(long elements) => OutputLimits.Begin(elements);

    /// <summary>Applies a single-output op.</summary>
    public static Tensor Apply1(OpDef op, Attrs attrs, params Tensor[] inputs) => Apply(op, inputs, attrs)[0];
}
