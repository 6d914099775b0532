using System.Numerics;
using System.Numerics.Tensors;

namespace Eager.Kernels.Softmax;

/// <summary>
/// Cross-entropy losses with their logit gradients computed in the same pass (TensorFlow's fused ops). All are
/// stable for logits of any magnitude: log-softmax subtracts the row max, the sigmoid form never exponentiates
/// a positive number.
/// </summary>
public static class CrossEntropy
{
    /// <summary>Rows of [rows, classes]: loss[r] = -sum(labels * logsoftmax(logits)) and backprop, its gradient in the
    /// logits: softmax(logits) * sum(labels) - labels (softmax - labels for labels that are distributions).</summary>
    public static void SoftmaxDense<T>(ReadOnlySpan<T> labels, ReadOnlySpan<T> logits, int rows, int classes, Span<T> loss, Span<T> backprop)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var z = labels.Slice(r * classes, classes);
            var bp = backprop.Slice(r * classes, classes);
            SoftmaxRows.LogSoftmaxRow(logits.Slice(r * classes, classes), bp);
            loss[r] = -TensorPrimitives.Dot(z, bp);
            TensorPrimitives.Exp(bp, bp);
            T mass = TensorPrimitives.Sum(z);
            if (mass != T.One) TensorPrimitives.Multiply(bp, mass, bp);
            TensorPrimitives.Subtract(bp, z, bp);
        }
    }

    /// <summary>The first row whose label is outside [0, classes), or -1 when every label is valid.</summary>
    public static int FindInvalidLabel<TL>(ReadOnlySpan<TL> labels, int classes) where TL : unmanaged, IBinaryInteger<TL>
    {
        var hi = TL.CreateTruncating(classes);
        for (int r = 0; r < labels.Length; r++)
            if (TL.IsNegative(labels[r]) || labels[r] >= hi) return r;
        return -1;
    }

    /// <summary>Rows of [rows, classes] with one class index per row (validated by the caller with
    /// <see cref="FindInvalidLabel"/>): loss[r] = -logsoftmax(logits)[label], backprop = softmax(logits) - onehot(label).</summary>
    public static void SoftmaxSparse<T, TL>(ReadOnlySpan<TL> labels, ReadOnlySpan<T> logits, int rows, int classes, Span<T> loss, Span<T> backprop)
        where T : unmanaged, IFloatingPointIeee754<T> where TL : unmanaged, IBinaryInteger<TL>
    {
        for (int r = 0; r < rows; r++)
        {
            int label = int.CreateTruncating(labels[r]);
            var bp = backprop.Slice(r * classes, classes);
            SoftmaxRows.LogSoftmaxRow(logits.Slice(r * classes, classes), bp);
            loss[r] = -bp[label];
            TensorPrimitives.Exp(bp, bp);
            bp[label] -= T.One;
        }
    }

    /// <summary>Element-wise: loss = max(x, 0) - x * z + log(1 + exp(-|x|)) and sigmoid = 1 / (1 + exp(-x)),
    /// for labels z and logits x.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> labels, ReadOnlySpan<T> logits, Span<T> loss, Span<T> sigmoid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < logits.Length; i++)
        {
            T x = logits[i], z = labels[i];
            T e = T.Exp(-T.Abs(x)); // in (0, 1]: never overflows
            loss[i] = T.Max(x, T.Zero) - x * z + T.LogP1(e);
            sigmoid[i] = x >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
        }
    }
}
