using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Eager.Kernels.Quant;

/// <summary>
/// 8-bit integer matrix multiply with zero points and an int32 result, ONNX's MatMulInteger:
/// C[i,j] = sum_p (A[i,p] - aZero[i]) * (B[p,j] - bZero[j]), with A and B each uint8 or int8.
/// <para>Every combination runs one u8 x s8 core: int8 A is shifted to uint8 (x + 128) and uint8 B to int8
/// (x - 128) while packing, and the shifts join the zero points, which are applied afterwards from the row sums of
/// A and column sums of B (sum (a - za)(b - zb) = sum ab - zb sum a - za sum b + k za zb). int32 arithmetic wraps,
/// so the result is exact whenever the true sum fits in int32 (k up to 66,000 at least).</para>
/// <para>Kernel families: AVX-VNNI's <c>vpdpbusd</c> (four u8 x s8 products summed into each int32 lane, exact);
/// AVX-512BW or AVX2; a portable int32 loop. Without VNNI, <c>vpmaddubsw</c> adds two u8 x s8 products into a
/// <i>saturating</i> int16, which overflows when both weights are large (255 x 127 x 2 &gt; 32767): ONNX Runtime
/// documents this and recommends 7-bit weights (reduce_range). Here nothing saturates: when every packed B value lies
/// in [-64, 64] (7-bit weights) <c>vpmaddubsw</c> + <c>vpmaddwd</c> run (exact there); otherwise both operands are
/// packed as int16 pairs and one <c>vpmaddwd</c> sums two exact products per int32 lane (the same products per multiply
/// instruction, with operands twice the bytes: about 75% of the 7-bit speed).</para>
/// </summary>
public static class Int8Gemm
{
    /// <summary>
    /// C = (A - aZero) * (B - bZero) in int32. A is m x k row-major with row stride <paramref name="lda"/>; B is k x n
    /// row-major with row stride <paramref name="ldb"/>; C is m x n with row stride <paramref name="ldc"/>.
    /// <paramref name="aZero"/> holds one zero point or one per row of A; <paramref name="bZero"/> one or one per
    /// column of B. <typeparamref name="TA"/> and <typeparamref name="TB"/> are each <see cref="byte"/> or <see cref="sbyte"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is invalid, a span is too short, a zero point list has
    /// the wrong length or a value outside its type, or an element type is not byte/sbyte.</exception>
    public static void Multiply<TA, TB>(int m, int n, int k, ReadOnlySpan<TA> a, int lda, ReadOnlySpan<int> aZero,
        ReadOnlySpan<TB> b, int ldb, ReadOnlySpan<int> bZero, Span<int> c, int ldc)
        where TA : unmanaged where TB : unmanaged
    {
        bool aSigned = SignedOf<TA>("A"), bSigned = SignedOf<TB>("B");
        if (m < 0 || n < 0 || k < 0) ThrowArg($"Int8Gemm: dimensions must be non-negative, got m={m}, n={n}, k={k}.");
        if (lda < k && m > 1 || ldb < n && k > 1 || ldc < n && m > 1)
            ThrowArg($"Int8Gemm: row strides ({lda}, {ldb}, {ldc}) must cover the rows ({k}, {n}, {n}).");
        if (m > 0 && k > 0 && a.Length < (long)(m - 1) * lda + k) ThrowArg($"Int8Gemm: A ({m}x{k}, row stride {lda}) needs {(long)(m - 1) * lda + k} elements, the span has {a.Length}.");
        if (k > 0 && n > 0 && b.Length < (long)(k - 1) * ldb + n) ThrowArg($"Int8Gemm: B ({k}x{n}, row stride {ldb}) needs {(long)(k - 1) * ldb + n} elements, the span has {b.Length}.");
        if (m > 0 && n > 0 && c.Length < (long)(m - 1) * ldc + n) ThrowArg($"Int8Gemm: C ({m}x{n}, row stride {ldc}) needs {(long)(m - 1) * ldc + n} elements, the span has {c.Length}.");
        CheckZero(aZero, m, aSigned, "A's zero point", "rows of A");
        CheckZero(bZero, n, bSigned, "B's zero point", "columns of B");
        if (m == 0 || n == 0) return;
        // The core sees A as uint8 and B as int8; the shifts that make them so move into the zero points.
        var alpha = new int[aZero.Length];
        for (int i = 0; i < alpha.Length; i++) alpha[i] = aZero[i] + (aSigned ? 128 : 0);
        var beta = new int[bZero.Length];
        for (int j = 0; j < beta.Length; j++) beta[j] = bZero[j] - (bSigned ? 0 : 128);
        unsafe
        {
            fixed (TA* pa = a) fixed (TB* pb = b) fixed (int* pc = c)
                Int8GemmDriver.Run(Choose(m, n, k), m, n, k, (byte*)pa, lda, aSigned, alpha, (byte*)pb, ldb, bSigned, beta, pc, ldc);
        }
    }

    /// <summary>Which kernel family runs: Auto (the default) picks the fastest the CPU has; tests and benchmarks force
    /// the others (a forced family the CPU lacks falls back to <see cref="Int8GemmPath.Portable"/>).</summary>
    public static Int8GemmPath Path { get; set; } = Int8GemmPath.Auto;

    /// <summary>The family Auto picks for large products on this CPU.</summary>
    public static Int8GemmPath BestPath =>
        AvxVnni.IsSupported ? Int8GemmPath.AvxVnni
        : Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? Int8GemmPath.Avx512BW
        : Avx2.IsSupported ? Int8GemmPath.Avx2
        : Int8GemmPath.Portable;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(Int8GemmPath path) => path switch
    {
        Int8GemmPath.AvxVnni => AvxVnni.IsSupported,
        Int8GemmPath.Avx512BW => Avx512BW.IsSupported,
        Int8GemmPath.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    private static Int8GemmPath Choose(int m, int n, int k)
    {
        var p = Path;
        if (p == Int8GemmPath.Auto)
        {
            p = (long)m * n * k < 4096 ? Int8GemmPath.Portable : BestPath;
            // The 512-bit tile is 32 columns wide: a narrower output (a small convolution's channels) wastes most of it.
            if (p == Int8GemmPath.Avx512BW && n <= 16 && Avx2.IsSupported) p = Int8GemmPath.Avx2;
        }
        return IsSupported(p) ? p : Int8GemmPath.Portable;
    }

    private static bool SignedOf<T>(string operand)
    {
        if (typeof(T) == typeof(sbyte)) return true;
        if (typeof(T) != typeof(byte)) ThrowArg($"Int8Gemm: {operand} must be byte or sbyte, got {typeof(T).Name}.");
        return false;
    }

    private static void CheckZero(ReadOnlySpan<int> zero, int count, bool signed, string what, string per)
    {
        if (zero.Length != 1 && zero.Length != count)
            ThrowArg($"Int8Gemm: {what} must have 1 value or one per {per} ({count}), got {zero.Length}.");
        int lo = signed ? -128 : 0, hi = signed ? 127 : 255;
        foreach (int z in zero)
            if (z < lo || z > hi) ThrowArg($"Int8Gemm: {what} {z} is outside [{lo}, {hi}].");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArg(string message) => throw new ArgumentException(message);
}

/// <summary>Kernel families of <see cref="Int8Gemm"/>.</summary>
public enum Int8GemmPath
{
    /// <summary>The fastest family this CPU has; the portable loop for tiny products.</summary>
    Auto,
    /// <summary>256-bit AVX-VNNI <c>vpdpbusd</c>.</summary>
    AvxVnni,
    /// <summary>512-bit <c>vpmaddubsw</c> + <c>vpmaddwd</c> for 7-bit B; the 256-bit int16 <c>vpmaddwd</c> kernel otherwise.</summary>
    Avx512BW,
    /// <summary>256-bit <c>vpmaddubsw</c> + <c>vpmaddwd</c> for 7-bit B; int16 <c>vpmaddwd</c> otherwise.</summary>
    Avx2,
    /// <summary>int32 multiply-adds on <see cref="System.Numerics.Vector{T}"/>, no packing.</summary>
    Portable,
}
