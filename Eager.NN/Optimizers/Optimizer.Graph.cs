namespace Eager.NN;

public abstract partial class Optimizer
{
    /// <summary>
    /// TensorFlow 1's <c>optimizer.minimize(loss)</c>: inside <c>using (graph.AsDefault())</c>, adds the symbolic
    /// gradients of <paramref name="loss"/> (<see cref="Ops.Gradients"/>) and the updates, and returns the training
    /// op to run in a Session. <paramref name="variables"/> defaults to the graph's trainable variables.
    /// </summary>
    /// <exception cref="InvalidOperationException">No graph is being built (use the overload taking a loss function eagerly).</exception>
    public Operation Minimize(Tensor loss, IReadOnlyList<Variable>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var graph = Graph.Current;
        if (graph is null || !loss.IsSymbolic)
            throw new InvalidOperationException($"{GetType().Name}.Minimize(Tensor): needs a graph loss inside 'using (graph.AsDefault())'. " +
                "Eagerly, use Minimize(() => loss, variables) or a GradientTape with ApplyGradients.");
        var vars = variables ?? [.. graph.Variables.Where(v => v.Trainable)];
        if (vars.Count == 0) throw new InvalidOperationException($"{GetType().Name}.Minimize: there are no trainable variables to minimise over.");
        var grads = Ops.Gradients(ScaleLoss(loss), vars);
        return ApplyGradients(grads, vars)!;
    }

    /// <summary>
    /// One eager (or traced) step: computes <paramref name="loss"/> under a <see cref="GradientTape"/> and applies the
    /// gradients to <paramref name="variables"/>. Returns the loss value.
    /// </summary>
    public Tensor Minimize(Func<Tensor> loss, IReadOnlyList<Variable> variables) =>
        Minimize(loss, variables, static (tape, value, vars) => tape.Gradient(value, vars));

    /// <summary>
    /// One step as <see cref="Minimize(Func{Tensor}, IReadOnlyList{Variable})"/>, with the gradients taken by
    /// <paramref name="gradient"/> from the tape, the loss and the variables (one gradient or null per variable), for
    /// callers that take them differently: a data-parallel wrapper averages them over ranks as the backward pass
    /// finishes them. Returns the loss value.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> returns a list of the wrong length.</exception>
    public Tensor Minimize(Func<Tensor> loss, IReadOnlyList<Variable> variables, Func<GradientTape, Tensor, IReadOnlyList<Variable>, Tensor?[]> gradient)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(gradient);
        Tensor value;
        Tensor?[] grads;
        using (var tape = new GradientTape())
        {
            value = loss();
            grads = gradient(tape, ScaleLoss(value), variables);
        }
        ApplyGradients(grads, variables);
        return value;
    }

    /// <summary>Applies the clipping options (value, per-tensor norm, global norm) in Keras' order.</summary>
    private Tensor[] Clip(Tensor[] grads)
    {
        if (ClipValue is { } cv)
        {
            if (cv <= 0) throw new InvalidOperationException($"{GetType().Name}: ClipValue must be positive, got {cv}.");
            grads = [.. grads.Select(g => Ops.Minimum(Ops.Maximum(g, Scalar(-cv, g.DType)), Scalar(cv, g.DType)))];
        }
        if (ClipNorm is { } cn)
        {
            if (cn <= 0) throw new InvalidOperationException($"{GetType().Name}: ClipNorm must be positive, got {cn}.");
            grads = [.. grads.Select(g => ClipByNorm(g, cn))];
        }
        if (GlobalClipNorm is { } gn)
        {
            if (gn <= 0) throw new InvalidOperationException($"{GetType().Name}: GlobalClipNorm must be positive, got {gn}.");
            grads = ClipByGlobalNorm(grads, gn).Clipped;
        }
        return grads;
    }

    /// <summary>tf.clip_by_norm: g * clip / max(||g||, clip).</summary>
    public static Tensor ClipByNorm(Tensor gradient, double clipNorm)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var c = Scalar(clipNorm, gradient.DType);
        var norm = Ops.Sqrt(Ops.ReduceSum(Ops.Square(gradient)));
        return Ops.Divide(Ops.Multiply(gradient, c), Ops.Maximum(norm, c));
    }

    /// <summary>tf.clip_by_global_norm: scales every tensor by clip / max(global norm, clip), where the global norm is
    /// the L2 norm of all the tensors together. Returns the clipped tensors and the global norm before clipping.</summary>
    /// <exception cref="ArgumentException">The tensors do not all have the same floating dtype.</exception>
    public static (Tensor[] Clipped, Tensor GlobalNorm) ClipByGlobalNorm(IReadOnlyList<Tensor> tensors, double clipNorm)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("ClipByGlobalNorm: no tensors given.");
        var dt = tensors[0].DType;
        if (tensors.Any(t => t.DType != dt) || !dt.IsFloating)
            throw new ArgumentException($"ClipByGlobalNorm: all tensors must share one floating dtype, got [{string.Join(", ", tensors.Select(t => t.DType.Name()))}].");
        Tensor? sum = null;
        foreach (var t in tensors)
        {
            var s = Ops.ReduceSum(Ops.Square(t));
            sum = sum is null ? s : Ops.Add(sum, s);
        }
        var norm = Ops.Sqrt(sum!);
        var c = Scalar(clipNorm, dt);
        var scale = Ops.Divide(c, Ops.Maximum(norm, c));
        return ([.. tensors.Select(t => Ops.Multiply(t, scale))], norm);
    }
}
