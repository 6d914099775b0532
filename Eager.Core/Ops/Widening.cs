namespace Eager;

/// <summary>
/// How every op computes on float16, bfloat16, int8 and uint8 without kernels of its own: operands of those dtypes
/// are converted to their compute dtype (float32 for the 16-bit floats, int32 for the 8-bit integers), the op's
/// ordinary kernel runs, and each result is converted back to the dtype inference gave it (floats rounded to nearest
/// even, integers saturated). So an op on 16-bit floats gives the float32 result rounded once, and reductions,
/// matrix products and convolutions accumulate in float32.
/// Ops that keep their inputs (Assign, Enqueue) are left alone: they store tensors, never compute on them.
/// </summary>
internal static class Widening
{
    public static Tensor[] Compute(OpDef op, Tensor[] inputs, Attrs attrs)
    {
        if (op.HandlesAllDTypes || op.KeepsInputs || !Needed(op, inputs, attrs)) return op.Kernel(inputs, attrs);
        var specs = op.Infer(inputs, attrs);
        var wide = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            wide[i] = t.DType.ComputeType == t.DType ? t : DTypeConvert.Convert(t, t.DType.ComputeType);
        }
        var outputs = op.Kernel(wide, attrs.HasNarrowDType ? attrs.Widened() : attrs);
        for (int i = 0; i < outputs.Length && i < specs.Length; i++)
        {
            if (outputs[i].DType != specs[i].DType) outputs[i] = DTypeConvert.Convert(outputs[i], specs[i].DType);
        }
        ReleaseTemporaries(inputs, wide, outputs);
        return outputs;
    }

    // The float32 copies of the inputs die here: give their buffers back now rather than when the GC finds them, so a
    // step on 16-bit tensors reuses them at once. (Kernel results are left to the GC: a kernel may hand back a buffer
    // it shares with something else, such as a cached constant.) A copy that a result still views is kept.
    private static void ReleaseTemporaries(Tensor[] inputs, Tensor[] wide, Tensor[] outputs)
    {
        HashSet<Storage>? live = null;
        for (int i = 0; i < wide.Length; i++)
        {
            if (ReferenceEquals(wide[i], inputs[i]) || wide[i].Storage is not { } s) continue;
            if (live is null)
            {
                live = new HashSet<Storage>(ReferenceEqualityComparer.Instance);
                foreach (var t in outputs) if (t.Storage is { } o) live.Add(o);
            }
            if (!live.Contains(s)) s.Release();
        }
    }

    private static bool Needed(OpDef op, Tensor[] inputs, Attrs attrs)
    {
        foreach (var t in inputs)
            if (t.DType.ComputeType != t.DType && !(op.Handles8Bit && t.DType is DType.Int8 or DType.UInt8)) return true;
        return attrs.HasNarrowDType;
    }
}
