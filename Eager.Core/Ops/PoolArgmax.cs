using Eager.Kernels.Pool;
using static Eager.Ops;
using static Eager.PoolingOps;

namespace Eager;

/// <summary>Max pooling that also returns where each maximum came from (tf.nn.max_pool_with_argmax).</summary>
public static partial class Ops
{
    /// <summary>
    /// Max pooling plus the flat index of each maximum in the input: ((n * height + h) * width + w) * channels + c,
    /// without the batch term unless <paramref name="includeBatchInIndex"/> (TensorFlow's convention). Indices are int64.
    /// Ties go to the first maximal cell in row-major window order.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="MaxPool2D"/>.</exception>
    public static (Tensor Output, Tensor Argmax) MaxPoolWithArgmax(Tensor input, Size2 poolSize, Size2? strides = null, string padding = "VALID", bool includeBatchInIndex = false)
    {
        var a = Window.PoolAttrs(MaxPoolWithArgmaxName, poolSize, strides, padding);
        a.Add("includeBatchInIndex", includeBatchInIndex);
        var r = Dispatcher.Apply(MaxPoolWithArgmaxDef, [input], a);
        return (r[0], r[1]);
    }
}

internal static partial class PoolingOps
{
    internal const string MaxPoolWithArgmaxName = "MaxPoolWithArgmax";
    internal static readonly OpDef MaxPoolWithArgmaxDef = new(MaxPoolWithArgmaxName,
        (x, a) =>
        {
            var y = PoolInfer(MaxPoolWithArgmaxName, x[0], a)[0];
            return [y, new TensorSpec(y.Shape, DType.Int64)];
        },
        (x, a) =>
        {
            var spec = PoolInfer(MaxPoolWithArgmaxName, x[0], a)[0];
            var g = PoolGeometry(MaxPoolWithArgmaxName, x[0].Shape, a);
            var input = x[0].Contiguous();
            var y = Tensor.Empty(spec.Shape, input.DType);
            var idx = Tensor.Empty(spec.Shape, DType.Int64);
            bool withBatch = a.Bool("includeBatchInIndex");
            if (input.DType == DType.Float32) Pooling.MaxWithArgmax(g, input.Span<float>(), y.Span<float>(), idx.Span<long>(), withBatch);
            else Pooling.MaxWithArgmax(g, input.Span<double>(), y.Span<double>(), idx.Span<long>(), withBatch);
            input.KeepAlive();
            return [y, idx];
        })
    {
        // The argmax output is an integer and carries no gradient; the values route like MaxPool2D's.
        Gradient = c => [MaxPoolGrad(c.X(0), c.GradOf(0), Window.PoolSize(c.Attrs), Window.Strides(c.Attrs), c.Attrs.String("padding"))],
    };
}
