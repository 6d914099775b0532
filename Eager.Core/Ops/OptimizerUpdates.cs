using AdamKernel = Eager.Kernels.NN.AdamStep;
using static Eager.OptimizerOps;

namespace Eager;

/// <summary>Optimizer updates that write into the variables themselves (TensorFlow's ResourceApplyAdam): each variable's
/// buffer is overwritten when nothing else can read it and replaced by a fresh one otherwise (see <see cref="Variable"/>'s
/// in-place updates), so a steady eager training step rents no buffers for its weights and slots.</summary>
public static partial class Ops
{
    /// <summary>
    /// One Adam step (Keras' rule, as <see cref="AdamStep"/>) written into the variables: <paramref name="m"/> becomes
    /// <c>m + (g - m)(1 - beta1)</c>, <paramref name="v"/> becomes <c>v + (g^2 - v)(1 - beta2)</c> and
    /// <paramref name="variable"/> becomes <c>w - (m' alpha) / (sqrt(v') + epsilon)</c>, where <paramref name="alpha"/> is the
    /// bias-corrected learning rate. An eager variable's buffer is overwritten when no tensor read from it earlier can
    /// still be reached, and otherwise replaced (those reads keep their values). Returns the new weight; in a graph, a
    /// stateful node that a Session runs.
    /// </summary>
    /// <exception cref="ArgumentException">A non-floating variable, slots or a gradient of another shape or dtype than the
    /// variable, or an alpha that is not a scalar of its dtype.</exception>
    public static Tensor ApplyAdam(Variable variable, Variable m, Variable v, Tensor gradient, Tensor alpha, double beta1, double beta2, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        return Dispatcher.Apply1(ApplyAdamDef,
            new Attrs { { "variable", variable }, { "m", m }, { "v", v }, { "beta1", beta1 }, { "beta2", beta2 }, { "epsilon", epsilon } },
            gradient, alpha);
    }
}

internal static partial class OptimizerOps
{
    internal static readonly OpDef ApplyAdamDef = new("ApplyAdam", ApplyAdamInfer, ApplyAdamKernel)
    { NoOnnx = "an optimizer's in-place update of variables, state that lives between runs; ONNX's standard opsets have no optimizer operators", IsStateful = true, KeepsInputs = false };

    private static TensorSpec[] ApplyAdamInfer(Tensor[] x, Attrs a)
    {
        var w = a.Get<Variable>("variable");
        if (w.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"ApplyAdam: variable '{w.Name}' is {w.DType.Name()}{w.Shape}; the in-place update takes float32 and float64 variables (keep 16-bit models' weights in float32 with a mixed precision policy).");
        foreach (var slot in new[] { a.Get<Variable>("m"), a.Get<Variable>("v") })
        {
            if (slot.DType != w.DType || slot.Shape != w.Shape)
                throw new ArgumentException($"ApplyAdam: slot '{slot.Name}' is {slot.DType.Name()}{slot.Shape}; it must match variable '{w.Name}', {w.DType.Name()}{w.Shape}.");
        }
        if (x[0].DType != w.DType || !w.Shape.IsCompatibleWith(x[0].Shape))
            throw new ArgumentException($"ApplyAdam: the gradient is {x[0].DType.Name()}{x[0].Shape}; it must match variable '{w.Name}', {w.DType.Name()}{w.Shape}.");
        if (x[1].DType != w.DType || x[1].Rank != 0)
            throw new ArgumentException($"ApplyAdam: alpha must be a {w.DType.Name()} scalar, got {x[1].DType.Name()}{x[1].Shape}.");
        return [new TensorSpec(w.Shape, w.DType)];
    }

    private static Tensor[] ApplyAdamKernel(Tensor[] x, Attrs a)
    {
        Variable[] vars = [a.Get<Variable>("variable"), a.Get<Variable>("m"), a.Get<Variable>("v")];
        var current = vars.Select(v => v.Current.Contiguous()).ToArray();
        var g = x[0].Contiguous();
        // Where a variable's buffer may still be read (a held read, a tape's record), the step writes a fresh one.
        var targets = vars.Select(v => v.TakeWritable()).ToArray();
        var outs = targets.Select(t => t ?? Tensor.Empty(current[0].Shape, current[0].DType)).ToArray();
        double b1 = a.Double("beta1"), b2 = a.Double("beta2"), eps = a.Double("epsilon");
        if (vars[0].DType == DType.Float32)
            AdamKernel.Run(current[0].Span<float>(), current[1].Span<float>(), current[2].Span<float>(), g.Span<float>(), x[1].Item<float>(),
                           (float)(1 - b1), (float)(1 - b2), (float)eps, outs[0].Span<float>(), outs[1].Span<float>(), outs[2].Span<float>());
        else
            AdamKernel.Run(current[0].Span<double>(), current[1].Span<double>(), current[2].Span<double>(), g.Span<double>(), x[1].Item<double>(),
                           1 - b1, 1 - b2, eps, outs[0].Span<double>(), outs[1].Span<double>(), outs[2].Span<double>());
        GC.KeepAlive(current);
        g.KeepAlive();
        for (int i = 0; i < 3; i++)
            if (targets[i] is null) vars[i].Adopt(outs[i], "ApplyAdam");
        return [vars[0].Updated()];
    }
}
