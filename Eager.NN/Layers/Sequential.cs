namespace Eager.NN;

/// <summary>A stack of layers applied in order (Keras' Sequential): a <see cref="Model"/>, so it can be compiled and
/// trained with Fit. Its weights are its layers' weights.</summary>
public class Sequential : Model
{
    /// <summary>A stack of <paramref name="layers"/>.</summary>
    public Sequential(params Layer[] layers) : this(layers, null) { }

    /// <summary>A named stack of <paramref name="layers"/>.</summary>
    public Sequential(IEnumerable<Layer> layers, string? name) : base(name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer.</summary>
    /// <exception cref="InvalidOperationException">The model is already built.</exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (Built) throw new InvalidOperationException($"Sequential '{Name}'.Add: the model is already built; add layers before the first call.");
        Track(layer);
    }

    /// <summary>The i-th layer.</summary>
    public Layer this[int index] => Layers[index];

    /// <summary>The layer named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
    public Layer this[string name] => Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"Sequential '{Name}': no layer named '{name}'; layers are [{string.Join(", ", Layers.Select(l => l.Name))}].");

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        foreach (var l in Layers) x = l.Call(x, training);
        return x;
    }
}
