using Eager.Kernels.Softmax;
using static Eager.Ops;
using static Eager.LossOps;

namespace Eager;

/// <summary>
/// Cross-entropy losses on logits (tf.nn.*_cross_entropy_with_logits), each fused and stable for logits of any
/// magnitude. Each op has a second output holding what its gradient needs (softmax - labels, or the sigmoid), as
/// TensorFlow's fused ops do; the gradient rules also handle a gradient flowing into that output, so second
/// derivatives work.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Per-example softmax cross-entropy over the last axis: -sum(labels * log_softmax(logits)). Labels are a
    /// distribution per row (one-hot or soft) of the logits' shape; the result drops the last dimension. The gradient
    /// is softmax(logits) - labels for the logits (softmax * sum(labels) - labels when rows do not sum to 1) and
    /// -log_softmax(logits) for the labels.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes that differ, non-float dtypes, scalar logits.</exception>
    public static Tensor SoftmaxCrossEntropyWithLogits(Tensor labels, Tensor logits) =>
        Dispatcher.Apply(SoftmaxCrossEntropyWithLogitsDef, [labels, logits], Attrs.Empty)[0];

    /// <summary>
    /// Per-example softmax cross-entropy with integer class labels: labels (int32 or int64) have the logits' shape
    /// without the last (classes) dimension, e.g. labels (batch,) and logits (batch, classes).
    /// </summary>
    /// <exception cref="ArgumentException">Non-integer labels, mismatched shapes, or (when run) a label outside [0, classes).</exception>
    public static Tensor SparseSoftmaxCrossEntropyWithLogits(Tensor labels, Tensor logits) =>
        Dispatcher.Apply(SparseSoftmaxCrossEntropyWithLogitsDef, [labels, logits], Attrs.Empty)[0];

    /// <summary>
    /// Element-wise logistic loss: max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z in [0, 1] of the
    /// same shape; stable for any logit. The gradient is sigmoid(x) - z for the logits and -x for the labels.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes that differ, non-float dtypes.</exception>
    public static Tensor SigmoidCrossEntropyWithLogits(Tensor labels, Tensor logits) =>
        Dispatcher.Apply(SigmoidCrossEntropyWithLogitsDef, [labels, logits], Attrs.Empty)[0];
}

internal static partial class LossOps
{
    private static TensorSpec[] SameShapeLossInfer(string op, Tensor[] x)
    {
        var (labels, logits) = (x[0], x[1]);
        Window.Floating(op, logits, "logits");
        if (labels.DType != logits.DType)
            throw new ArgumentException($"{op}: labels are {labels.DType.Name()}{labels.Shape} but logits are {logits.DType.Name()}{logits.Shape}; dtypes must match.");
        if (!labels.Shape.IsCompatibleWith(logits.Shape))
            throw new ArgumentException($"{op}: labels {labels.Shape} and logits {logits.Shape} must have the same shape.");
        return [new TensorSpec(logits.Shape, logits.DType)];
    }

    private static TensorSpec[] SoftmaxCrossEntropyInfer(Tensor[] x)
    {
        const string op = SoftmaxCrossEntropyWithLogitsName;
        var spec = SameShapeLossInfer(op, x)[0];
        if (spec.Shape.Rank < 1) throw new ArgumentException($"{op}: logits must have rank >= 1 (classes last), got a scalar.");
        return [new TensorSpec(Shape.Wrap(spec.Shape.ToArray()[..^1]), spec.DType), spec];
    }

    /// <summary>The softmax Jacobian applied to <paramref name="g"/>: p * (g - sum(g * p)) over the last axis, p = softmax(logits).</summary>
    private static Tensor SoftmaxJvp(Tensor p, Tensor g) => Multiply(p, Subtract(g, ReduceSum(Multiply(g, p), -1, keepDims: true)));

    internal const string SoftmaxCrossEntropyWithLogitsName = "SoftmaxCrossEntropyWithLogits";
    internal static readonly OpDef SoftmaxCrossEntropyWithLogitsDef = new(SoftmaxCrossEntropyWithLogitsName,
        (x, _) => SoftmaxCrossEntropyInfer(x),
        (x, _) =>
        {
            var specs = SoftmaxCrossEntropyInfer(x);
            var labels = x[0].Contiguous(); var logits = x[1].Contiguous();
            var loss = Tensor.Empty(specs[0].Shape, logits.DType);
            var backprop = Tensor.Empty(logits.Shape, logits.DType);
            int classes = logits.Shape[-1], rows = specs[0].Shape.Size;
            if (logits.DType == DType.Float32) CrossEntropy.SoftmaxDense(labels.Span<float>(), logits.Span<float>(), rows, classes, loss.Span<float>(), backprop.Span<float>());
            else CrossEntropy.SoftmaxDense(labels.Span<double>(), logits.Span<double>(), rows, classes, loss.Span<double>(), backprop.Span<double>());
            labels.KeepAlive(); logits.KeepAlive();
            return [loss, backprop];
        })
    {
        Gradient = c =>
        {
            var (labels, logits) = (c.X(0), c.X(1));
            var g = ExpandDims(c.GradOf(0), -1);
            Tensor dLogits = Multiply(g, c.Outputs[1]);
            Tensor dLabels = Negate(Multiply(g, LogSoftmax(logits)));
            if (c.OutputGrads[1] is { } gb)
            {
                // Output 1 is softmax(logits) * sum(labels) - labels.
                var p = Softmax(logits);
                dLogits = Add(dLogits, Multiply(ReduceSum(labels, -1, keepDims: true), SoftmaxJvp(p, gb)));
                dLabels = Add(dLabels, Subtract(ReduceSum(Multiply(gb, p), -1, keepDims: true), gb));
            }
            return [dLabels, dLogits];
        },
        Onnx = e =>
        {
            // loss = -sum(labels * log_softmax(logits)); output 1 = softmax(logits) * sum(labels) - labels.
            var (labels, logits) = (e.Input(0), e.Input(1));
            var last = OnnxMap.Ints(e, "last_axis", -1);
            var logP = e.Temp("log_softmax");
            e.Add("LogSoftmax", [logits], [logP], ("axis", -1L));
            var weighted = e.Temp("weighted");
            e.Add("Mul", [labels, logP], [weighted]);
            var sum = e.Temp("sum");
            e.Add("ReduceSum", [weighted, last], [sum], ("keepdims", 0L));
            e.Add("Neg", [sum], [e.Output(0)]);
            var p = e.Temp("softmax");
            e.Add("Softmax", [logits], [p], ("axis", -1L));
            var mass = e.Temp("label_mass");
            e.Add("ReduceSum", [labels, last], [mass], ("keepdims", 1L));
            var scaled = e.Temp("scaled");
            e.Add("Mul", [p, mass], [scaled]);
            e.Add("Sub", [scaled, labels], [e.Output(1)]);
        },
    };

    private static TensorSpec[] SparseSoftmaxCrossEntropyInfer(Tensor[] x)
    {
        const string op = SparseSoftmaxCrossEntropyWithLogitsName;
        var (labels, logits) = (x[0], x[1]);
        Window.Floating(op, logits, "logits");
        if (!labels.DType.IsInteger)
            throw new ArgumentException($"{op}: labels must be int32 or int64 class indices, got {labels.DType.Name()}{labels.Shape}. For one-hot or soft labels use SoftmaxCrossEntropyWithLogits.");
        if (logits.Rank < 1 || labels.Rank != logits.Rank - 1 || !labels.Shape.IsCompatibleWith(Shape.Wrap(logits.Shape.ToArray()[..^1])))
            throw new ArgumentException($"{op}: labels must have the logits' shape without its last (classes) dimension, got labels {labels.Shape} and logits {logits.Shape} " +
                                        "(e.g. labels (batch,) and logits (batch, classes)).");
        return [new TensorSpec(Shape.Wrap(logits.Shape.ToArray()[..^1]), logits.DType), TensorSpec.Of(logits)];
    }

    internal const string SparseSoftmaxCrossEntropyWithLogitsName = "SparseSoftmaxCrossEntropyWithLogits";
    internal static readonly OpDef SparseSoftmaxCrossEntropyWithLogitsDef = new(SparseSoftmaxCrossEntropyWithLogitsName,
        (x, _) => SparseSoftmaxCrossEntropyInfer(x),
        (x, _) =>
        {
            const string op = SparseSoftmaxCrossEntropyWithLogitsName;
            var specs = SparseSoftmaxCrossEntropyInfer(x);
            var labels = x[0].Contiguous(); var logits = x[1].Contiguous();
            int classes = logits.Shape[-1], rows = specs[0].Shape.Size;
            int bad = labels.DType == DType.Int32 ? CrossEntropy.FindInvalidLabel(labels.Span<int>(), classes) : CrossEntropy.FindInvalidLabel(labels.Span<long>(), classes);
            if (bad >= 0)
            {
                long value = labels.DType == DType.Int32 ? labels.Span<int>()[bad] : labels.Span<long>()[bad];
                throw new ArgumentException($"{op}: label {value} at flat position {bad} is outside the valid class range [0, {classes}) (labels {labels.Shape}, logits {logits.Shape}).");
            }
            var loss = Tensor.Empty(specs[0].Shape, logits.DType);
            var backprop = Tensor.Empty(logits.Shape, logits.DType);
            switch (logits.DType, labels.DType)
            {
                case (DType.Float32, DType.Int32): CrossEntropy.SoftmaxSparse(labels.Span<int>(), logits.Span<float>(), rows, classes, loss.Span<float>(), backprop.Span<float>()); break;
                case (DType.Float32, _): CrossEntropy.SoftmaxSparse(labels.Span<long>(), logits.Span<float>(), rows, classes, loss.Span<float>(), backprop.Span<float>()); break;
                case (_, DType.Int32): CrossEntropy.SoftmaxSparse(labels.Span<int>(), logits.Span<double>(), rows, classes, loss.Span<double>(), backprop.Span<double>()); break;
                default: CrossEntropy.SoftmaxSparse(labels.Span<long>(), logits.Span<double>(), rows, classes, loss.Span<double>(), backprop.Span<double>()); break;
            }
            labels.KeepAlive(); logits.KeepAlive();
            return [loss, backprop];
        })
    {
        Gradient = c =>
        {
            Tensor dLogits = Multiply(ExpandDims(c.GradOf(0), -1), c.Outputs[1]);
            if (c.OutputGrads[1] is { } gb) dLogits = Add(dLogits, SoftmaxJvp(Softmax(c.X(1)), gb)); // output 1 is softmax - onehot
            return [null, dLogits];
        },
        Onnx = e =>
        {
            // loss = -log_softmax(logits) at each label; output 1 = softmax(logits) - one_hot(labels).
            if (e.Node.Inputs[0].Shape.IsUnknownRank) throw new NotSupportedException("ONNX export of SparseSoftmaxCrossEntropyWithLogits needs the labels' rank.");
            var (labels, logits) = (e.Input(0), e.Input(1));
            var dtype = e.Node.Inputs[1].DType;
            var last = OnnxMap.Ints(e, "last_axis", -1);
            var logP = e.Temp("log_softmax");
            e.Add("LogSoftmax", [logits], [logP], ("axis", -1L));
            var index = e.Temp("label_index");
            e.Add("Unsqueeze", [labels, last], [index]);
            var picked = e.Temp("picked");
            e.Add("GatherElements", [logP, index], [picked], ("axis", -1L));
            var squeezed = e.Temp("picked_row");
            e.Add("Squeeze", [picked, last], [squeezed]);
            e.Add("Neg", [squeezed], [e.Output(0)]);
            var shape = e.Temp("logits_shape");
            e.Add("Shape", [logits], [shape]);
            var classes = e.Temp("classes");
            e.Add("Gather", [shape, e.Constant(Tensor.Scalar(-1L), "last")], [classes], ("axis", 0L));
            var oneHot = e.Temp("one_hot");
            OnnxMap.OneHot(e, labels, e.Node.Inputs[0].DType, e.Node.Inputs[0].Rank, classes, -1,
                OnnxMap.Scalar(e, "on", 1, dtype), OnnxMap.Scalar(e, "off", 0, dtype), oneHot);
            var p = e.Temp("softmax");
            e.Add("Softmax", [logits], [p], ("axis", -1L));
            e.Add("Sub", [p, oneHot], [e.Output(1)]);
        },
    };

    internal const string SigmoidCrossEntropyWithLogitsName = "SigmoidCrossEntropyWithLogits";
    internal static readonly OpDef SigmoidCrossEntropyWithLogitsDef = new(SigmoidCrossEntropyWithLogitsName,
        (x, _) => { var s = SameShapeLossInfer(SigmoidCrossEntropyWithLogitsName, x)[0]; return [s, s]; },
        (x, _) =>
        {
            var labels = x[0].Contiguous(); var logits = x[1].Contiguous();
            var loss = Tensor.Empty(logits.Shape, logits.DType);
            var sigmoid = Tensor.Empty(logits.Shape, logits.DType);
            if (logits.DType == DType.Float32) CrossEntropy.Sigmoid(labels.Span<float>(), logits.Span<float>(), loss.Span<float>(), sigmoid.Span<float>());
            else CrossEntropy.Sigmoid(labels.Span<double>(), logits.Span<double>(), loss.Span<double>(), sigmoid.Span<double>());
            labels.KeepAlive(); logits.KeepAlive();
            return [loss, sigmoid];
        })
    {
        Gradient = c =>
        {
            var (labels, logits, s, g) = (c.X(0), c.X(1), c.Outputs[1], c.GradOf(0));
            Tensor dLogits = Multiply(g, Subtract(s, labels));
            Tensor dLabels = Negate(Multiply(g, logits));
            // Output 1 is sigmoid(logits), whose derivative is s * (1 - s).
            if (c.OutputGrads[1] is { } gs) dLogits = Add(dLogits, Multiply(gs, Multiply(s, Subtract(OnesLike(s), s))));
            return [dLabels, dLogits];
        },
        Onnx = e =>
        {
            // max(x, 0) - x * z + log(1 + exp(-|x|)), the last term as Softplus of a non-positive value (stable).
            var (labels, logits) = (e.Input(0), e.Input(1));
            string Unary(string op, string x) { var t = e.Temp(op); e.Add(op, [x], [t]); return t; }
            var xz = e.Temp("xz");
            e.Add("Mul", [logits, labels], [xz]);
            var head = e.Temp("head");
            e.Add("Sub", [Unary("Relu", logits), xz], [head]);
            e.Add("Add", [head, Unary("Softplus", Unary("Neg", Unary("Abs", logits)))], [e.Output(0)]);
            e.Add("Sigmoid", [logits], [e.Output(1)]);
        },
    };
}
