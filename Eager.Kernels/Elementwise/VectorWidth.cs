namespace Eager.Kernels.Elementwise;

/// <summary>The widest vectors the element-wise span loops (<see cref="FastExp"/>, <see cref="ScalarSpan"/>) use: 512
/// (default), 256 or 0 (scalar). Tests force the narrower paths so each is checked on any machine.</summary>
internal static class VectorWidth
{
    internal static int Bits { get; set; } = 512;
}
