namespace Eager.NN;

/// <summary>
/// A dtype policy (Keras' <c>keras.mixed_precision.Policy</c>): the dtype a layer keeps its weights in and the dtype it
/// computes in. <see cref="MixedBFloat16"/> and <see cref="MixedFloat16"/> keep weights in float32 (so small updates are
/// not lost) and run the layers in 16 bits: inputs are cast on entry, weights are read through a cast
/// (<see cref="Variable.AutoCast"/>), and matrix products and convolutions still accumulate in float32. Losses compute in
/// float32. Float16's narrow range needs loss scaling (<see cref="LossScaleOptimizer"/>); bfloat16 does not.
/// </summary>
/// <param name="Name">"float32", "mixed_bfloat16", "mixed_float16" (or the name of a plain dtype).</param>
/// <param name="VariableDType">The dtype of the weights.</param>
/// <param name="ComputeDType">The dtype of the layer's inputs and outputs while it computes.</param>
public sealed record Policy(string Name, DType VariableDType, DType ComputeDType)
{
    /// <summary>Everything in float32 (the default).</summary>
    public static Policy Float32 { get; } = new("float32", DType.Float32, DType.Float32);

    /// <summary>Weights in float32, compute in bfloat16: float32's range, so no loss scaling is needed.</summary>
    public static Policy MixedBFloat16 { get; } = new("mixed_bfloat16", DType.Float32, DType.BFloat16);

    /// <summary>Weights in float32, compute in float16: more precise than bfloat16 but with a range of only ±65504, so
    /// train with a <see cref="LossScaleOptimizer"/>.</summary>
    public static Policy MixedFloat16 { get; } = new("mixed_float16", DType.Float32, DType.Float16);

    /// <summary>True when weights and compute differ (a mixed policy).</summary>
    public bool IsMixed => VariableDType != ComputeDType;

    /// <summary>The policy named <paramref name="name"/>: "mixed_bfloat16", "mixed_float16", or a dtype name such as
    /// "float32", "bfloat16" (weights and compute both in that dtype). Also accepts the short forms "bf16", "fp16", "fp32".</summary>
    /// <exception cref="ArgumentException">An unknown name or a non-floating dtype.</exception>
    public static Policy Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name.ToLowerInvariant())
        {
            case "mixed_bfloat16" or "bf16" or "mixed_bf16": return MixedBFloat16;
            case "mixed_float16" or "fp16" or "f16" or "mixed_fp16": return MixedFloat16;
            case "float32" or "fp32" or "f32": return Float32;
        }
        DType d;
        try { d = DTypes.Parse(name); }
        catch (ArgumentException) { throw new ArgumentException($"Policy: unknown policy '{name}'; use mixed_bfloat16, mixed_float16, float32 or a floating dtype name.", nameof(name)); }
        if (!d.IsFloating) throw new ArgumentException($"Policy: '{name}' is not a floating dtype.", nameof(name));
        return new Policy(d.Name(), d, d);
    }

    /// <inheritdoc/>
    public override string ToString() => $"<Policy \"{Name}\": variables {VariableDType.Name()}, compute {ComputeDType.Name()}>";
}

/// <summary>The global dtype policy that layers take when they are built (Keras' <c>set_global_policy</c>).</summary>
public static class Precision
{
    private static volatile Policy global = Policy.Float32;

    /// <summary>The policy of layers built from now on that have no <see cref="Layer.Policy"/> of their own.</summary>
    public static Policy GlobalPolicy
    {
        get => global;
        set => global = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Sets <see cref="GlobalPolicy"/> by name ("mixed_bfloat16", "mixed_float16", "float32").</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static void SetGlobalPolicy(string name) => GlobalPolicy = Policy.Parse(name);

    /// <summary>Sets <see cref="GlobalPolicy"/>.</summary>
    public static void SetGlobalPolicy(Policy policy) => GlobalPolicy = policy;

    /// <summary>Sets the global policy until the returned scope is disposed (then restores the previous one): for tests
    /// and for building one model in another precision.</summary>
    public static IDisposable Scope(Policy policy)
    {
        var previous = GlobalPolicy;
        GlobalPolicy = policy;
        return new Restore(previous);
    }

    private sealed class Restore(Policy previous) : IDisposable
    {
        public void Dispose() => GlobalPolicy = previous;
    }
}
