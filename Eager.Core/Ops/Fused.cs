namespace Eager;

/// <summary>
/// Fused ops made by the optimiser's fusion passes (they are not meant to be called by hand, though they can be):
/// a chain of element-wise ops compiled into one loop, and matrix product or convolution with bias and activation
/// in one step. They appear only in compiled plans, after gradients have been built, so FusedElementwise is
/// inference-only (no gradient rule); FusedMatMul and FusedConv2D have gradient rules built from the rules of the
/// ops they stand for.
/// </summary>
public static partial class Ops
{
    internal static readonly OpDef FusedElementwiseDef = new("FusedElementwise", FusedElementwiseInfer, FusedKernel.Run);

    private static TensorSpec[] FusedElementwiseInfer(Tensor[] x, Attrs a)
    {
        var program = FusedProgram.Parse(a.String("program"));
        var dtype = a.Get<DType>("dtype");
        var outputs = a.Ints("outputs");
        if (!dtype.IsFloating) throw new ArgumentException($"FusedElementwise: dtype must be float32 or float64, got {dtype.Name()}.");
        if (x.Length != program.InputCount)
            throw new ArgumentException($"FusedElementwise: the program reads {program.InputCount} inputs; got {x.Length}.");
        for (int k = 0; k < x.Length; k++)
            if (x[k].DType != dtype) throw new ArgumentException($"FusedElementwise: input {k} is {x[k].DType.Name()}{x[k].Shape}; the loop is over {dtype.Name()}.");
        if (outputs.Length == 0) throw new ArgumentException("FusedElementwise: no outputs.");
        var shapes = program.Shapes(x);
        var specs = new TensorSpec[outputs.Length];
        for (int j = 0; j < outputs.Length; j++)
        {
            int o = outputs[j];
            if ((uint)o >= (uint)shapes.Length) throw new ArgumentException($"FusedElementwise: output {j} names instruction {o}; the program has {shapes.Length}.");
            if (program.Code[o].Op.ProducesMask) throw new ArgumentException($"FusedElementwise: output {j} (instruction {o}, {program.Code[o].Op.Name}) is a comparison result; outputs must be numbers.");
            specs[j] = new TensorSpec(shapes[o], dtype);
        }
        return specs;
    }

    /// <summary>Runs a fused element-wise <paramref name="program"/> (see FusedProgram) over <paramref name="inputs"/> of
    /// dtype <paramref name="dtype"/>, returning the results of the instructions listed in <paramref name="outputs"/>.</summary>
    internal static Tensor[] FusedElementwise(string program, int[] outputs, DType dtype, params Tensor[] inputs) =>
        Dispatcher.Apply(FusedElementwiseDef, inputs, new Attrs { { "program", program }, { "outputs", outputs }, { "dtype", dtype } });
}
