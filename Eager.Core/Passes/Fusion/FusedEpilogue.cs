using System.Numerics.Tensors;
using Eager.Kernels;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// The tail of a fused matrix product or convolution: adds the bias along the last dimension and applies the
/// activation, in place on the product's fresh result, one row at a time while the row is in cache. Uses BiasAdd's
/// arithmetic and the activation's own lanes, so the result equals the unfused one bit for bit. The activations are
/// the registered ops whose lanes declare an epilogue gradient (<see cref="LaneDef.EpilogueGradient"/>).
/// </summary>
internal static class FusedEpilogue
{
    /// <summary>Whether <paramref name="op"/> can end a fused product: a unary op without attributes whose gradient is
    /// written from its output.</summary>
    public static bool IsActivation(OpDef op) => op.Lanes?.IsEpilogue == true;

    /// <summary>"None" and the name of every activation a fused product can end with.</summary>
    public static IEnumerable<string> Activations => ["None", .. OpRegistry.All.Where(IsActivation).Select(op => op.Name).Order(StringComparer.Ordinal)];

    /// <summary>The activation named by an op, or null when the op cannot end a fused product.</summary>
    public static string? ActivationOf(OpDef op) => IsActivation(op) ? op.Name : null;

    /// <summary>Whether <paramref name="activation"/> is "None" or names an activation op.</summary>
    public static bool Knows(string activation) => activation == "None" || (OpRegistry.TryGet(activation, out var op) && IsActivation(op!));

    private static LaneDef? Lanes(string activation) =>
        activation == "None" ? null
        : OpRegistry.TryGet(activation, out var op) && IsActivation(op!) ? op!.Lanes
        : throw new ArgumentException($"Fused activation '{activation}' is not one of {string.Join(", ", Activations)}.");

    /// <summary>z = act(z + bias) in place; <paramref name="z"/> is contiguous and owned by the caller.</summary>
    public static void Apply(Tensor z, Tensor? bias, string activation)
    {
        if (z.DType == DType.Float32) Apply<float>(z, bias, Lanes(activation)?.Float32);
        else Apply<double>(z, bias, Lanes(activation)?.Float64);
    }

    private static void Apply<T>(Tensor z, Tensor? bias, LaneFn<T>? activation) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = z.Rank == 0 ? 1 : z.Shape[-1];
        int rows = n == 0 ? 0 : z.Shape.Size / n;
        if (rows == 0) return;
        var b = bias?.Contiguous();
        var za = Broadcasting.Arr<T>(z);
        var ba = b is null ? null : Broadcasting.Arr<T>(b);
        int zo = z.Offset, bo = b?.Offset ?? 0;
        Workers.For(rows, (long)n * Workers.ElementWork, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var row = za.AsSpan(zo + r * n, n);
                if (ba is not null) TensorPrimitives.Add(row, ba.AsSpan(bo, n), row);
                if (activation is not null) activation(new LaneArgs<T>(row, default, default, 0), row);
            }
        });
        z.KeepAlive();
        b?.KeepAlive();
    }

    /// <summary>The gradient at the activation's input, from its output <paramref name="y"/> and the output gradient <paramref name="g"/>.</summary>
    public static Tensor Gradient(string activation, Tensor y, Tensor g) => Lanes(activation) is { } lanes ? lanes.EpilogueGradient!(y, g) : g;
}
