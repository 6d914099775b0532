namespace Eager.NN;

/// <summary>A pooling layer over NHWC windows; strides default to the pool size, padding "valid" or "same".</summary>
public abstract class Pooling2D : Layer
{
    private protected Pooling2D(Size2? poolSize, Size2? strides, string padding, string? name) : base(name)
    {
        PoolSize = ConvArgs.Positive(poolSize ?? 2, "poolSize", GetType().Name);
        Strides = ConvArgs.Positive(strides ?? PoolSize, "strides", GetType().Name);
        Padding = ConvArgs.Padding(padding, GetType().Name);
    }

    /// <summary>Window height and width.</summary>
    public Size2 PoolSize { get; }

    /// <summary>Strides.</summary>
    public Size2 Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The pooling op for windows of <paramref name="poolSize"/>, with the op's padding ("VALID" or "SAME").</summary>
    private protected abstract Tensor Pool(Tensor x, Size2 poolSize, Size2 strides, string padding);

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor x, bool training) => Pool(x, PoolSize, Strides, Padding.ToUpperInvariant());
}

/// <summary>Max pooling over NHWC windows; strides default to the pool size, padding "valid" or "same".</summary>
public sealed class MaxPool2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", string? name = null)
    : Pooling2D(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x, Size2 poolSize, Size2 strides, string padding) =>
        Ops.MaxPool2D(x, poolSize: poolSize, strides: strides, padding: padding);
}

/// <summary>Average pooling over NHWC windows (with "same" padding only real cells are averaged, as in TensorFlow).</summary>
public sealed class AvgPool2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", string? name = null)
    : Pooling2D(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x, Size2 poolSize, Size2 strides, string padding) =>
        Ops.AvgPool2D(x, poolSize: poolSize, strides: strides, padding: padding);
}

/// <summary>A reduction over the height and width of NHWC inputs: (batch, channels), or (batch, 1, 1, channels) with keepDims.</summary>
public abstract class GlobalPooling2D : Layer
{
    private protected GlobalPooling2D(bool keepDims, string? name) : base(name) => KeepDims = keepDims;

    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims { get; }

    /// <summary>The reduction over <paramref name="axes"/>.</summary>
    private protected abstract Tensor Reduce(Tensor x, int[] axes, bool keepDims);

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw new ArgumentException($"{GetType().Name} '{Name}': expects NHWC inputs of rank 4, got {x.Shape}.");
        return Reduce(x, [1, 2], KeepDims);
    }
}

/// <summary>The mean over height and width of NHWC inputs: (batch, channels), or (batch, 1, 1, channels) with keepDims.</summary>
public sealed class GlobalAveragePooling2D(bool keepDims = false, string? name = null) : GlobalPooling2D(keepDims, name)
{
    private protected override Tensor Reduce(Tensor x, int[] axes, bool keepDims) => Ops.ReduceMean(x, axes, keepDims: keepDims);
}

/// <summary>The max over height and width of NHWC inputs: (batch, channels), or (batch, 1, 1, channels) with keepDims.</summary>
public sealed class GlobalMaxPooling2D(bool keepDims = false, string? name = null) : GlobalPooling2D(keepDims, name)
{
    private protected override Tensor Reduce(Tensor x, int[] axes, bool keepDims) => Ops.ReduceMax(x, axes, keepDims: keepDims);
}
