using Eager.Kernels.Elementwise;
using static Eager.Ops;
using static Eager.MathOps;

namespace Eager;

/// <summary>Element-wise unary math: abs, sign, exp, log, roots, trigonometry, rounding, erf.</summary>
public static partial class Ops
{
    /// <summary>|x| element-wise. Any numeric dtype; integer MinValue wraps as in TensorFlow.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Abs(Tensor x) => Dispatcher.Apply1(AbsDef, Attrs.Empty, x);

    /// <summary>-1, 0 or +1 by the sign of each element (NaN stays NaN). Gradient: zeros.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Sign(Tensor x) => Dispatcher.Apply1(SignDef, Attrs.Empty, x);

    /// <summary>x * x element-wise. Any numeric dtype.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Square(Tensor x) => Dispatcher.Apply1(SquareDef, Attrs.Empty, x);

    /// <summary>e^x element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Exp(Tensor x) => Dispatcher.Apply1(ExpDef, Attrs.Empty, x);

    /// <summary>Natural logarithm element-wise (-inf at 0, NaN below).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Log(Tensor x) => Dispatcher.Apply1(LogDef, Attrs.Empty, x);

    /// <summary>log(1 + x) element-wise, accurate for tiny x.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Log1p(Tensor x) => Dispatcher.Apply1(Log1pDef, Attrs.Empty, x);

    /// <summary>Square root element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Sqrt(Tensor x) => Dispatcher.Apply1(SqrtDef, Attrs.Empty, x);

    /// <summary>1 / sqrt(x) element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Rsqrt(Tensor x) => Dispatcher.Apply1(RsqrtDef, Attrs.Empty, x);

    /// <summary>Sine element-wise (radians).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Sin(Tensor x) => Dispatcher.Apply1(SinDef, Attrs.Empty, x);

    /// <summary>Cosine element-wise (radians).</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Cos(Tensor x) => Dispatcher.Apply1(CosDef, Attrs.Empty, x);

    /// <summary>The error function erf(x) element-wise.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Erf(Tensor x) => Dispatcher.Apply1(ErfDef, Attrs.Empty, x);

    /// <summary>Largest integer not above x, element-wise. No gradient.</summary>
    /// <exception cref="ArgumentException">x is not float32 or float64.</exception>
    public static Tensor Floor(Tensor x) => Dispatcher.Apply1(FloorDef, Attrs.Empty, x);

    /// <summary>Nearest integer element-wise, halves to even (0.5 -> 0, 1.5 -> 2, -2.5 -> -2) as TensorFlow.
    /// Integer tensors are returned unchanged (copied). No gradient.</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public static Tensor Round(Tensor x) => Dispatcher.Apply1(RoundDef, Attrs.Empty, x);
}

internal static partial class MathOps
{
    /// <summary>Validates a unary op's input: float32/float64 only, or any numeric dtype.</summary>
    internal static TensorSpec[] UnaryInfer(string op, Tensor x, bool floatOnly)
    {
        if (floatOnly && !x.DType.IsFloating)
            throw new ArgumentException($"{op}: expects a float32 or float64 tensor, got {x.DType.Name()}{x.Shape}. Cast it first, e.g. Ops.Cast(x, DType.Float32).");
        if (x.DType == DType.Bool)
            throw new ArgumentException($"{op}: bool tensor {x.Shape} has no arithmetic; cast it first with Ops.Cast.");
        return [TensorSpec.Of(x)];
    }

    /// <summary>Runs a unary kernel over x (any layout) into a new contiguous tensor of x's dtype.</summary>
    internal static Tensor Map<T, TOp>(Tensor x, TOp op) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        var r = Tensor.Empty(x.Shape, x.DType);
        Unary.Apply(Broadcasting.Arr<T>(x), x.Offset, x.Shape.Span, x.Strides, r.Span<T>(), op);
        x.KeepAlive();
        return r;
    }

    private static Tensor MapFloat<TF, TD>(Tensor x)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double> => x.DType switch
    {
        DType.Float32 => Map<float, TF>(x, default),
        DType.Float64 => Map<double, TD>(x, default),
        _ => throw new ArgumentException($"Unary kernel: unsupported dtype {x.DType.Name()}."),
    };

    private static Tensor MapNumeric<TF, TD, TI, TL>(Tensor x)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double>
        where TI : struct, IUnaryOp<int> where TL : struct, IUnaryOp<long> => x.DType switch
    {
        DType.Int32 => Map<int, TI>(x, default),
        DType.Int64 => Map<long, TL>(x, default),
        _ => MapFloat<TF, TD>(x),
    };

    /// <summary>Defines a float-only unary op from its float32 and float64 operators.</summary>
    internal static OpDef FloatUnary<TF, TD>(string name, GradientFn? gradient, Epilogue? epilogue = null)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double>
        => new(name, (x, _) => UnaryInfer(name, x[0], floatOnly: true), (x, _) => [MapFloat<TF, TD>(x[0])]) { Gradient = gradient, Lanes = UnaryLanes<TF, TD>(epilogue) };

    /// <summary>What makes an activation a fused contraction's epilogue: the function users pass to layers and its
    /// gradient written from its output alone.</summary>
    internal sealed record Epilogue(Func<Tensor, Tensor> Function, Func<Tensor, Tensor, Tensor> Gradient);

    private static LaneDef UnaryLanes<TF, TD>(Epilogue? epilogue)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double>
    {
        var lanes = LaneDef.Unary<TF, TD>();
        return epilogue is null ? lanes : new(1, lanes.Float32, lanes.Float64) { Function = epilogue.Function, EpilogueGradient = epilogue.Gradient };
    }

    /// <summary>Defines a unary op that also accepts int32 and int64.</summary>
    internal static OpDef NumericUnary<TF, TD, TI, TL>(string name, GradientFn? gradient, Epilogue? epilogue = null)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double>
        where TI : struct, IUnaryOp<int> where TL : struct, IUnaryOp<long>
        => new(name, (x, _) => UnaryInfer(name, x[0], floatOnly: false), (x, _) => [MapNumeric<TF, TD, TI, TL>(x[0])]) { Gradient = gradient, Lanes = UnaryLanes<TF, TD>(epilogue) };

    internal const string AbsName = "Abs";
    internal static readonly OpDef AbsDef = NumericUnary<AbsOp<float>, AbsOp<double>, AbsOp<int>, AbsOp<long>>(AbsName,
        c => [c.Grad * Sign(c.X())]).WithOnnx(OnnxMap.Same("Abs"));

    internal const string SignName = "Sign";
    // TensorFlow's Sign gradient is zeros (not None), so chains through Sign stay connected.
    internal static readonly OpDef SignDef = NumericUnary<SignOp<float>, SignOp<double>, SignOp<int>, SignOp<long>>(SignName,
        c => [ZerosLike(c.X())]).WithOnnx(OnnxMap.Same("Sign"));

    internal const string SquareName = "Square";
    internal static readonly OpDef SquareDef = NumericUnary<SquareOp<float>, SquareOp<double>, SquareOp<int>, SquareOp<long>>(SquareName,
        c => [c.Grad * (c.X() * 2.0)]).WithOnnx(e => e.Add("Mul", [e.Input(0), e.Input(0)], [e.Output(0)]));

    internal const string ExpName = "Exp";
    internal static readonly OpDef ExpDef = FloatUnary<ExpOp<float>, ExpOp<double>>(ExpName,
        c => [c.Grad * c.Y]).WithOnnx(OnnxMap.Same("Exp"));

    internal const string LogName = "Log";
    internal static readonly OpDef LogDef = FloatUnary<LogOp<float>, LogOp<double>>(LogName,
        c => [c.Grad / c.X()]).WithOnnx(OnnxMap.Same("Log"));

    internal const string Log1pName = "Log1p";
    internal static readonly OpDef Log1pDef = FloatUnary<Log1pOp<float>, Log1pOp<double>>(Log1pName,
        c => [c.Grad / (c.X() + 1.0)]).WithOnnx(e => { var t = e.Temp("plus1"); e.Add("Add", [e.Input(0), OnnxMap.Scalar(e, "one", 1, e.Node.Inputs[0].DType)], [t]); e.Add("Log", [t], [e.Output(0)]); });

    internal const string SqrtName = "Sqrt";
    internal static readonly OpDef SqrtDef = FloatUnary<SqrtOp<float>, SqrtOp<double>>(SqrtName,
        c => [c.Grad / (c.Y * 2.0)]).WithOnnx(OnnxMap.Same("Sqrt"));

    internal const string RsqrtName = "Rsqrt";
    internal static readonly OpDef RsqrtDef = FloatUnary<RsqrtOp<float>, RsqrtOp<double>>(RsqrtName,
        c => [c.Grad * (c.Y * c.Y * c.Y) * -0.5]).WithOnnx(e => { var t = e.Temp("sqrt"); e.Add("Sqrt", [e.Input(0)], [t]); e.Add("Reciprocal", [t], [e.Output(0)]); });

    internal const string SinName = "Sin";
    internal static readonly OpDef SinDef = FloatUnary<SinOp<float>, SinOp<double>>(SinName,
        c => [c.Grad * Cos(c.X())]).WithOnnx(OnnxMap.Same("Sin"));

    internal const string CosName = "Cos";
    internal static readonly OpDef CosDef = FloatUnary<CosOp<float>, CosOp<double>>(CosName,
        c => [-(c.Grad * Sin(c.X()))]).WithOnnx(OnnxMap.Same("Cos"));

    internal const string ErfName = "Erf";
    // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2).
    internal static readonly OpDef ErfDef = FloatUnary<ErfOp<float>, ErfOp<double>>(ErfName,
        c => [c.Grad * Exp(-Square(c.X())) * 1.1283791670955126]).WithOnnx(OnnxMap.Same("Erf"));

    internal const string FloorName = "Floor";
    // Floor and Round are piecewise constant; like TensorFlow they have no gradient (None).
    internal static readonly OpDef FloorDef = FloatUnary<FloorOp<float>, FloorOp<double>>(FloorName, null).WithOnnx(OnnxMap.Same("Floor"));

    internal const string RoundName = "Round";
    internal static readonly OpDef RoundDef = NumericUnary<RoundOp<float>, RoundOp<double>, CopyOp<int>, CopyOp<long>>(RoundName, null).WithOnnx(OnnxMap.Same("Round"));
}
