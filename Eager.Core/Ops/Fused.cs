using static Eager.Ops;
using static Eager.FusedKernelOps;

namespace Eager;

/// <summary>
/// Fused ops made by the optimiser's fusion passes (they are not meant to be called by hand, though they can be):
/// a chain of element-wise ops compiled into one loop, and matrix product or convolution with bias and activation
/// in one step. They appear only in compiled plans, after gradients have been built, so FusedElementwise is
/// inference-only (no gradient rule); FusedMatMul and FusedConv2D have gradient rules built from the rules of the
/// ops they stand for.
/// </summary>
internal static partial class FusedKernelOps
{
    internal const string FusedElementwiseName = "FusedElementwise";
    internal static readonly OpDef FusedElementwiseDef = new(FusedElementwiseName, FusedElementwiseInfer, FusedKernel.Run) { NoOnnx = OnnxMap.FusedOnly, ReusesInputBuffers = true };

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
            if (program.Code[o].Lanes.ProducesMask) throw new ArgumentException($"FusedElementwise: output {j} (instruction {o}, {program.Code[o].Op.Name}) is a comparison result; outputs must be numbers.");
            specs[j] = new TensorSpec(shapes[o], dtype);
        }
        return specs;
    }

    /// <summary>Runs a fused element-wise <paramref name="program"/> (see FusedProgram) over <paramref name="inputs"/> of
    /// dtype <paramref name="dtype"/>, returning the results of the instructions listed in <paramref name="outputs"/>.</summary>
    internal static Tensor[] FusedElementwise(string program, int[] outputs, DType dtype, params Tensor[] inputs) =>
        Dispatcher.Apply(FusedElementwiseDef, inputs, new Attrs { { "program", program }, { "outputs", outputs }, { "dtype", dtype } });
}

/// <summary>Matrix product and convolution fused with a bias and an activation.</summary>
public static partial class Ops
{
    /// <summary>act(a x b + bias) in one step (the optimiser's fusion of MatMul, BiasAdd and an activation).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    /// <param name="bias">Rank-1 bias the size of the result's last dimension, or null.</param>
    /// <param name="activation">"None", "Relu", "Relu6", "Elu", "Sigmoid" or "Tanh".</param>
    /// <param name="transposeA">Transpose the last two dimensions of a.</param>
    /// <param name="transposeB">Transpose the last two dimensions of b.</param>
    /// <exception cref="ArgumentException">Operands MatMul refuses, a bias of the wrong shape, or an unknown activation.</exception>
    public static Tensor FusedMatMul(Tensor a, Tensor b, Tensor? bias, string activation = "None", bool transposeA = false, bool transposeB = false) =>
        Dispatcher.Apply1(FusedMatMulDef, new Attrs { { "transposeA", transposeA }, { "transposeB", transposeB }, { "activation", activation } },
            bias is null ? [a, b] : [a, b, bias]);

    /// <summary>act(conv2d(input, filter) + bias) in one step (the optimiser's fusion of Conv2D, BiasAdd and an activation);
    /// NHWC input, HWIO filter, as <see cref="Conv2D"/>.</summary>
    /// <exception cref="ArgumentException">Operands Conv2D refuses, a bias of the wrong shape, or an unknown activation.</exception>
    public static Tensor FusedConv2D(Tensor input, Tensor filter, Tensor? bias, string activation = "None", Size2? strides = null, string padding = "VALID", Size2? dilations = null)
    {
        var attrs = Window.ConvAttrs(FusedConv2DName, strides, padding, dilations);
        attrs.Add("activation", activation);
        return Dispatcher.Apply1(FusedConv2DDef, attrs, bias is null ? [input, filter] : [input, filter, bias]);
    }
}

internal static partial class FusedKernelOps
{
    internal const string FusedMatMulName = "FusedMatMul";
    internal static readonly OpDef FusedMatMulDef = new(FusedMatMulName,
        (x, a) => FusedContractionInfer(FusedMatMulName, LinalgOps.MatMulDef!, x, a),
        (x, a) => [FusedContraction(LinalgOps.MatMulDef!, x, a)])
    {
        NoOnnx = OnnxMap.FusedOnly,
        Gradient = c => FusedContractionGradient(LinalgOps.MatMulDef!, c),
    };

    internal const string FusedConv2DName = "FusedConv2D";
    internal static readonly OpDef FusedConv2DDef = new(FusedConv2DName,
        (x, a) => FusedContractionInfer(FusedConv2DName, ConvolutionOps.Conv2DDef!, x, a),
        (x, a) => [FusedContraction(ConvolutionOps.Conv2DDef!, x, a)])
    {
        NoOnnx = OnnxMap.FusedOnly,
        Gradient = c => FusedContractionGradient(ConvolutionOps.Conv2DDef!, c),
    };

    /// <summary>The product's inference, then the bias (rank 1, the size of the last dimension) and activation checks.</summary>
    private static TensorSpec[] FusedContractionInfer(string op, OpDef product, Tensor[] x, Attrs a)
    {
        if (x.Length is not (2 or 3)) throw new ArgumentException($"{op}: expects 2 inputs, or 3 with a bias; got {x.Length}.");
        var spec = product.Infer([x[0], x[1]], a)[0];
        if (!spec.DType.IsFloating) throw new ArgumentException($"{op}: expects float32 or float64 operands, got {spec.DType.Name()}.");
        if (x.Length == 3 && (x[2].DType != spec.DType || x[2].Rank != 1 || spec.Shape.Rank < 1 || Window.Differ(x[2].Shape[0], spec.Shape[-1])))
            throw new ArgumentException($"{op}: the bias must be a rank-1 {spec.DType.Name()} tensor the size of the result's last dimension (result {spec.Shape}); got {x[2].DType.Name()}{x[2].Shape}.");
        var act = a.String("activation");
        if (!FusedEpilogue.Knows(act))
            throw new ArgumentException($"{op}: activation '{act}' is not one of {string.Join(", ", FusedEpilogue.Activations)}.");
        return [spec];
    }

    private static Tensor FusedContraction(OpDef product, Tensor[] x, Attrs a)
    {
        var z = product.Compute([x[0], x[1]], a)[0];
        // The epilogue writes in place: only into a fresh contiguous result.
        if (!z.IsContiguous || ReferenceEquals(z.Storage, x[0].Storage) || ReferenceEquals(z.Storage, x[1].Storage)) z = CopyOf(z);
        FusedEpilogue.Apply(z, x.Length == 3 ? x[2] : null, a.String("activation"));
        return z;
    }

    private static Tensor CopyOf(Tensor t)
    {
        var r = Tensor.Empty(t.Shape, t.DType);
        StridedCopy.Copy(t, r);
        return r;
    }

    /// <summary>Through the activation (from the output), then the product's own gradient rule, and the bias's sum.</summary>
    private static Tensor?[] FusedContractionGradient(OpDef product, GradContext c)
    {
        var dz = FusedEpilogue.Gradient(c.Attrs.String("activation"), c.Y, c.Grad);
        var grads = product.Gradient!(new GradContext(product, [c.X(0), c.X(1)], c.Attrs, c.Outputs, [dz], c.Needed));
        if (c.Inputs.Length == 2) return grads;
        return [grads[0], grads[1], c.Needs(2) ? ReduceSum(dz, [.. Enumerable.Range(0, c.Y.Rank - 1)]) : null];
    }
}
