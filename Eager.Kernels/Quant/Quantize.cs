using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Eager.Kernels.Quant;

/// <summary>
/// Conversions between float32 and 8-bit integers with ONNX's QuantizeLinear/DequantizeLinear arithmetic, and the
/// requantisation of int32 accumulators. Quantising divides by the scale in float32, rounds half to even, adds the
/// zero point and saturates to the integer type's range; dequantising computes (q - zero) * scale in float32.
/// Data is seen as [outer, channels, inner] with one scale and zero point per channel (one channel: per tensor);
/// the quantised element type is <see cref="byte"/> or <see cref="sbyte"/> (and <see cref="int"/> when dequantising).
/// </summary>
public static class Quantize
{
    /// <summary>y = saturate(round_half_even(x / scale[c]) + zero[c]); NaN gives the zero point.</summary>
    /// <exception cref="ArgumentException">Lengths disagree, or <typeparamref name="TQ"/> is not byte/sbyte.</exception>
    public static void Linear<TQ>(ReadOnlySpan<float> x, Span<TQ> y, int channels, int inner, ReadOnlySpan<float> scale, ReadOnlySpan<int> zero)
        where TQ : unmanaged
    {
        var (lo, hi) = Range<TQ>(allowInt: false);
        Check(x.Length, y.Length, channels, inner, scale.Length, zero.Length);
        int w = Vector<float>.Count;
        int blocks = channels == 0 || inner == 0 ? 0 : x.Length / (channels * inner);
        for (int o = 0, at = 0; o < blocks; o++)
        {
            for (int ch = 0; ch < channels; ch++, at += inner)
            {
                float s = scale[ch];
                int z = zero[ch];
                int i = 0;
                if (inner >= w)
                {
                    var vs = new Vector<float>(s);
                    var vz = new Vector<float>(z);
                    var vlo = new Vector<float>(lo);
                    var vhi = new Vector<float>(hi);
                    ref byte dst = ref Unsafe.As<TQ, byte>(ref MemoryMarshal.GetReference(y));
                    for (; i + 4 * w <= inner; i += 4 * w)
                    {
                        var q0 = One(x.Slice(at + i, w), vs, vz, vlo, vhi);
                        var q1 = One(x.Slice(at + i + w, w), vs, vz, vlo, vhi);
                        var q2 = One(x.Slice(at + i + 2 * w, w), vs, vz, vlo, vhi);
                        var q3 = One(x.Slice(at + i + 3 * w, w), vs, vz, vlo, vhi);
                        // In range already, so truncating narrows exactly (as bytes of either sign).
                        var b = Vector.Narrow(Vector.AsVectorUInt16(Vector.Narrow(q0, q1)), Vector.AsVectorUInt16(Vector.Narrow(q2, q3)));
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, at + i), b);
                    }
                    for (; i + w <= inner; i += w)
                    {
                        var q = One(x.Slice(at + i, w), vs, vz, vlo, vhi);
                        for (int l = 0; l < w; l++) y[at + i + l] = Narrow<TQ>(q[l]);
                    }
                }
                for (; i < inner; i++) y[at + i] = Narrow<TQ>(One(x[at + i], s, z, lo, hi));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> One(ReadOnlySpan<float> x, Vector<float> vs, Vector<float> vz, Vector<float> vlo, Vector<float> vhi)
    {
        var v = Vector.Round(new Vector<float>(x) / vs) + vz;
        // NaN compares false both ways and would survive Min/Max: it gives the zero point.
        v = Vector.ConditionalSelect(Vector.Equals(v, v), v, vz);
        return Vector.ConvertToInt32(Vector.Min(Vector.Max(v, vlo), vhi));
    }

    /// <summary>One value as <see cref="Linear"/> quantises it.</summary>
    public static int One(float x, float scale, int zero, int lo, int hi)
    {
        float v = MathF.Round(x / scale) + zero;
        if (float.IsNaN(v)) return Math.Clamp(zero, lo, hi);
        return (int)Math.Clamp(v, lo, hi);
    }

    /// <summary>y = (x - zero[c]) * scale[c] in float32.</summary>
    /// <exception cref="ArgumentException">Lengths disagree, or <typeparamref name="TQ"/> is not byte/sbyte/int.</exception>
    public static void Dequantize<TQ>(ReadOnlySpan<TQ> x, Span<float> y, int channels, int inner, ReadOnlySpan<float> scale, ReadOnlySpan<int> zero)
        where TQ : unmanaged
    {
        Range<TQ>(allowInt: true);
        Check(x.Length, y.Length, channels, inner, scale.Length, zero.Length);
        int blocks = channels == 0 || inner == 0 ? 0 : x.Length / (channels * inner);
        for (int o = 0, at = 0; o < blocks; o++)
        {
            for (int ch = 0; ch < channels; ch++, at += inner)
            {
                float s = scale[ch];
                int z = zero[ch];
                var dst = y.Slice(at, inner);
                if (typeof(TQ) != typeof(int) && inner >= 16)
                {
                    // Exactly (x - z) * s: the difference of two small integers is exact in float32.
                    if (typeof(TQ) == typeof(byte)) TensorPrimitives.ConvertChecked(MemoryMarshal.Cast<TQ, byte>(x.Slice(at, inner)), dst);
                    else TensorPrimitives.ConvertChecked(MemoryMarshal.Cast<TQ, sbyte>(x.Slice(at, inner)), dst);
                    TensorPrimitives.Add(dst, -z, dst);
                    TensorPrimitives.Multiply(dst, s, dst);
                    continue;
                }
                for (int i = 0; i < inner; i++) dst[i] = (float)(Widen(x[at + i]) - z) * s;
            }
        }
    }

    /// <summary>
    /// Requantises a rows x cols int32 accumulator: y = saturate(round_half_even((acc + bias[j]) * multiplier[j]) + zero),
    /// clamped below at the zero point when <paramref name="relu"/> (ReLU in the quantised domain). The product is
    /// computed in float32, as ONNX Runtime does. <paramref name="multiplier"/> has 1 or cols values;
    /// <paramref name="bias"/> is empty or has cols values.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, or <typeparamref name="TQ"/> is not byte/sbyte.</exception>
    public static void Requantize<TQ>(ReadOnlySpan<int> acc, Span<TQ> y, int rows, int cols, ReadOnlySpan<int> bias,
        ReadOnlySpan<float> multiplier, int zero, bool relu = false)
        where TQ : unmanaged
    {
        var (lo, hi) = Range<TQ>(allowInt: false);
        CheckRows(acc.Length, y.Length, rows, cols, bias.Length, multiplier.Length);
        if (relu) lo = Math.Max(lo, zero);
        int total = rows * cols;
        if (total == 0) return;
        int w = Vector<int>.Count, chunk = 4 * w;
        int e = 0;
        if (total >= chunk)
        {
            // The matrix is walked flat, four vectors at a time (narrowed to one vector of bytes), so narrow outputs
            // (8 channels) vectorise too: the per-column values are laid out cols + chunk long, repeating, so the chunk
            // that starts at column j reads them from j on.
            var mult = new float[cols + chunk];
            var add = new int[cols + chunk];
            for (int t = 0; t < mult.Length; t++)
            {
                mult[t] = multiplier[multiplier.Length == 1 ? 0 : t % cols];
                add[t] = bias.Length == 0 ? 0 : bias[t % cols];
            }
            var vz = new Vector<float>(zero);
            var vlo = new Vector<float>(lo);
            var vhi = new Vector<float>(hi);
            ref int src = ref MemoryMarshal.GetReference(acc);
            ref byte dst = ref Unsafe.As<TQ, byte>(ref MemoryMarshal.GetReference(y));
            int j = 0;
            for (; e + chunk <= total; e += chunk)
            {
                var q0 = Step(ref src, e, mult, add, j, vz, vlo, vhi);
                var q1 = Step(ref src, e + w, mult, add, j + w, vz, vlo, vhi);
                var q2 = Step(ref src, e + 2 * w, mult, add, j + 2 * w, vz, vlo, vhi);
                var q3 = Step(ref src, e + 3 * w, mult, add, j + 3 * w, vz, vlo, vhi);
                // Values are already within the type's range, so truncating narrows exactly (as bytes of either sign).
                var b = Vector.Narrow(Vector.AsVectorUInt16(Vector.Narrow(q0, q1)), Vector.AsVectorUInt16(Vector.Narrow(q2, q3)));
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, e), b);
                j += chunk;
                if (j >= cols) j %= cols;
            }
        }
        for (; e < total; e++)
        {
            int j = e % cols;
            int a = acc[e] + (bias.Length == 0 ? 0 : bias[j]);
            float v = MathF.Round(a * multiplier[multiplier.Length == 1 ? 0 : j]) + zero;
            y[e] = Narrow<TQ>((int)Math.Clamp(v, lo, hi));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Step(ref int acc, int e, float[] mult, int[] add, int j, Vector<float> vz, Vector<float> vlo, Vector<float> vhi)
    {
        var a = Unsafe.ReadUnaligned<Vector<int>>(ref Unsafe.As<int, byte>(ref Unsafe.Add(ref acc, e))) + new Vector<int>(add, j);
        var v = Vector.Round(Vector.ConvertToSingle(a) * new Vector<float>(mult, j)) + vz;
        return Vector.ConvertToInt32(Vector.Min(Vector.Max(v, vlo), vhi));
    }

    /// <summary>
    /// Dequantises a rows x cols int32 accumulator to float32: y = acc * scale[j] + bias[j], then max(y, 0) when
    /// <paramref name="relu"/>. <paramref name="scale"/> has 1 or cols values; <paramref name="bias"/> is empty or has cols values.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree.</exception>
    public static void ToFloat(ReadOnlySpan<int> acc, Span<float> y, int rows, int cols, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, bool relu = false)
    {
        CheckRows(acc.Length, y.Length, rows, cols, bias.Length, scale.Length);
        for (int i = 0; i < rows; i++)
        {
            var src = acc.Slice(i * cols, cols);
            var dst = y.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++)
            {
                float v = src[j] * scale[scale.Length == 1 ? 0 : j];
                if (bias.Length != 0) v += bias[j];
                dst[j] = relu && !(v > 0) ? 0 : v;
            }
        }
    }

    private static void Check(int xLen, int yLen, int channels, int inner, int scales, int zeros)
    {
        if (xLen != yLen) ThrowArg($"Quantize: input has {xLen} elements, output {yLen}.");
        if (channels < 1 || inner < 0 || (inner > 0 && xLen % ((long)channels * inner) != 0))
            ThrowArg($"Quantize: {xLen} elements do not split into [outer, {channels}, {inner}].");
        if (scales != channels || zeros != channels)
            ThrowArg($"Quantize: {channels} channels need {channels} scales and zero points, got {scales} and {zeros}.");
    }

    private static void CheckRows(int accLen, int yLen, int rows, int cols, int bias, int scales)
    {
        if (rows < 0 || cols < 0 || accLen < (long)rows * cols || yLen < (long)rows * cols)
            ThrowArg($"Quantize: a {rows}x{cols} accumulator needs {(long)rows * cols} elements, got {accLen} in and {yLen} out.");
        if (bias != 0 && bias != cols) ThrowArg($"Quantize: bias has {bias} values for {cols} columns.");
        if (scales != 1 && scales != cols) ThrowArg($"Quantize: {scales} scales for {cols} columns (need 1 or {cols}).");
    }

    private static (int Lo, int Hi) Range<TQ>(bool allowInt)
    {
        if (typeof(TQ) == typeof(byte)) return (0, 255);
        if (typeof(TQ) == typeof(sbyte)) return (-128, 127);
        if (allowInt && typeof(TQ) == typeof(int)) return (int.MinValue, int.MaxValue);
        ThrowArg($"Quantize: the quantised type must be byte or sbyte{(allowInt ? " or int" : "")}, got {typeof(TQ).Name}.");
        return default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TQ Narrow<TQ>(int v) where TQ : unmanaged
    {
        if (typeof(TQ) == typeof(byte)) { byte b = (byte)v; return Unsafe.As<byte, TQ>(ref b); }
        sbyte s = (sbyte)v;
        return Unsafe.As<sbyte, TQ>(ref s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Widen<TQ>(TQ v) where TQ : unmanaged
    {
        if (typeof(TQ) == typeof(byte)) return Unsafe.As<TQ, byte>(ref v);
        if (typeof(TQ) == typeof(sbyte)) return Unsafe.As<TQ, sbyte>(ref v);
        return Unsafe.As<TQ, int>(ref v);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArg(string message) => throw new ArgumentException(message);
}
