namespace Eager.NN;

/// <summary>
/// Which layer activations the fused contraction kernels (<see cref="Ops.FusedConv2D"/>, <see cref="Ops.FusedMatMul"/>)
/// apply themselves. Running eagerly, a Conv2D or Dense layer whose activation is one of these makes one call that adds
/// the bias and applies the activation while the result is still in cache, instead of two more passes over it, and a
/// tape keeps one activation per layer instead of three. Tracing keeps the plain ops: the optimiser fuses them for
/// running, and the ONNX exporter maps them one by one.
/// </summary>
internal static class FusedActivation
{
    private static readonly (Func<Tensor, Tensor> Fn, string Name)[] Known =
    [
        (Ops.Relu, "Relu"), (Ops.Relu6, "Relu6"), (Ops.Elu, "Elu"), (Ops.Sigmoid, "Sigmoid"), (Ops.Tanh, "Tanh"),
    ];

    /// <summary>The fused kernel's name for <paramref name="activation"/> ("None" for none), or null when it has none
    /// (a lambda, or an activation the kernels do not know).</summary>
    public static string? Of(Func<Tensor, Tensor>? activation)
    {
        if (activation is null) return "None";
        foreach (var (fn, name) in Known)
            if (activation.Equals(fn)) return name;
        return null;
    }

    /// <summary>Whether a layer should call the fused kernel for input <paramref name="x"/>: only when running eagerly.</summary>
    public static bool Applies(Tensor x, Func<Tensor, Tensor>? activation, out string name)
    {
        name = x.IsSymbolic ? null! : Of(activation)!;
        return name is not null;
    }
}
