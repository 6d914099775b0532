namespace Eager.NN;

/// <summary>Max pooling over NHWC windows; strides default to the pool size, padding "valid" or "same".</summary>
public sealed class MaxPool2D : Layer
{
    /// <summary>A max-pooling layer.</summary>
    public MaxPool2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", string? name = null) : base(name)
    {
        PoolSize = ConvArgs.Positive(poolSize ?? 2, "poolSize", nameof(MaxPool2D));
        Strides = ConvArgs.Positive(strides ?? PoolSize, "strides", nameof(MaxPool2D));
        Padding = ConvArgs.Padding(padding, nameof(MaxPool2D));
    }

    /// <summary>Window height and width.</summary>
    public Size2 PoolSize { get; }

    /// <summary>Strides.</summary>
    public Size2 Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.MaxPool2D(x, poolSize: PoolSize, strides: Strides, padding: Padding.ToUpperInvariant());
}

/// <summary>Average pooling over NHWC windows (with "same" padding only real cells are averaged, as in TensorFlow).</summary>
public sealed class AvgPool2D : Layer
{
    /// <summary>An average-pooling layer.</summary>
    public AvgPool2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", string? name = null) : base(name)
    {
        PoolSize = ConvArgs.Positive(poolSize ?? 2, "poolSize", nameof(AvgPool2D));
        Strides = ConvArgs.Positive(strides ?? PoolSize, "strides", nameof(AvgPool2D));
        Padding = ConvArgs.Padding(padding, nameof(AvgPool2D));
    }

    /// <summary>Window height and width.</summary>
    public Size2 PoolSize { get; }

    /// <summary>Strides.</summary>
    public Size2 Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.AvgPool2D(x, poolSize: PoolSize, strides: Strides, padding: Padding.ToUpperInvariant());
}

/// <summary>The mean over height and width of NHWC inputs: (batch, channels), or (batch, 1, 1, channels) with keepDims.</summary>
public sealed class GlobalAveragePooling2D(bool keepDims = false, string? name = null) : Layer(name)
{
    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims => keepDims;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw new ArgumentException($"GlobalAveragePooling2D '{Name}': expects NHWC inputs of rank 4, got {x.Shape}.");
        return Ops.ReduceMean(x, [1, 2], keepDims: keepDims);
    }
}

/// <summary>The max over height and width of NHWC inputs: (batch, channels), or (batch, 1, 1, channels) with keepDims.</summary>
public sealed class GlobalMaxPooling2D(bool keepDims = false, string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw new ArgumentException($"GlobalMaxPooling2D '{Name}': expects NHWC inputs of rank 4, got {x.Shape}.");
        return Ops.ReduceMax(x, [1, 2], keepDims: keepDims);
    }
}
