using System.Runtime.CompilerServices;

namespace Eager.NN;

/// <summary>
/// Which layer activations the fused contraction kernels (<see cref="Ops.FusedConv2D"/>, <see cref="Ops.FusedMatMul"/>)
/// apply themselves: the registered ops whose lanes are an epilogue (<see cref="LaneDef.IsEpilogue"/>), recognised by
/// the function users pass (<see cref="LaneDef.Function"/>). Running eagerly, a Conv2D or Dense layer whose activation
/// is one of these makes one call that adds the bias and applies the activation while the result is still in cache,
/// instead of two more passes over it, and a tape keeps one activation per layer instead of three. Tracing keeps the
/// plain ops: the optimiser fuses them for running, and the ONNX exporter maps them one by one.
/// </summary>
internal static class FusedActivation
{
    // Layers keep their activation delegate, so one registry scan per delegate.
    private static readonly ConditionalWeakTable<Func<Tensor, Tensor>, StrongBox<string?>> Known = new();

    /// <summary>The fused kernel's name for <paramref name="activation"/> ("None" for none), or null when it has none
    /// (a lambda, or an activation that is not an epilogue).</summary>
    public static string? Of(Func<Tensor, Tensor>? activation)
    {
        if (activation is null) return "None";
        return Known.GetValue(activation, fn => new StrongBox<string?>(
            OpRegistry.All.FirstOrDefault(op => op.Lanes is { IsEpilogue: true, Function: { } f } && f.Equals(fn))?.Name)).Value;
    }

    /// <summary>Whether a layer should call the fused kernel for input <paramref name="x"/>: only when running eagerly.</summary>
    public static bool Applies(Tensor x, Func<Tensor, Tensor>? activation, out string name)
    {
        name = x.IsSymbolic ? null! : Of(activation)!;
        return name is not null;
    }
}
