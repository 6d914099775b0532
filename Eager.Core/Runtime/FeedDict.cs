using System.Collections;

namespace Eager;

/// <summary>
/// Values for graph tensors in one <see cref="Session.Run(Tensor, FeedDict?)"/> call, usually placeholders:
/// <c>new FeedDict { { x, data } }</c>. Any graph tensor may be fed; its producer is then not run.
/// </summary>
public sealed class FeedDict : IEnumerable<KeyValuePair<Tensor, Tensor>>
{
    private readonly Dictionary<Tensor, Tensor> values = new(ReferenceEqualityComparer.Instance);

    /// <summary>Number of fed tensors.</summary>
    public int Count => values.Count;

    /// <summary>The fed graph tensors.</summary>
    public IEnumerable<Tensor> Keys => values.Keys;

    /// <summary>Sets or reads the value fed to <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is a concrete tensor or the value is symbolic.</exception>
    public Tensor this[Tensor key]
    {
        get => values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"FeedDict: no value for '{key.Name}'.");
        set { Check(key, value); values[key] = value; }
    }

    /// <summary>Adds a value for a graph tensor (collection-initializer support).</summary>
    /// <exception cref="ArgumentException">The key is concrete, already fed, or the value is symbolic.</exception>
    public void Add(Tensor key, Tensor value)
    {
        Check(key, value);
        if (!values.TryAdd(key, value)) throw new ArgumentException($"FeedDict: '{key.Name}' is fed twice.");
    }

    /// <summary>True when <paramref name="key"/> has a value.</summary>
    public bool ContainsKey(Tensor key) => values.ContainsKey(key);

    /// <summary>The value for <paramref name="key"/> if fed.</summary>
    public bool TryGetValue(Tensor key, out Tensor value) => values.TryGetValue(key, out value!);

    private static void Check(Tensor key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!key.IsSymbolic) throw new ArgumentException("FeedDict: the key is a concrete tensor; only graph tensors (placeholders) can be fed.", nameof(key));
        if (value.IsSymbolic) throw new ArgumentException($"FeedDict: the value for '{key.Name}' is a graph tensor ('{value.Name}'); feed concrete data.", nameof(value));
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<Tensor, Tensor>> GetEnumerator() => values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
