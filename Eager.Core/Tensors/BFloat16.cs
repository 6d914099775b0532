using System.Globalization;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// The bfloat16 number (brain floating point): the top 16 bits of a float32, with float32's 8-bit exponent and range
/// but an 8-bit significand (about 2-3 decimal digits). Converting from float32 or float64 rounds to nearest, ties to
/// even; NaN stays NaN; values beyond the range become infinities. Converting to float32 is exact. Arithmetic is done
/// by widening to float32, which is also how Eager's ops compute on <see cref="DType.BFloat16"/> tensors.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>, IComparable, IFormattable
{
    private readonly ushort bits;

    private BFloat16(ushort bits) => this.bits = bits;

    /// <summary>The raw 16 bits (sign, 8 exponent bits, 7 significand bits).</summary>
    public ushort Bits => bits;

    /// <summary>The bfloat16 with these raw bits.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Zero.</summary>
    public static BFloat16 Zero => new(0);

    /// <summary>One.</summary>
    public static BFloat16 One => new(0x3F80);

    /// <summary>A quiet NaN.</summary>
    public static BFloat16 NaN => new(0x7FC0);

    /// <summary>Positive infinity.</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);

    /// <summary>Negative infinity.</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);

    /// <summary>The largest finite value (about 3.39e38).</summary>
    public static BFloat16 MaxValue => new(0x7F7F);

    /// <summary>The most negative finite value.</summary>
    public static BFloat16 MinValue => new(0xFF7F);

    /// <summary>The smallest positive value (a subnormal, 2^-133).</summary>
    public static BFloat16 Epsilon => new(0x0001);

    /// <summary>True for NaN.</summary>
    public static bool IsNaN(BFloat16 x) => (x.bits & 0x7FFF) > 0x7F80;

    /// <summary>True for positive or negative infinity.</summary>
    public static bool IsInfinity(BFloat16 x) => (x.bits & 0x7FFF) == 0x7F80;

    /// <summary>True for every value that is neither NaN nor infinite.</summary>
    public static bool IsFinite(BFloat16 x) => (x.bits & 0x7F80) != 0x7F80;

    /// <summary>The nearest bfloat16 (ties to even).</summary>
    public static explicit operator BFloat16(float x) => new(BFloat16Bits.FromSingle(x));

    /// <summary>The nearest bfloat16 (ties to even), rounded once.</summary>
    public static explicit operator BFloat16(double x) => new(BFloat16Bits.FromDouble(x));

    /// <summary>The exact float32 value.</summary>
    public static implicit operator float(BFloat16 x) => BFloat16Bits.ToSingle(x.bits);

    /// <summary>IEEE equality: NaN equals nothing, +0 equals -0.</summary>
    public static bool operator ==(BFloat16 a, BFloat16 b) => (float)a == (float)b;

    /// <summary>IEEE inequality.</summary>
    public static bool operator !=(BFloat16 a, BFloat16 b) => (float)a != (float)b;

    /// <summary>IEEE less-than (false when either is NaN).</summary>
    public static bool operator <(BFloat16 a, BFloat16 b) => (float)a < (float)b;

    /// <summary>IEEE greater-than.</summary>
    public static bool operator >(BFloat16 a, BFloat16 b) => (float)a > (float)b;

    /// <summary>IEEE less-or-equal.</summary>
    public static bool operator <=(BFloat16 a, BFloat16 b) => (float)a <= (float)b;

    /// <summary>IEEE greater-or-equal.</summary>
    public static bool operator >=(BFloat16 a, BFloat16 b) => (float)a >= (float)b;

    /// <summary>Value equality as <see cref="float.Equals(float)"/>: NaN equals NaN, so it works as a dictionary key.</summary>
    public bool Equals(BFloat16 other) => ((float)this).Equals((float)other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 b && Equals(b);

    /// <inheritdoc/>
    public override int GetHashCode() => ((float)this).GetHashCode();

    /// <summary>Total order as <see cref="float.CompareTo(float)"/> (NaN first).</summary>
    public int CompareTo(BFloat16 other) => ((float)this).CompareTo((float)other);

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        BFloat16 b => CompareTo(b),
        _ => throw new ArgumentException("BFloat16.CompareTo: the object is not a BFloat16.", nameof(obj)),
    };

    /// <summary>The fewest digits that read back as this bfloat16 (as <see cref="Half.ToString()"/> does for float16):
    /// 0.1 rather than the exact 0.10009765625.</summary>
    public override string ToString()
    {
        float x = this;
        if (!float.IsFinite(x)) return x.ToString(CultureInfo.InvariantCulture);
        for (int digits = 1; ; digits++)
        {
            var text = x.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var shortest = double.Parse(text, CultureInfo.InvariantCulture);
            if (digits >= 9 || ((BFloat16)shortest).bits == bits) return shortest.ToString(CultureInfo.InvariantCulture); // "1230", not "1.23E+03"
        }
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ((float)this).ToString(format, formatProvider);
}
