namespace Eager;

/// <summary>
/// The element-wise ops a fused program can hold: every registered op that declares its lanes
/// (<see cref="OpDef.Lanes"/>). Derived from the registry on every look-up, so an op registered later (a user's own
/// activation) fuses like the built-in ones.
/// </summary>
internal static class FusedOps
{
    /// <summary>The fusible op named <paramref name="name"/>, or null.</summary>
    public static OpDef? Find(string name) => OpRegistry.TryGet(name, out var op) && op!.Lanes is not null ? op : null;

    /// <summary>The lanes of a graph op, or null when it cannot be fused.</summary>
    public static LaneDef? Of(OpDef op) => op.Lanes;

    /// <summary>Every fusible op.</summary>
    public static IEnumerable<OpDef> All => OpRegistry.All.Where(op => op.Lanes is not null);
}
