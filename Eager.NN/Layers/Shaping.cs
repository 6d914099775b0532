namespace Eager.NN;

/// <summary>Flattens every dimension but the first (the batch): (batch, d1, d2, ...) to (batch, d1*d2*...).
/// The batch may be unknown in a graph; the other dimensions must be known.</summary>
public sealed class Flatten(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank == 0) throw new ArgumentException($"Flatten '{Name}': cannot flatten a scalar; expected (batch, ...).");
        long rest = 1;
        for (int i = 1; i < x.Rank; i++)
        {
            if (x.Shape[i] < 0)
                throw new ArgumentException($"Flatten '{Name}': every dimension but the batch must be known, got {x.Shape}.");
            rest *= x.Shape[i];
        }
        if (x.Rank == 2) return x;
        return Ops.Reshape(x, -1, checked((int)rest));
    }
}

/// <summary>Reshapes each example to <c>targetShape</c> (the batch dimension is kept; one target dimension may be -1).</summary>
public sealed class Reshape : Layer
{
    private readonly int[] target;

    /// <summary>A reshape of each example to <paramref name="targetShape"/>.</summary>
    /// <exception cref="ArgumentException">More than one -1, or a dimension below -1.</exception>
    public Reshape(int[] targetShape, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d < -1))
            throw new ArgumentException($"Reshape: target shape ({string.Join(", ", targetShape)}) may hold at most one -1 and no other negative dimension.");
        target = (int[])targetShape.Clone();
    }

    /// <summary>The per-example target shape.</summary>
    public IReadOnlyList<int> TargetShape => target;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank == 0) throw new ArgumentException($"Reshape '{Name}': expects a batch of examples, got a scalar.");
        int batch = x.Shape[0];
        if (target.Contains(-1) && batch < 0)
        {
            // Resolve the example's -1 from the known example size, so the batch can stay -1.
            int known = 1, size = 1;
            for (int i = 1; i < x.Rank; i++)
            {
                if (x.Shape[i] < 0) throw new ArgumentException($"Reshape '{Name}': with an unknown batch the example dimensions must be known, got {x.Shape}.");
                size *= x.Shape[i];
            }
            foreach (var d in target) if (d != -1) known *= d;
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"Reshape '{Name}': examples of shape {x.Shape} cannot be reshaped to ({string.Join(", ", target)}).");
            return Ops.Reshape(x, [-1, .. target.Select(d => d == -1 ? size / known : d)]);
        }
        return Ops.Reshape(x, [batch, .. target]);
    }
}

/// <summary>Applies an element-wise function: one of the <see cref="Ops"/> activations or a name ("relu", "sigmoid", "tanh", "softmax", ...).</summary>
public sealed class Activation : Layer
{
    /// <summary>An activation layer from a function.</summary>
    public Activation(Func<Tensor, Tensor> function, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(function);
        Function = function;
    }

    /// <summary>An activation layer from a Keras name.</summary>
    /// <exception cref="ArgumentException">The name is not known.</exception>
    public Activation(string activation, string? name = null) : this(Activations.Get(activation), name ?? activation) { }

    /// <summary>The function.</summary>
    public Func<Tensor, Tensor> Function { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Function(x);
}

/// <summary>Activations by their Keras names.</summary>
public static class Activations
{
    /// <summary>The activation called <paramref name="name"/>: linear, relu, relu6, elu, selu, gelu, sigmoid, tanh, softplus, softmax, log_softmax, leaky_relu.</summary>
    /// <exception cref="ArgumentException">The name is not known.</exception>
    public static Func<Tensor, Tensor> Get(string name) => (name ?? throw new ArgumentNullException(nameof(name))).ToLowerInvariant() switch
    {
        "linear" => x => x,
        "relu" => x => Ops.Relu(x),
        "relu6" => x => Ops.Relu6(x),
        "elu" => x => Ops.Elu(x),
        "selu" => x => Ops.Selu(x),
        "gelu" => x => Ops.Gelu(x),
        "sigmoid" => x => Ops.Sigmoid(x),
        "tanh" => x => Ops.Tanh(x),
        "softplus" => x => Ops.Softplus(x),
        "softmax" => x => Ops.Softmax(x),
        "log_softmax" => x => Ops.LogSoftmax(x),
        "leaky_relu" => x => Ops.LeakyRelu(x),
        _ => throw new ArgumentException($"Activation: unknown activation '{name}'; known: linear, relu, relu6, elu, selu, gelu, sigmoid, tanh, softplus, softmax, log_softmax, leaky_relu."),
    };
}
