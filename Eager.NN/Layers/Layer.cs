using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Eager.NN;

/// <summary>
/// A building block of models (Keras' Layer, PyTorch's Module): owns weights and sub-layers, is built
/// lazily from the shape of its first input, and maps a tensor to a tensor with <see cref="Call(Tensor, bool)"/>.
/// Subclasses override <see cref="Forward"/> (and <see cref="OnBuild"/> to create weights with
/// <see cref="AddWeight"/>). Sub-layers are tracked when passed to <see cref="Track{T}"/> or, in user
/// subclasses, simply when stored in fields (as PyTorch tracks attributes): a field's name becomes the
/// sub-layer's name unless one was given. Weights are made with concrete values even while a graph is
/// built or a function traced, so the same model runs eagerly, traced, and in a TF1 graph.
/// </summary>
// Field tracking reads the fields of user subclasses; this annotation makes the trimmer keep them in every
// subclass, and All (not just the fields) because Type.BaseType carries only an All annotation up the chain.
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)]
public abstract partial class Layer
{
    private readonly List<Layer> layers = [];
    private readonly List<(string Name, Variable Variable)> weights = [];
    private readonly bool nameGiven;
    private readonly object gate = new();
    private bool discovered, owned;

    /// <summary>Creates a layer; without a name it is named after its type ("dense", "conv2d").</summary>
    /// <exception cref="ArgumentException">The name is empty or contains '/'.</exception>
    protected Layer(string? name = null)
    {
        if (name is not null && (name.Length == 0 || name.Contains('/')))
            throw new ArgumentException($"{GetType().Name}: layer name '{name}' must be non-empty and must not contain '/'.", nameof(name));
        nameGiven = name is not null;
        Name = name ?? SnakeCase(GetType().Name);
    }

    /// <summary>The layer's name, unique among its siblings; paths of weights are built from it.</summary>
    public string Name { get; private set; }

    /// <summary>When false, this layer's weights (and its sub-layers') are left out of <see cref="TrainableVariables"/>.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>True once the weights exist (after the first call or <see cref="Build"/>).</summary>
    public bool Built { get; private set; }

    /// <summary>The input shape the layer was built for; null until built.</summary>
    public Shape? InputShape { get; private set; }

    /// <summary>The shape of the last output (batch dimension as seen); null until called.</summary>
    public Shape? OutputShape { get; private set; }

    /// <summary>The dtype of the weights: the policy's variable dtype under a mixed policy, else the input's floating
    /// dtype at build time (float32 for integer inputs).</summary>
    public DType DType { get; private set; } = DType.Float32;

    /// <summary>This layer's dtype policy; null (the default) takes <see cref="Precision.GlobalPolicy"/> when the layer
    /// is built. Set it before the first call (for example <see cref="Policy.Float32"/> on a model's last layer).</summary>
    public Policy? Policy
    {
        get => policy;
        set
        {
            if (Built && value != policy) throw new InvalidOperationException($"{GetType().Name} '{Name}': the policy cannot change after the layer is built.");
            policy = value;
        }
    }

    private Policy? policy;

    /// <summary>The dtype the layer computes in: the policy's compute dtype under a mixed policy, else <see cref="DType"/>.</summary>
    public DType ComputeDType => policy is { IsMixed: true } p && !ComputesInFloat32 ? p.ComputeDType : DType;

    /// <summary>True for layers that compute in float32 even under a mixed policy, for numerical stability (the
    /// normalisations, as in Keras): their input is widened and their output narrowed back.</summary>
    protected virtual bool ComputesInFloat32 => false;

    /// <summary>Direct sub-layers, in the order they were tracked.</summary>
    public IReadOnlyList<Layer> Layers { get { Discover(); return layers; } }

    /// <summary>Every weight of this layer and its sub-layers (own weights first, then sub-layers in order).</summary>
    public IReadOnlyList<Variable> Variables => [.. NamedVariables().Select(kv => kv.Value)];

    /// <summary>Weights an optimizer should update: trainable variables of trainable layers.</summary>
    public IReadOnlyList<Variable> TrainableVariables => [.. Collect(true)];

    /// <summary>Weights not updated by optimizers (BatchNormalization's moving statistics, frozen layers).</summary>
    public IReadOnlyList<Variable> NonTrainableVariables
    {
        get
        {
            var trainable = new HashSet<Variable>(TrainableVariables, ReferenceEqualityComparer.Instance);
            return [.. Variables.Where(v => !trainable.Contains(v))];
        }
    }

    /// <summary>Every weight by its path below this layer, e.g. "dense_1/kernel" (the names checkpoints use).</summary>
    public IReadOnlyList<KeyValuePair<string, Variable>> NamedVariables()
    {
        var result = new List<KeyValuePair<string, Variable>>();
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        AddNamed(result, seen, new HashSet<Layer>(ReferenceEqualityComparer.Instance), "");
        return result;
    }

    /// <summary>Number of scalar weights (all variables).</summary>
    public long CountParams() => Variables.Sum(v => (long)v.Shape.Size);

    /// <summary>Applies the layer in inference mode (Dropout off, BatchNormalization on moving statistics).</summary>
    public Tensor Call(Tensor x) => Call(x, training: false);

    /// <summary>Applies the layer; <paramref name="training"/> switches Dropout and BatchNormalization to training behaviour.
    /// The first call builds the weights from <paramref name="x"/>'s shape.</summary>
    /// <exception cref="ArgumentException">The input does not fit the shape the layer was built for.</exception>
    public Tensor Call(Tensor x, bool training)
    {
        ArgumentNullException.ThrowIfNull(x);
        EnsureBuilt(x.Shape, x.DType);
        Tensor y;
        if (policy is { IsMixed: true } mixed && !FixedDType.HasValue)
        {
            var compute = ComputeDType;
            var input = x.DType.IsFloating && x.DType != compute ? Ops.Cast(x, compute) : x;
            using (Graph.Current?.NameScope(Name))
            using (Variable.AutoCast(compute))
                y = Forward(input, training);
            if (y.DType.IsFloating && y.DType != mixed.ComputeDType) y = Ops.Cast(y, mixed.ComputeDType);
        }
        else
        {
            using (Graph.Current?.NameScope(Name)) y = Forward(x, training);
        }
        OutputShape = y.Shape;
        return y;
    }

    /// <summary>Creates the weights for inputs of <paramref name="inputShape"/> (-1 for unknown dimensions,
    /// typically the batch) without running the layer. Sub-layers are built by tracing the layer once into a
    /// scratch graph, so output shapes are known afterwards (for <see cref="Summary"/>).</summary>
    public void Build(Shape inputShape, DType dtype = DType.Float32)
    {
        var g = new Graph { LiftVariables = true };
        using (g.AsDefault()) Call(SymbolicInput(inputShape, dtype));
    }

    /// <summary>The output shape for an input shape, found by tracing the layer into a scratch graph (no compute).</summary>
    public Shape ComputeOutputShape(Shape inputShape, DType dtype = DType.Float32)
    {
        var g = new Graph { LiftVariables = true };
        var saved = OutputShape;
        try
        {
            using (g.AsDefault()) return Call(SymbolicInput(inputShape, dtype)).Shape;
        }
        finally { OutputShape = saved ?? OutputShape; }
    }

    /// <summary>The computation. Sub-layers are applied with their <see cref="Call(Tensor, bool)"/>.</summary>
    protected abstract Tensor Forward(Tensor x, bool training);

    /// <summary>Creates the layer's own weights for an input of <paramref name="inputShape"/>; called once, before the first <see cref="Forward"/>.</summary>
    protected virtual void OnBuild(Shape inputShape) { }

    /// <summary>Creates and tracks a weight named <paramref name="name"/> (GlorotUniform by default), in the layer's dtype.</summary>
    protected Variable AddWeight(string name, Shape shape, Initializer? initializer = null, bool trainable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (gate)
        {
            if (weights.Any(w => w.Name == name))
                throw new InvalidOperationException($"{GetType().Name} '{Name}': a weight named '{name}' already exists.");
        }
        var value = (initializer ?? new GlorotUniform()).Create(shape, DType);
        var v = new Variable(value, name: $"{Name}/{name}", trainable: trainable);
        lock (gate) weights.Add((name, v));
        return v;
    }

    /// <summary>Tracks an existing variable as one of this layer's weights (for user layers holding variables).</summary>
    protected Variable TrackVariable(string name, Variable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        lock (gate)
        {
            if (weights.Any(w => ReferenceEquals(w.Variable, variable))) return variable;
            weights.Add((UniqueWeightName(name), variable));
        }
        return variable;
    }

    /// <summary>Tracks a sub-layer (its weights become part of this layer's); returns it.</summary>
    /// <exception cref="ArgumentException">An explicitly named sibling has the same name.</exception>
    protected T Track<T>(T layer) where T : Layer
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (ReferenceEquals(layer, this)) throw new ArgumentException($"{Name}: a layer cannot contain itself.");
        lock (gate) Adopt(layer, null);
        return layer;
    }

    /// <summary>Adds a sub-layer. Its first parent may rename an auto-named, unbuilt layer (to a field name, or
    /// uniquely among siblings); a layer already owned (shared) or built (its weights carry its name) keeps its name.</summary>
    private void Adopt(Layer layer, string? fieldName)
    {
        if (layers.Any(l => ReferenceEquals(l, layer))) return;
        if (!layer.nameGiven && !layer.owned && !layer.Built)
            layer.Name = UniqueChildName(fieldName ?? layer.Name);
        else if (layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"{Name}: two sub-layers are both named '{layer.Name}'; layer names must be unique among siblings.");
        layer.owned = true;
        layers.Add(layer);
    }

    private string UniqueChildName(string baseName)
    {
        if (layers.All(l => l.Name != baseName)) return baseName;
        for (int i = 1; ; i++)
            if (layers.All(l => l.Name != $"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    private string UniqueWeightName(string baseName)
    {
        if (weights.All(w => w.Name != baseName)) return baseName;
        for (int i = 1; ; i++)
            if (weights.All(w => w.Name != $"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    private void EnsureBuilt(Shape shape, DType dtype)
    {
        Discover();
        if (Built)
        {
            CheckInput(shape);
            return;
        }
        lock (gate)
        {
            if (Built) return;
            policy ??= Precision.GlobalPolicy;
            DType = FixedDType ?? (policy.IsMixed ? policy.VariableDType : dtype.IsFloating ? dtype : DType.Float32);
            InputShape = shape;
            OnBuild(shape);
            Built = true;
            discovered = false; // OnBuild may have stored sub-layers or variables in fields
            Discover();
        }
    }

    /// <summary>Checks a later input against the build shape: the same rank and, for layers with weights, the same
    /// last (feature or channel) dimension; batch and spatial sizes may change.</summary>
    private void CheckInput(Shape shape)
    {
        if (InputShape is not { } built || !ChecksInputShape) return;
        bool ok = built.Rank == shape.Rank && (built.Rank == 0 || built[-1] < 0 || shape[-1] < 0 || built[-1] == shape[-1]);
        if (!ok)
            throw new ArgumentException($"{GetType().Name} '{Name}': was built for inputs of shape {built} but got {shape}; the rank and the last dimension must stay the same.");
    }

    /// <summary>The weights' dtype when it does not follow the input (Embedding's integer inputs); null to follow it.</summary>
    protected virtual DType? FixedDType => null;

    /// <summary>Whether later inputs are checked against the build shape (true for layers with own weights).</summary>
    protected virtual bool ChecksInputShape => weights.Count > 0;

    private void Discover()
    {
        if (discovered) return;
        lock (gate)
        {
            if (discovered) return;
            discovered = true;
            for (var t = GetType(); t is not null && t != typeof(Layer); t = t.BaseType)
            {
                foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    var value = f.GetValue(this);
                    var name = FieldName(f.Name);
                    switch (value)
                    {
                        case Layer l when !ReferenceEquals(l, this):
                            Adopt(l, name);
                            break;
                        case Variable v:
                            if (!weights.Any(w => ReferenceEquals(w.Variable, v))) weights.Add((UniqueWeightName(name), v));
                            break;
                        case IEnumerable<Layer> many:
                            int i = 0;
                            foreach (var l in many) { if (l is not null && !ReferenceEquals(l, this)) Adopt(l, $"{name}_{i}"); i++; }
                            break;
                    }
                }
            }
        }
    }

    private static string FieldName(string f)
    {
        // Auto-properties are stored in "<Name>k__BackingField".
        if (f.StartsWith('<') && f.IndexOf('>', StringComparison.Ordinal) is > 1 and var end) f = f[1..end];
        f = f.TrimStart('_');
        return f.Length == 0 ? "field" : f;
    }

    private void AddNamed(List<KeyValuePair<string, Variable>> into, HashSet<Variable> seen, HashSet<Layer> visited, string prefix)
    {
        // A layer reachable twice (shared, or a field pointing back up) is listed once, under its first path.
        if (!visited.Add(this)) return;
        List<(string, Variable)> own;
        lock (gate) own = [.. weights];
        foreach (var (n, v) in own)
            if (seen.Add(v)) into.Add(new(prefix + n, v));
        foreach (var l in Layers) l.AddNamed(into, seen, visited, prefix + l.Name + "/");
    }

    private IEnumerable<Variable> Collect(bool trainable)
    {
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        var result = new List<Variable>();
        var visited = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        void Walk(Layer l)
        {
            if ((trainable && !l.Trainable) || !visited.Add(l)) return;
            List<(string, Variable)> own;
            lock (l.gate) own = [.. l.weights];
            foreach (var (_, v) in own)
                if ((!trainable || v.Trainable) && seen.Add(v)) result.Add(v);
            foreach (var c in l.Layers) Walk(c);
        }
        Walk(this);
        return result;
    }

    /// <summary>"GlobalAveragePooling2D" -> "global_average_pooling2d" (Keras' default layer names).</summary>
    internal static string SnakeCase(string typeName)
    {
        int tick = typeName.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) typeName = typeName[..tick];
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(typeName[i - 1]) || (i + 1 < typeName.Length && char.IsLower(typeName[i + 1]) && char.IsUpper(typeName[i - 1]))))
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"<{GetType().Name} '{Name}'{(Built ? $" built for {InputShape}" : "")}, {CountParams()} params>";
}
