using Eager;
using Eager.NN;

/// <summary>What a precision policy saves: the tensor memory one training step of the digits CNN holds at its peak.</summary>
internal static class PrecisionProbe
{
    /// <summary>
    /// Bytes of tensor buffers alive at the end of the forward pass of one eager training step on a fresh model under
    /// <paramref name="policy"/>: the activations the tape keeps for the backward pass, which is where a step's memory
    /// peaks. Garbage is collected first so only live tensors count. Weights are the same in both policies (float32).
    /// </summary>
    public static long StepActivationBytes(Policy policy, Tensor images, Tensor labels, int batch)
    {
        var x = Ops.Slice(images, [0, 0, 0, 0], [batch, -1, -1, -1]);
        var y = Ops.Slice(labels, [0], [batch]);
        using (Precision.Scope(policy))
        {
            var model = DigitsModel.Create();
            model.Build(new Shape(-1, 28, 28, 1));
            var loss = new SparseCategoricalCrossentropy(fromLogits: true);
            long before = LiveBytes();
            long held;
            using (var tape = new GradientTape())
            {
                var value = loss.Call(y, model.Call(x, training: true));
                held = LiveBytes() - before;
                tape.Gradient(value, model.TrainableVariables);
            }
            GC.KeepAlive(model);
            return held;
        }
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return TensorMemory.BytesInUse;
    }
}
