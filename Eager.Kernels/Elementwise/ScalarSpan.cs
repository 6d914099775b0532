using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.Elementwise;

/// <summary>
/// A float32 span times or plus one scalar, for kernels that call it once per short row (softmax rows). Compiled
/// fully optimised from the first call: TensorPrimitives' generic loops start at tier 0 and, called on rows of a
/// thousand elements, stay there for the first hundreds of milliseconds (a loop that short never triggers on-stack
/// replacement), which made a fresh process's first softmax calls seven times slower than later ones.
/// </summary>
public static class ScalarSpan
{
    /// <summary>y[i] = x[i] * s. x and y have equal length and may be the same span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> x, float s, Span<float> y) => Apply(x, s, y, multiply: true);

    /// <summary>y[i] = x[i] + s. x and y have equal length and may be the same span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> x, float s, Span<float> y) => Apply(x, s, y, multiply: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply(ReadOnlySpan<float> x, float s, Span<float> y, bool multiply)
    {
        if (y.Length != x.Length) throw new ArgumentException($"ScalarSpan: destination length {y.Length} differs from source length {x.Length}.", nameof(y));
        int i = 0, n = x.Length, bits = VectorWidth.Bits;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        if (bits >= 512 && Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(s);
            for (; i <= n - 32; i += 32)
            {
                var a = Vector512.LoadUnsafe(ref xs, (nuint)i);
                var b = Vector512.LoadUnsafe(ref xs, (nuint)(i + 16));
                (multiply ? a * v : a + v).StoreUnsafe(ref ys, (nuint)i);
                (multiply ? b * v : b + v).StoreUnsafe(ref ys, (nuint)(i + 16));
            }
            for (; i <= n - 16; i += 16)
            {
                var a = Vector512.LoadUnsafe(ref xs, (nuint)i);
                (multiply ? a * v : a + v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        if (bits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var v = Vector256.Create(s);
            for (; i <= n - 8; i += 8)
            {
                var a = Vector256.LoadUnsafe(ref xs, (nuint)i);
                (multiply ? a * v : a + v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        for (; i < n; i++) y[i] = multiply ? x[i] * s : x[i] + s;
    }
}
