using Eager.Kernels.Elementwise;
using static Eager.Ops;
using static Eager.ActivationOps;

namespace Eager;

/// <summary>Activation functions. Gradients are written in ops, so they differentiate again.</summary>
public static partial class Ops
{
    /// <summary>Hyperbolic tangent element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Tanh(Tensor x) => Dispatcher.Apply1(TanhDef, Attrs.Empty, x);

    /// <summary>Logistic sigmoid 1 / (1 + e^-x) element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Sigmoid(Tensor x) => Dispatcher.Apply1(SigmoidDef, Attrs.Empty, x);

    /// <summary>max(x, 0) element-wise. Any numeric dtype. The gradient at 0 is 0, as TensorFlow.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Relu(Tensor x) => Dispatcher.Apply1(ReluDef, Attrs.Empty, x);

    /// <summary>min(max(x, 0), 6) element-wise. Any numeric dtype.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Relu6(Tensor x) => Dispatcher.Apply1(Relu6Def, Attrs.Empty, x);

    /// <summary>Exponential linear unit: x for x &gt; 0, e^x - 1 otherwise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Elu(Tensor x) => Dispatcher.Apply1(EluDef, Attrs.Empty, x);

    /// <summary>Scaled exponential linear unit with the fixed alpha and scale of Klambauer et al. (2017).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Selu(Tensor x) => Dispatcher.Apply1(SeluDef, Attrs.Empty, x);

    /// <summary>x for x &gt; 0, alpha * x otherwise (TensorFlow's default alpha is 0.2).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor LeakyRelu(Tensor x, double alpha = 0.2) => Dispatcher.Apply1(LeakyReluDef, new Attrs { { "alpha", alpha } }, x);

    /// <summary>log(1 + e^x) element-wise, without overflow for large x or loss of precision for very negative x.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Softplus(Tensor x) => Dispatcher.Apply1(SoftplusDef, Attrs.Empty, x);

    /// <summary>Gaussian error linear unit x * Phi(x) with the exact erf form, or the tanh approximation of
    /// Hendrycks and Gimpel when <paramref name="approximate"/> is true.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Gelu(Tensor x, bool approximate = false) => Dispatcher.Apply1(GeluDef, new Attrs { { "approximate", approximate } }, x);
}

internal static partial class ActivationOps
{
    internal const string TanhName = "Tanh";
    internal static readonly OpDef TanhDef = MathOps.FloatUnary<TanhOp<float>, TanhOp<double>>(TanhName,
        c => [c.Grad * (1.0 - Square(c.Y))], new(Tanh, (y, g) => g * (1.0 - Square(y)))).WithOnnx(OnnxMap.Same("Tanh"));

    internal const string SigmoidName = "Sigmoid";
    internal static readonly OpDef SigmoidDef = MathOps.FloatUnary<SigmoidOp<float>, SigmoidOp<double>>(SigmoidName,
        c => [c.Grad * c.Y * (1.0 - c.Y)], new(Sigmoid, (y, g) => g * y * (1.0 - y))).WithOnnx(OnnxMap.Same("Sigmoid"));

    internal const string ReluName = "Relu";
    // A select rather than g * mask, as TensorFlow's ReluGrad: an inf or NaN gradient stays out of the dead half.
    internal static readonly OpDef ReluDef = MathOps.NumericUnary<ReluOp<float>, ReluOp<double>, ReluOp<int>, ReluOp<long>>(ReluName,
        c => [Where(c.X() > 0.0, c.Grad, ZerosLike(c.Grad))], new(Relu, (y, g) => Where(y > 0.0, g, ZerosLike(g)))).WithOnnx(OnnxMap.Same("Relu"));

    internal const string Relu6Name = "Relu6";
    internal static readonly OpDef Relu6Def = MathOps.NumericUnary<Relu6Op<float>, Relu6Op<double>, Relu6Op<int>, Relu6Op<long>>(Relu6Name,
        c => [Where(LogicalAnd(c.X() > 0.0, c.X() < 6.0), c.Grad, ZerosLike(c.Grad))],
        new(Relu6, (y, g) => Where(LogicalAnd(y > 0.0, y < 6.0), g, ZerosLike(g)))).WithOnnx(e => e.Add("Clip", [e.Input(0), OnnxMap.Scalar(e, "zero", 0, e.Node.Inputs[0].DType), OnnxMap.Scalar(e, "six", 6, e.Node.Inputs[0].DType)], [e.Output(0)]));

    internal const string EluName = "Elu";
    // For x <= 0, d/dx (e^x - 1) = e^x = y + 1.
    internal static readonly OpDef EluDef = MathOps.FloatUnary<EluOp<float>, EluOp<double>>(EluName,
        c => [Where(c.X() > 0.0, c.Grad, c.Grad * (c.Y + 1.0))], new(Elu, (y, g) => Where(y > 0.0, g, g * (y + 1.0)))).WithOnnx(OnnxMap.Same("Elu"));

    internal const string SeluName = "Selu";
    // For x <= 0, d/dx scale*alpha*(e^x - 1) = scale*alpha*e^x = y + scale*alpha.
    internal static readonly OpDef SeluDef = MathOps.FloatUnary<SeluOp<float>, SeluOp<double>>(SeluName,
        c => [Where(c.X() > 0.0, c.Grad * SeluOp<double>.Scale, c.Grad * (c.Y + SeluOp<double>.Scale * SeluOp<double>.Alpha))]).WithOnnx(OnnxMap.Same("Selu"));

    internal const string SoftplusName = "Softplus";
    internal static readonly OpDef SoftplusDef = MathOps.FloatUnary<SoftplusOp<float>, SoftplusOp<double>>(SoftplusName,
        c => [c.Grad * Sigmoid(c.X())]).WithOnnx(OnnxMap.Same("Softplus"));

    internal const string LeakyReluName = "LeakyRelu";
    internal static readonly OpDef LeakyReluDef = new(LeakyReluName,
        (x, _) => MathOps.UnaryInfer(LeakyReluName, x[0], floatOnly: true),
        (x, a) => [x[0].DType == DType.Float32
            ? MathOps.Map<float, LeakyReluOp<float>>(x[0], new((float)a.Double("alpha")))
            : MathOps.Map<double, LeakyReluOp<double>>(x[0], new(a.Double("alpha")))])
    {
        Gradient = c => [Where(c.X() > 0.0, c.Grad, c.Grad * c.Attrs.Double("alpha"))],
        Lanes = new(1, static (in LaneArgs<float> a, Span<float> d) => new LeakyReluOp<float>((float)a.Attr).Apply(a.A, d),
                       static (in LaneArgs<double> a, Span<double> d) => new LeakyReluOp<double>(a.Attr).Apply(a.A, d)) { Attr = "alpha" },
        Onnx = e => e.Add("LeakyRelu", [e.Input(0)], [e.Output(0)], ("alpha", e.Node.Attrs.Double("alpha"))),
    };

    internal const string GeluName = "Gelu";
    internal static readonly OpDef GeluDef = new(GeluName,
        (x, _) => MathOps.UnaryInfer(GeluName, x[0], floatOnly: true),
        (x, a) => [x[0].DType == DType.Float32
            ? MathOps.Map<float, GeluOp<float>>(x[0], new(a.Bool("approximate")))
            : MathOps.Map<double, GeluOp<double>>(x[0], new(a.Bool("approximate")))])
    {
        Gradient = c => [c.Grad * (c.Attrs.Bool("approximate") ? GeluTanhSlope(c.X()) : GeluErfSlope(c.X()))],
        Lanes = new(1, static (in LaneArgs<float> a, Span<float> d) => new GeluOp<float>(a.Attr != 0).Apply(a.A, d),
                       static (in LaneArgs<double> a, Span<double> d) => new GeluOp<double>(a.Attr != 0).Apply(a.A, d)) { Attr = "approximate", AttrIsBool = true },
        Onnx = e => OnnxGelu(e),
    };

    /// <summary>d/dx x Phi(x) = Phi(x) + x phi(x), with Phi(x) = (1 + erf(x/sqrt 2))/2 and phi the normal density.</summary>
    private static Tensor GeluErfSlope(Tensor x)
    {
        var cdf = (Erf(x * GeluOp<double>.InvSqrt2) + 1.0) * 0.5;
        var pdf = Exp(Square(x) * -0.5) * 0.3989422804014327; // 1/sqrt(2 pi)
        return cdf + x * pdf;
    }

    /// <summary>d/dx of x/2 (1 + tanh u), u = c (x + k x^3): (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 k x^2).</summary>
    private static Tensor GeluTanhSlope(Tensor x)
    {
        var x2 = Square(x);
        var t = Tanh((x + x * x2 * GeluOp<double>.Cubic) * GeluOp<double>.SqrtTwoOverPi);
        var du = (x2 * (3 * GeluOp<double>.Cubic) + 1.0) * GeluOp<double>.SqrtTwoOverPi;
        return (t + 1.0) * 0.5 + x * 0.5 * (1.0 - Square(t)) * du;
    }

    /// <summary>Gelu as ONNX nodes: 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation.</summary>
    private static void OnnxGelu(IOnnxEmitter e)
    {
        var x = e.Input(0);
        var dt = e.Node.Inputs[0].DType;
        string inner;
        if (e.Node.Attrs.Bool("approximate"))
        {
            var x3 = e.Temp("x3");
            e.Add("Mul", [x, x], [x3 + "_sq"]);
            e.Add("Mul", [x3 + "_sq", x], [x3]);
            var poly = OnnxMap.WithScalar(e, "Mul", x3, 0.044715, dt);
            var sum = e.Temp("sum");
            e.Add("Add", [x, poly], [sum]);
            var t = e.Temp("tanh");
            e.Add("Tanh", [OnnxMap.WithScalar(e, "Mul", sum, Math.Sqrt(2 / Math.PI), dt)], [t]);
            inner = t;
        }
        else
        {
            var erf = e.Temp("erf");
            e.Add("Erf", [OnnxMap.WithScalar(e, "Mul", x, 1 / Math.Sqrt(2), dt)], [erf]);
            inner = erf;
        }
        var onePlus = OnnxMap.WithScalar(e, "Add", inner, 1, dt);
        var half = OnnxMap.WithScalar(e, "Mul", x, 0.5, dt);
        e.Add("Mul", [half, onePlus], [e.Output(0)]);
    }
}
