using Eager;

namespace StyleTransfer;

/// <summary>The Gatys et al. losses, written with public ops so they trace and differentiate.</summary>
internal static class Losses
{
    /// <summary>Gram matrix of a [1, H, W, C] feature map, normalised by H*W*C: [C, C].</summary>
    public static Tensor Gram(Tensor features)
    {
        int c = features.Shape[-1];
        int hw = features.Shape[1] * features.Shape[2];
        var f = Ops.Reshape(features, -1, c);
        return Ops.MatMul(f, f, transposeA: true) / (double)(hw * c);
    }

    /// <summary>Mean squared difference.</summary>
    public static Tensor Mse(Tensor a, Tensor b) => Ops.ReduceMean(Ops.Square(a - b));

    /// <summary>Total variation: mean squared difference of neighbouring pixels of a [1, H, W, 3] image.</summary>
    public static Tensor TotalVariation(Tensor image)
    {
        int h = image.Shape[1], w = image.Shape[2];
        var dy = Ops.Slice(image, [0, 1, 0, 0], [-1, -1, -1, -1]) - Ops.Slice(image, [0, 0, 0, 0], [-1, h - 1, -1, -1]);
        var dx = Ops.Slice(image, [0, 0, 1, 0], [-1, -1, -1, -1]) - Ops.Slice(image, [0, 0, 0, 0], [-1, -1, w - 1, -1]);
        return Ops.ReduceMean(Ops.Square(dy)) + Ops.ReduceMean(Ops.Square(dx));
    }
}
