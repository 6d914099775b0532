using Eager.Kernels.Elementwise;
using static Eager.Ops;
using static Eager.ActivationOps;

namespace Eager;

/// <summary>Piecewise-linear activations of mobile networks (hard sigmoid, hard swish) and Ceil.</summary>
public static partial class Ops
{
    /// <summary>max(0, min(1, alpha * x + beta)) element-wise; the defaults are ONNX's (Keras' hard_sigmoid uses alpha 0.2 too).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor HardSigmoid(Tensor x, double alpha = 0.2, double beta = 0.5) =>
        Dispatcher.Apply1(HardSigmoidDef, new Attrs { { "alpha", alpha }, { "beta", beta } }, x);

    /// <summary>x * max(0, min(1, x / 6 + 1/2)) element-wise (MobileNetV3).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor HardSwish(Tensor x) => Dispatcher.Apply1(HardSwishDef, Attrs.Empty, x);

    /// <summary>Smallest integer not below x, element-wise. No gradient.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Ceil(Tensor x) => Dispatcher.Apply1(CeilDef, Attrs.Empty, x);
}

internal static partial class ActivationOps
{
    internal const string HardSigmoidName = "HardSigmoid";
    internal static readonly OpDef HardSigmoidDef = new(HardSigmoidName,
        (x, _) => MathOps.UnaryInfer(HardSigmoidName, x[0], floatOnly: true),
        (x, a) => [x[0].DType == DType.Float32
            ? MathOps.Map<float, HardSigmoidOp<float>>(x[0], new((float)a.Double("alpha"), (float)a.Double("beta")))
            : MathOps.Map<double, HardSigmoidOp<double>>(x[0], new(a.Double("alpha"), a.Double("beta")))])
    {
        IsElementwise = true,
        // Lanes carry one attribute and this op has two, so a traced graph spells it out in ops that have lanes (the same
        // arithmetic in the same order) and the element-wise fuser can merge it with its neighbours (MobileNet's hard swish).
        Rewrites = [SpellOut],
        // Slope alpha inside the ramp, 0 on the flat parts (as ONNX Runtime and TensorFlow).
        Gradient = c =>
        {
            var z = c.X() * c.Attrs.Double("alpha") + c.Attrs.Double("beta");
            return [Where(LogicalAnd(z > 0.0, z < 1.0), c.Grad * c.Attrs.Double("alpha"), ZerosLike(c.Grad))];
        },
        Onnx = e => e.Add("HardSigmoid", [e.Input(0)], [e.Output(0)], ("alpha", e.Node.Attrs.Double("alpha")), ("beta", e.Node.Attrs.Double("beta"))),
    };

    private static Rewrite SpellOut(RewriteSite s)
    {
        var x = s.X(0);
        Tensor Scalar(double v) => s.Constant(Tensor.Scalar(v, x.DType));
        var ramp = s.Emit(MathOps.AddDef, Attrs.Empty, s.Emit(MathOps.MultiplyDef, Attrs.Empty, x, Scalar(s.Node.Attrs.Double("alpha"))), Scalar(s.Node.Attrs.Double("beta")));
        return Rewrite.ToOp("hard sigmoid spelled out for fusion", MathOps.MaximumDef, Attrs.Empty, s.Emit(MathOps.MinimumDef, Attrs.Empty, ramp, Scalar(1)), Scalar(0));
    }

    internal const string HardSwishName = "HardSwish";
    internal static readonly OpDef HardSwishDef = MathOps.FloatUnary<HardSwishOp<float>, HardSwishOp<double>>(HardSwishName,
        c => [c.Grad * Where(c.X() < -3.0, ZerosLike(c.X()), Where(c.X() > 3.0, OnesLike(c.X()), c.X() * (1.0 / 3) + 0.5))])
        .WithOnnx(e =>
        {
            if (e.Opset >= 14) { e.Add("HardSwish", [e.Input(0)], [e.Output(0)]); return; }
            var h = e.Temp("hard_sigmoid");
            e.Add("HardSigmoid", [e.Input(0)], [h], ("alpha", 1.0 / 6), ("beta", 0.5));
            e.Add("Mul", [e.Input(0), h], [e.Output(0)]);
        });

    internal const string CeilName = "Ceil";
    internal static readonly OpDef CeilDef = MathOps.FloatUnary<CeilOp<float>, CeilOp<double>>(CeilName, null).WithOnnx(OnnxMap.Same("Ceil"));
}
