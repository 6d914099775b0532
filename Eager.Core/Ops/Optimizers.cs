using AdamKernel = Eager.Kernels.NN.AdamStep;
using static Eager.Ops;
using static Eager.OptimizerOps;

namespace Eager;

/// <summary>Fused optimizer updates: pure ops (new values out, nothing assigned), so they run the same eagerly, traced
/// and in a Session; the optimizer assigns the results.</summary>
public static partial class Ops
{
    /// <summary>
    /// One Adam step (Keras' rule) in one pass: returns the new weight, first and second moments
    /// <c>[w - (m' alpha) / (sqrt(v') + epsilon), m + (g - m)(1 - beta1), v + (g^2 - v)(1 - beta2)]</c>, where m' and v'
    /// are the new moments and <paramref name="alpha"/> the bias-corrected learning rate,
    /// <c>lr sqrt(1 - beta2^t) / (1 - beta1^t)</c>. Assigns nothing: <c>Eager.NN.Adam</c> assigns the three results.
    /// </summary>
    /// <exception cref="ArgumentException">Operands of other shapes or dtypes than the weight, a non-floating weight, or
    /// an alpha that is not a scalar of the weight's dtype.</exception>
    public static Tensor[] AdamStep(Tensor weight, Tensor m, Tensor v, Tensor gradient, Tensor alpha, double beta1, double beta2, double epsilon) =>
        Dispatcher.Apply(AdamStepDef, [weight, m, v, gradient, alpha],
            new Attrs { { "beta1", beta1 }, { "beta2", beta2 }, { "epsilon", epsilon } });
}

internal static partial class OptimizerOps
{
    private static readonly string[] AdamInputs = ["the weight", "m", "v", "the gradient"];

    internal const string AdamStepName = "AdamStep";
    internal static readonly OpDef AdamStepDef = new(AdamStepName,
        (x, a) =>
        {
            for (int i = 0; i < 4; i++) Window.Floating(AdamStepName, x[i], AdamInputs[i]);
            for (int i = 1; i < 4; i++)
            {
                if (x[i].DType != x[0].DType || !x[i].Shape.IsCompatibleWith(x[0].Shape))
                    throw new ArgumentException($"AdamStep: {AdamInputs[i]} is {x[i].DType.Name()}{x[i].Shape}; it must match the weight, {x[0].DType.Name()}{x[0].Shape}.");
            }
            if (x[4].DType != x[0].DType || x[4].Rank != 0)
                throw new ArgumentException($"AdamStep: alpha must be a {x[0].DType.Name()} scalar, got {x[4].DType.Name()}{x[4].Shape}.");
            var spec = TensorSpec.Of(x[0]);
            return [spec, spec, spec];
        },
        (x, a) =>
        {
            var (w, m, v, g) = (x[0].Contiguous(), x[1].Contiguous(), x[2].Contiguous(), x[3].Contiguous());
            var outs = new[] { Tensor.Empty(w.Shape, w.DType), Tensor.Empty(w.Shape, w.DType), Tensor.Empty(w.Shape, w.DType) };
            double b1 = a.Double("beta1"), b2 = a.Double("beta2"), eps = a.Double("epsilon");
            if (w.DType == DType.Float32)
                AdamKernel.Run(w.Span<float>(), m.Span<float>(), v.Span<float>(), g.Span<float>(), x[4].Item<float>(), (float)(1 - b1), (float)(1 - b2), (float)eps,
                             outs[0].Span<float>(), outs[1].Span<float>(), outs[2].Span<float>());
            else
                AdamKernel.Run(w.Span<double>(), m.Span<double>(), v.Span<double>(), g.Span<double>(), x[4].Item<double>(), 1 - b1, 1 - b2, eps,
                             outs[0].Span<double>(), outs[1].Span<double>(), outs[2].Span<double>());
            w.KeepAlive(); m.KeepAlive(); v.KeepAlive(); g.KeepAlive();
            return outs;
        })
    { NoOnnx = "the fused Adam update that optimizers build for training; ONNX's standard opsets have no optimizer operators (only the preview training domain has one)" };
}
