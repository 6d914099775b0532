using System.Numerics;
using Eager.Kernels.Memory;
using Eager.Kernels.Random;

namespace Eager.Kernels.NN;

/// <summary>Inverted-dropout masks: each element kept with probability 1 - rate and then scaled by 1 / (1 - rate),
/// so the expected value is unchanged. Element i depends only on (seed, i), like every Philox stream.</summary>
public static class DropoutMask
{
    /// <summary>mask[i] = 1 / (1 - rate) where uniform(seed, i) >= rate, else 0. Requires 0 &lt;= rate &lt; 1.</summary>
    public static void Fill<T>(ulong seed, double rate, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = BufferPool<double>.Rent(mask.Length);
        var us = u.AsSpan(0, mask.Length);
        Philox.Uniform(seed, us);
        T scale = T.CreateChecked(1.0 / (1.0 - rate));
        for (int i = 0; i < mask.Length; i++) mask[i] = us[i] >= rate ? scale : T.Zero;
        BufferPool<double>.Return(u);
    }
}
