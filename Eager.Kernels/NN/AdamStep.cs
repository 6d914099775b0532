using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Eager.Kernels.NN;

/// <summary>
/// One Adam step over a weight in a single pass (Keras' rule, as <c>Eager.NN.Adam</c> writes it op by op):
/// <c>m' = m + (g - m) c1</c>, <c>v' = v + (g g - v) c2</c>, <c>w' = w - (m' alpha) / (sqrt(v') + eps)</c>, with
/// c1 = 1 - beta1, c2 = 1 - beta2 and alpha the bias-corrected learning rate. Each operation rounds as its own op
/// would (no fused multiply-adds), so the result is bitwise the op-by-op one; a dozen passes over four arrays
/// become one.
/// </summary>
public static class AdamStep
{
    /// <summary>Writes w', m', v' for elements [0, w.Length).</summary>
    public static void Apply<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> m, ReadOnlySpan<T> v, ReadOnlySpan<T> g,
                                T alpha, T c1, T c2, T eps, Span<T> wOut, Span<T> mOut, Span<T> vOut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = w.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            ref T rw = ref MemoryMarshal.GetReference(w), rm = ref MemoryMarshal.GetReference(m);
            ref T rv = ref MemoryMarshal.GetReference(v), rg = ref MemoryMarshal.GetReference(g);
            ref T ow = ref MemoryMarshal.GetReference(wOut), om = ref MemoryMarshal.GetReference(mOut), ov = ref MemoryMarshal.GetReference(vOut);
            var va = Vector256.Create(alpha);
            var v1 = Vector256.Create(c1);
            var v2 = Vector256.Create(c2);
            var ve = Vector256.Create(eps);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                nuint k = (nuint)i;
                var gi = Vector256.LoadUnsafe(ref rg, k);
                var mi = Vector256.LoadUnsafe(ref rm, k);
                var vi = Vector256.LoadUnsafe(ref rv, k);
                var m2 = mi + (gi - mi) * v1;
                var v2i = vi + (gi * gi - vi) * v2;
                var w2 = Vector256.LoadUnsafe(ref rw, k) - m2 * va / (Vector256.Sqrt(v2i) + ve);
                m2.StoreUnsafe(ref om, k);
                v2i.StoreUnsafe(ref ov, k);
                w2.StoreUnsafe(ref ow, k);
            }
        }
        for (; i < n; i++)
        {
            T m2 = m[i] + (g[i] - m[i]) * c1;
            T v2 = v[i] + (g[i] * g[i] - v[i]) * c2;
            mOut[i] = m2;
            vOut[i] = v2;
            wOut[i] = w[i] - m2 * alpha / (T.Sqrt(v2) + eps);
        }
    }

    /// <summary>As <see cref="Apply{T}"/>, split across cores for large weights.</summary>
    public static unsafe void Run<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> m, ReadOnlySpan<T> v, ReadOnlySpan<T> g,
                                     T alpha, T c1, T c2, T eps, Span<T> wOut, Span<T> mOut, Span<T> vOut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = w.Length;
        fixed (T* pw = w, pm = m, pv = v, pg = g, qw = wOut, qm = mOut, qv = vOut)
        {
            nint aw = (nint)pw, am = (nint)pm, av = (nint)pv, ag = (nint)pg, bw = (nint)qw, bm = (nint)qm, bv = (nint)qv;
            // Seven arrays touched per element: about four element-wise ops' worth of memory traffic.
            Workers.For(n, 4 * Workers.ElementWork, (s, e) =>
            {
                int len = e - s;
                Apply(new ReadOnlySpan<T>((T*)aw + s, len), new ReadOnlySpan<T>((T*)am + s, len), new ReadOnlySpan<T>((T*)av + s, len),
                      new ReadOnlySpan<T>((T*)ag + s, len), alpha, c1, c2, eps,
                      new Span<T>((T*)bw + s, len), new Span<T>((T*)bm + s, len), new Span<T>((T*)bv + s, len));
            }, align: 64);
        }
    }
}
