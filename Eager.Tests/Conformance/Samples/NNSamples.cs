namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for Ops/Conv.cs, ConvDepthwise.cs, Pool.cs, PoolArgmax.cs, NN.cs and Losses.cs.</summary>
    public static IEnumerable<OpSample> NN()
    {
        // Convolutions: NHWC input, HWIO filter; SAME with an even kernel and stride 2 exercises the asymmetric padding.
        yield return new("Conv2D", [new(2, 5, 5, 3), new(3, 3, 3, 2)], x => Ops.Conv2D(x[0], x[1], strides: 1, padding: "SAME"));
        yield return new("Conv2D", [new(1, 6, 7, 2), new(2, 2, 2, 3)], x => Ops.Conv2D(x[0], x[1], strides: 2, padding: "SAME")) { Label = "even-stride2" };
        yield return new("Conv2D", [new(1, 7, 7, 2), new(3, 3, 2, 2)], x => Ops.Conv2D(x[0], x[1], strides: 1, padding: "VALID", dilations: 2)) { Label = "dilated" };
        yield return new("Conv2DBackpropInput", [new(3, 3, 2, 4), new(2, 3, 3, 4)],
            x => Ops.Conv2DBackpropInput(new Shape(2, 5, 6, 2), x[0], x[1], strides: 2, padding: "SAME"));
        yield return new("Conv2DBackpropFilter", [new(2, 5, 6, 2), new(2, 3, 3, 4)],
            x => Ops.Conv2DBackpropFilter(x[0], new Shape(3, 3, 2, 4), x[1], strides: 2, padding: "SAME"));
        yield return new("DepthwiseConv2D", [new(2, 5, 5, 3), new(3, 3, 3, 2)], x => Ops.DepthwiseConv2D(x[0], x[1], strides: 1, padding: "SAME"));
        yield return new("DepthwiseConv2DBackpropInput", [new(2, 2, 3, 2), new(1, 3, 3, 6)],
            x => Ops.DepthwiseConv2DBackpropInput(new Shape(1, 6, 5, 3), x[0], x[1], strides: 2, padding: "SAME"));
        yield return new("DepthwiseConv2DBackpropFilter", [new(1, 6, 5, 3), new(1, 3, 3, 6)],
            x => Ops.DepthwiseConv2DBackpropFilter(x[0], new Shape(2, 2, 3, 2), x[1], strides: 2, padding: "SAME"));

        // Pools.
        yield return new("MaxPool2D", [new(2, 5, 5, 3)], x => Ops.MaxPool2D(x[0], poolSize: 2, strides: 2, padding: "SAME"));
        yield return new("AvgPool2D", [new(2, 5, 5, 3)], x => Ops.AvgPool2D(x[0], poolSize: 3, strides: 2, padding: "SAME"));
        yield return new("MaxPoolGrad", [new(1, 4, 5, 2), new(1, 2, 3, 2)],
            x => Ops.MaxPoolGrad(x[0], x[1], poolSize: 2, strides: 2, padding: "SAME"));
        yield return new("MaxPoolGradGrad", [new(1, 4, 5, 2), new(1, 4, 5, 2)],
            x => Ops.MaxPoolGradGrad(x[0], x[1], poolSize: 2, strides: 2, padding: "SAME"));
        yield return new("AvgPoolGrad", [new(1, 2, 3, 2)],
            x => Ops.AvgPoolGrad(new Shape(1, 4, 5, 2), x[0], poolSize: 3, strides: 2, padding: "SAME"));
        yield return new("MaxPoolWithArgmax", [new(1, 4, 4, 2)], x => Ops.MaxPoolWithArgmax(x[0], poolSize: 2, strides: 2).Output);

        // Other NN ops.
        yield return new("BiasAdd", [new(2, 3, 4), new(4)], x => Ops.BiasAdd(x[0], x[1]));
        yield return new("Softmax", [new(3, 5)], x => Ops.Softmax(x[0]));
        yield return new("Softmax", [new(2, 4, 3)], x => Ops.Softmax(x[0], axis: 1)) { Label = "axis1" };
        yield return new("LogSoftmax", [new(3, 5)], x => Ops.LogSoftmax(x[0]));
        yield return new("LogSoftmax", [new(4, 3, 2)], x => Ops.LogSoftmax(x[0], axis: 0)) { Label = "axis0" };
        yield return new("Dropout", [new(4, 6)], x => Ops.Dropout(x[0], rate: 0.3, seed: 7));
        yield return new("L2Loss", [new(3, 4)], x => Ops.L2Loss(x[0]));
        // The three results folded into one; v squared so its square root is real.
        yield return new("AdamStep", [new(3, 5), new(3, 5), new(3, 5), new(3, 5)], x =>
        {
            var r = Ops.AdamStep(x[0], x[1], Ops.Square(x[2]), x[3], Ops.Cast(Tensor.Scalar(0.01), x[0].DType), 0.9, 0.999, 1e-7);
            return r[0] + r[1] * 2.0 + r[2] * 3.0;
        }, Differentiable: false);

        // Losses.
        yield return new("SoftmaxCrossEntropyWithLogits", [new(3, 4), new(3, 4)], x => Ops.SoftmaxCrossEntropyWithLogits(labels: Ops.Softmax(x[0]), logits: x[1]));
        yield return new("SparseSoftmaxCrossEntropyWithLogits", [new(3, 4)],
            x => Ops.SparseSoftmaxCrossEntropyWithLogits(labels: Tensor.From(new[] { 2, 0, 3 }), logits: x[0]));
        yield return new("SigmoidCrossEntropyWithLogits", [new(2, 3), new(2, 3)],
            x => Ops.SigmoidCrossEntropyWithLogits(labels: x[0], logits: x[1]));
    }
}
