namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Samples for the hard activations, Ceil, Resize and the transposed convolution's input pass.</summary>
    public static IEnumerable<OpSample> ModelOps()
    {
        yield return new("HardSigmoid", [new(3, 5)], x => Ops.HardSigmoid(x[0], 0.3, 0.4), Domain: v => 3 * v);
        yield return new("HardSwish", [new(3, 5)], x => Ops.HardSwish(x[0]), Domain: v => 3 * v + (v > 0 ? 0.05 : -0.05));
        yield return new("Ceil", [new(2, 3)], x => Ops.Ceil(x[0]), Differentiable: false, Domain: v => 3 * v + 0.01);
        yield return new("Resize", [new(2, 3, 4, 2)], x => Ops.Resize(x[0], 5, 7));
        yield return new("Resize", [new(1, 4, 3, 2)], x => Ops.Resize(x[0], 2, 6, "nearest", "asymmetric", "floor")) { Label = "nearest" };
        yield return new("Resize", [new(1, 3, 4, 1)], x => Ops.Resize(x[0], -1, -1, "linear", "align_corners", scaleHeight: 2, scaleWidth: 1.5)) { Label = "scales" }; // scales that give whole sizes: ONNX Runtime and the ONNX reference differ on align_corners otherwise
        yield return new("ResizeGrad", [new(2, 5, 7, 2), new(2, 3, 4, 2)], x => Dispatcher.Apply1(OpRegistry.Get("ResizeGrad"),
            new Attrs { { "size", new[] { 5, 7 } }, { "scaleH", 0.0 }, { "scaleW", 0.0 }, { "mode", "linear" }, { "coordinateMode", "half_pixel" }, { "nearestMode", "floor" } }, x[0], x[1]))
        { UnknownDims = false };
    }
}
