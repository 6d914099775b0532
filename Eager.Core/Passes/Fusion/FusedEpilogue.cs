using System.Numerics.Tensors;
using Eager.Kernels;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// The tail of a fused matrix product or convolution: adds the bias along the last dimension and applies the
/// activation, in place on the product's fresh result, one row at a time while the row is in cache. Uses the same
/// kernel operators as BiasAdd and the activation ops, so the result equals the unfused one bit for bit.
/// </summary>
internal static class FusedEpilogue
{
    /// <summary>Activations a fused product can end with; each has a gradient written from its output alone.</summary>
    public static readonly string[] Activations = ["None", "Relu", "Relu6", "Elu", "Sigmoid", "Tanh"];

    /// <summary>The activation named by an op, or null when the op is not one of <see cref="Activations"/>.</summary>
    public static string? ActivationOf(OpDef op) =>
        op == Ops.ReluDef ? "Relu" : op == Ops.Relu6Def ? "Relu6" : op == Ops.EluDef ? "Elu" :
        op == Ops.SigmoidDef ? "Sigmoid" : op == Ops.TanhDef ? "Tanh" : null;

    /// <summary>z = act(z + bias) in place; <paramref name="z"/> is contiguous and owned by the caller.</summary>
    public static void Apply(Tensor z, Tensor? bias, string activation)
    {
        if (z.DType == DType.Float32) Apply<float>(z, bias, activation);
        else Apply<double>(z, bias, activation);
    }

    private static void Apply<T>(Tensor z, Tensor? bias, string activation) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
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
                Activate(row, activation);
            }
        });
        z.KeepAlive();
        b?.KeepAlive();
    }

    private static void Activate<T>(Span<T> row, string activation) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (activation)
        {
            case "None": break;
            case "Relu": default(ReluOp<T>).Apply(row, row); break;
            case "Relu6": default(Relu6Op<T>).Apply(row, row); break;
            case "Elu": default(EluOp<T>).Apply(row, row); break;
            case "Sigmoid": default(SigmoidOp<T>).Apply(row, row); break;
            case "Tanh": default(TanhOp<T>).Apply(row, row); break;
            default: throw new ArgumentException($"Fused activation '{activation}' is not one of {string.Join(", ", Activations)}.");
        }
    }

    /// <summary>The gradient at the activation's input, from its output <paramref name="y"/> and the output gradient <paramref name="g"/>
    /// (the activation ops' own rules, written through their outputs).</summary>
    public static Tensor Gradient(string activation, Tensor y, Tensor g) => activation switch
    {
        "None" => g,
        "Relu" => Ops.Where(y > 0.0, g, Ops.ZerosLike(g)),
        "Relu6" => Ops.Where(Ops.LogicalAnd(y > 0.0, y < 6.0), g, Ops.ZerosLike(g)),
        "Elu" => Ops.Where(y > 0.0, g, g * (y + 1.0)),
        "Sigmoid" => g * y * (1.0 - y),
        "Tanh" => g * (1.0 - Ops.Square(y)),
        _ => throw new ArgumentException($"Fused activation '{activation}' is not one of {string.Join(", ", Activations)}."),
    };
}
