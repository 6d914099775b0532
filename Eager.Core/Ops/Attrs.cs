using System.Collections;
using System.Globalization;

namespace Eager;

/// <summary>
/// An op's attributes: name to value (int, long, float, double, bool, string, int[], long[], float[],
/// double[], DType, Shape, or a runtime object such as a Variable). Filled once when an op is called and
/// never changed afterwards; equality is structural (CSE uses it).
/// </summary>
public sealed class Attrs : IEnumerable<KeyValuePair<string, object>>, IEquatable<Attrs>
{
    private readonly SortedDictionary<string, object> values = new(StringComparer.Ordinal);

    /// <summary>No attributes.</summary>
    public static Attrs Empty { get; } = new();

    /// <summary>Sets or reads an attribute.</summary>
    public object this[string name]
    {
        get => values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"Attribute '{name}' is not set.");
        set
        {
            if (ReferenceEquals(this, Empty)) throw new InvalidOperationException("Attrs.Empty is shared and cannot be changed.");
            values[name] = value;
            if (value is DType d && d.ComputeType != d) narrow = 2;
            else if (narrow == 2) narrow = 0; // the narrow dtype may have been overwritten: work it out again when asked
        }
    }

    // Whether a DType attribute names a dtype that computes in a wider one (0 not known, 1 no, 2 yes): asked on every
    // kernel call, so it is kept up to date as attributes are set rather than found by walking the sorted dictionary.
    private int narrow = 1;

    /// <summary>True when an attribute is a dtype that ops compute in a wider one (float16, bfloat16, int8, uint8).</summary>
    internal bool HasNarrowDType
    {
        get
        {
            if (narrow == 0)
            {
                bool any = false;
                foreach (var v in values.Values) any |= v is DType d && d.ComputeType != d;
                narrow = any ? 2 : 1;
            }
            return narrow == 2;
        }
    }

    /// <summary>A copy with every dtype attribute replaced by its compute dtype.</summary>
    internal Attrs Widened()
    {
        var a = new Attrs();
        foreach (var kv in values) a.values[kv.Key] = kv.Value is DType d ? d.ComputeType : kv.Value;
        return a;
    }

    /// <summary>Number of attributes.</summary>
    public int Count => values.Count;

    /// <summary>True when the attribute is set.</summary>
    public bool Has(string name) => values.ContainsKey(name);

    /// <summary>Typed read.</summary>
    public T Get<T>(string name) => As<T>(name, this[name]);

    /// <summary>Typed read with a default.</summary>
    public T Get<T>(string name, T fallback) => values.TryGetValue(name, out var v) ? As<T>(name, v) : fallback;

    /// <summary>An int attribute.</summary>
    public int Int(string name) => this[name] is IConvertible c ? Convert.ToInt32(c, CultureInfo.InvariantCulture) : throw WrongType(name, this[name], "a number");

    /// <summary>A float64 attribute (any numeric value).</summary>
    public double Double(string name) => this[name] is IConvertible c ? Convert.ToDouble(c, CultureInfo.InvariantCulture) : throw WrongType(name, this[name], "a number");

    /// <summary>A bool attribute.</summary>
    public bool Bool(string name) => Get<bool>(name);

    /// <summary>A string attribute.</summary>
    public string String(string name) => Get<string>(name);

    /// <summary>An int array attribute.</summary>
    public int[] Ints(string name) => Get<int[]>(name);

    // Attributes also come from files (graph files are untrusted): a value of the wrong kind gets a message naming it.
    private static T As<T>(string name, object? value) =>
        value is T t ? t : value is null && default(T) is null ? default! : throw WrongType(name, value, typeof(T).Name);

    private static InvalidCastException WrongType(string name, object? value, string wanted) =>
        new($"Attribute '{name}' is {(value is null ? "null" : "a " + value.GetType().Name)}, not {wanted}.");

    /// <summary>A copy with one attribute changed.</summary>
    public Attrs With(string name, object value)
    {
        var a = new Attrs();
        foreach (var kv in values) a.values[kv.Key] = kv.Value;
        a.values[name] = value;
        a.narrow = 0;
        return a;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Collection-initializer support: <c>new Attrs { { "axis", 1 } }</c>.</summary>
    public void Add(string name, object value) => this[name] = value;

    /// <inheritdoc/>
    public bool Equals(Attrs? other)
    {
        if (other is null || other.Count != Count) return false;
        foreach (var kv in values)
        {
            if (!other.values.TryGetValue(kv.Key, out var v)) return false;
            if (!ValueEquals(kv.Value, v)) return false;
        }
        return true;
    }

    private static bool ValueEquals(object a, object b) => (a, b) switch
    {
        (int[] x, int[] y) => x.AsSpan().SequenceEqual(y),
        (long[] x, long[] y) => x.AsSpan().SequenceEqual(y),
        (float[] x, float[] y) => x.AsSpan().SequenceEqual(y),
        (double[] x, double[] y) => x.AsSpan().SequenceEqual(y),
        (Tensor x, Tensor y) => ReferenceEquals(x, y),
        _ => a.GetType().IsValueType || a is string ? a.Equals(b) : ReferenceEquals(a, b),
    };

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Attrs a && Equals(a);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var kv in values)
        {
            h.Add(kv.Key);
            switch (kv.Value)
            {
                case int[] x: foreach (var e in x) h.Add(e); break;
                case string or ValueType: h.Add(kv.Value); break;
                default: h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(kv.Value)); break;
            }
        }
        return h.ToHashCode();
    }

    /// <summary>"axis=1, keepDims=true".</summary>
    public override string ToString() => string.Join(", ", values.Select(kv => $"{kv.Key}={Format(kv.Value)}"));

    private static string Format(object v) => v switch
    {
        int[] a => "[" + string.Join(", ", a) + "]",
        long[] a => "[" + string.Join(", ", a) + "]",
        float[] a => "[" + string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
        double[] a => "[" + string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
        DType d => d.Name(),
        Tensor t => t.Shape.Size <= 8 && !t.IsSymbolic ? string.Join(" ", t.ToDoubleArray().Select(x => x.ToString(CultureInfo.InvariantCulture))) : $"<{t.DType.Name()} {t.Shape}>",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
