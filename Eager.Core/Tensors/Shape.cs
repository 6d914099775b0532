using System.Collections;
using System.Text;

namespace Eager;

/// <summary>
/// The dimensions of a tensor. A dimension of -1 is unknown (only in graphs: placeholders and
/// signatures with a free batch size). In a graph even the rank may be unknown (<see cref="Unknown"/>, a placeholder
/// made without a shape): <see cref="Rank"/> is then -1. Immutable; equality is by value.
/// </summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? dims;

    /// <summary>A shape with the given dimensions; -1 marks an unknown dimension.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
            if (d < -1) throw new ArgumentException($"Shape: dimension {d} in ({string.Join(", ", dims)}) is negative; use -1 for unknown.", nameof(dims));
        this.dims = (int[])dims.Clone();
    }

    private Shape(int[] dims, bool noCopy) { _ = noCopy; this.dims = dims; }

    // The only array holding -2: the constructor refuses it, so no other shape can look like this one.
    private static readonly int[] UnknownRankDims = [-2];

    /// <summary>A shape of unknown rank (TensorFlow's TensorShape(None)): only graph tensors have it, e.g. a placeholder made
    /// without a shape. Ops built on it get unknown-rank outputs; a Session learns the rank from what is fed.</summary>
    public static Shape Unknown => new(UnknownRankDims, true);

    /// <summary>True when even the number of dimensions is unknown (<see cref="Unknown"/>).</summary>
    public bool IsUnknownRank => ReferenceEquals(dims, UnknownRankDims);

    internal static Shape Wrap(int[] dims) => new(dims, true);

    /// <summary>The shape of a scalar: rank 0.</summary>
    public static Shape Scalar => default;

    /// <summary>Number of dimensions; -1 for <see cref="Unknown"/>.</summary>
    public int Rank => dims is null ? 0 : IsUnknownRank ? -1 : dims.Length;

    /// <summary>Number of dimensions (IReadOnlyList).</summary>
    public int Count => Rank;

    /// <summary>Dimension i; negative i counts from the end.</summary>
    public int this[int i]
    {
        get
        {
            int r = Rank;
            if (r < 0) throw UnknownRankError();
            int j = i < 0 ? i + r : i;
            if ((uint)j >= (uint)r) throw new ArgumentOutOfRangeException(nameof(i), $"Shape {this}: axis {i} is out of range for rank {r}.");
            return dims![j];
        }
    }

    /// <summary>Number of elements, or -1 when any dimension is unknown.</summary>
    public int Size
    {
        get
        {
            if (dims == null) return 1;
            if (IsUnknownRank) return -1;
            long s = 1;
            foreach (var d in dims) { if (d < 0) return -1; s *= d; }
            if (s > int.MaxValue) throw new InvalidOperationException($"Shape {this} has {s} elements, more than a tensor can hold (2^31-1).");
            return (int)s;
        }
    }

    /// <summary>True when every dimension is known.</summary>
    public bool IsFullyDefined
    {
        get { if (dims != null) foreach (var d in dims) if (d < 0) return false; return true; } // Unknown holds -2
    }

    /// <summary>A copy of the dimensions.</summary>
    /// <exception cref="InvalidOperationException">The rank is unknown.</exception>
    public int[] ToArray() => dims == null ? [] : IsUnknownRank ? throw UnknownRankError() : (int[])dims.Clone();

    // Equality and hashing see the sentinel, so Unknown equals only itself.
    internal ReadOnlySpan<int> Span => dims ?? [];

    private static InvalidOperationException UnknownRankError() =>
        new("Shape: the rank is unknown (a placeholder made without a shape); its dimensions are known only once a Session runs it.");

    /// <summary>True when the two shapes could describe the same tensor (unknown dims match anything).</summary>
    public bool IsCompatibleWith(Shape other)
    {
        if (IsUnknownRank || other.IsUnknownRank) return true;
        if (Rank != other.Rank) return false;
        for (int i = 0; i < Rank; i++)
        {
            int a = dims![i], b = other.dims![i];
            if (a >= 0 && b >= 0 && a != b) return false;
        }
        return true;
    }

    /// <summary>Normalises a possibly negative axis for this rank, or throws naming the op.</summary>
    public int NormalizeAxis(int axis, string op)
    {
        int r = Rank;
        int a = axis < 0 ? axis + r : axis;
        if ((uint)a >= (uint)Math.Max(r, 0) ) throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of shape {this} (rank {r}).");
        return a;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Span) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Python style: "(2, 3)", "(None, 3)" for unknown, "()" for a scalar, "(5,)" for rank 1.</summary>
    public override string ToString()
    {
        if (IsUnknownRank) return "<unknown>";
        var sb = new StringBuilder("(");
        for (int i = 0; i < Rank; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(dims![i] < 0 ? "None" : dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (Rank == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The rank is unknown.</exception>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(IsUnknownRank ? throw UnknownRankError() : dims ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static readonly int[] UnitStride = [1];

    /// <summary>Row-major strides (in elements) for a fully defined shape. Shared for ranks 0 and 1: never mutate the result.</summary>
    internal int[] ContiguousStrides()
    {
        // Stride arrays are never mutated once a tensor holds them, so the common ranks share one.
        if (Rank == 0) return [];
        if (Rank == 1) return UnitStride;
        var s = new int[Rank];
        int acc = 1;
        for (int i = Rank - 1; i >= 0; i--) { s[i] = acc; acc *= Math.Max(dims![i], 1); }
        return s;
    }

    /// <summary>Implicit conversion from an int array.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);
}
