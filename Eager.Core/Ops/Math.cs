using System.Numerics.Tensors;
using Eager.Kernels.Elementwise;
using static Eager.Ops;
using static Eager.MathOps;

namespace Eager;

/// <summary>Element-wise arithmetic with NumPy broadcasting.</summary>
public static partial class Ops
{
    /// <summary>a + b with broadcasting; same dtype required.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Dispatcher.Apply1(AddDef, Attrs.Empty, a, b);

    /// <summary>a - b with broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Dispatcher.Apply1(SubtractDef, Attrs.Empty, a, b);

    /// <summary>a * b with broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Dispatcher.Apply1(MultiplyDef, Attrs.Empty, a, b);

    /// <summary>a / b with broadcasting (integer division truncates).</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Dispatcher.Apply1(DivideDef, Attrs.Empty, a, b);

    /// <summary>-x.</summary>
    public static Tensor Negate(Tensor x) => Dispatcher.Apply1(NegateDef, Attrs.Empty, x);

    /// <summary>Zeros with x's shape and dtype (x's runtime shape in a graph).</summary>
    public static Tensor ZerosLike(Tensor x) => Dispatcher.Apply1(ZerosLikeDef, Attrs.Empty, x);

    /// <summary>Ones with x's shape and dtype.</summary>
    public static Tensor OnesLike(Tensor x) => Dispatcher.Apply1(OnesLikeDef, Attrs.Empty, x);

    /// <summary>a^b element-wise with broadcasting. Integer tensors need non-negative exponents (TensorFlow's rule).
    /// The gradient for b uses log(a), taken as 0 where a &lt;= 0.</summary>
    /// <exception cref="ArgumentException">dtypes differ, bool inputs, shapes that do not broadcast, or a negative integer exponent.</exception>
    public static Tensor Pow(Tensor a, Tensor b) => Dispatcher.Apply1(PowDef, Attrs.Empty, a, b);

    /// <summary>a^exponent with the exponent converted to a's dtype.</summary>
    public static Tensor Pow(Tensor a, double exponent) => Pow(a, ScalarLike(a, exponent));

    /// <summary>Element-wise max(a, b) with broadcasting (NaN if either is NaN). Ties send the gradient to a.</summary>
    /// <exception cref="ArgumentException">dtypes differ, bool inputs, or shapes that do not broadcast.</exception>
    public static Tensor Maximum(Tensor a, Tensor b) => Dispatcher.Apply1(MaximumDef, Attrs.Empty, a, b);

    /// <summary>Element-wise min(a, b) with broadcasting (NaN if either is NaN). Ties send the gradient to a.</summary>
    /// <exception cref="ArgumentException">dtypes differ, bool inputs, or shapes that do not broadcast.</exception>
    public static Tensor Minimum(Tensor a, Tensor b) => Dispatcher.Apply1(MinimumDef, Attrs.Empty, a, b);

    /// <summary>(a - b)^2 element-wise with broadcasting.</summary>
    /// <exception cref="ArgumentException">dtypes differ, bool inputs, or shapes that do not broadcast.</exception>
    public static Tensor SquaredDifference(Tensor a, Tensor b) => Dispatcher.Apply1(SquaredDifferenceDef, Attrs.Empty, a, b);

    /// <summary>min(max(x, min), max) element-wise; the bounds broadcast to x's shape (scalars, or per-channel rows).
    /// The result has x's shape. Gradient: to x inside the bounds, to a bound where it clipped.</summary>
    /// <exception cref="ArgumentException">dtypes differ, bool inputs, or bounds that would enlarge x's shape.</exception>
    public static Tensor ClipByValue(Tensor x, Tensor min, Tensor max) => Dispatcher.Apply1(ClipByValueDef, Attrs.Empty, x, min, max);

    /// <summary>Clips x to [min, max] with scalar bounds converted to x's dtype.</summary>
    public static Tensor ClipByValue(Tensor x, double min, double max) => ClipByValue(x, ScalarLike(x, min), ScalarLike(x, max));

    /// <summary>Same as <see cref="ClipByValue(Tensor, Tensor, Tensor)"/>.</summary>
    public static Tensor Clip(Tensor x, Tensor min, Tensor max) => ClipByValue(x, min, max);

    /// <summary>Same as <see cref="ClipByValue(Tensor, double, double)"/>.</summary>
    public static Tensor Clip(Tensor x, double min, double max) => ClipByValue(x, min, max);
}

internal static partial class MathOps
{
    private static TensorSpec[] BinaryInfer(string op, Tensor[] x)
    {
        Broadcasting.SameDType(op, x[0], x[1]);
        if (x[0].DType == DType.Bool) throw new ArgumentException($"{op}: bool tensors have no arithmetic; got {x[0].Shape} and {x[1].Shape} of dtype bool. Use Ops.Cast.");
        return [new TensorSpec(Broadcasting.Shape(op, x[0].Shape, x[1].Shape), x[0].DType)];
    }

    internal const string AddName = "Add";
    internal static readonly OpDef AddDef = new(AddName,
        (x, _) => BinaryInfer(AddName, x),
        (x, _) => [Broadcasting.Run<AddOp<float>, AddOp<double>, AddOp<int>, AddOp<long>>(x[0], x[1], Broadcasting.Shape(AddName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [c.Needs(0) ? Broadcasting.UnBroadcast(c.Grad, c.X(0)) : null, c.Needs(1) ? Broadcasting.UnBroadcast(c.Grad, c.X(1)) : null],
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Add, TensorPrimitives.Add, TensorPrimitives.Add, TensorPrimitives.Add, commutative: true),
        Rewrites =
        [
            s => RewriteSite.IsFilled(s.X(1), 0) && s.SameSpec(s.X(0)) ? Rewrite.To("x + 0 -> x", s.X(0)) : null,
            s => RewriteSite.IsFilled(s.X(0), 0) && s.SameSpec(s.X(1)) ? Rewrite.To("0 + x -> x", s.X(1)) : null,
            s => RewriteSite.Producer(s.X(1), NegateDef!) is { } ny ? Rewrite.ToOp("x + (-y) -> x - y", SubtractDef!, Attrs.Empty, s.X(0), ny.Inputs[0]) : null,
            s => RewriteSite.Producer(s.X(0), NegateDef!) is { } nx ? Rewrite.ToOp("(-x) + y -> y - x", SubtractDef!, Attrs.Empty, s.X(1), nx.Inputs[0]) : null,
            LinalgOps.SumOfProductsRewrite,
        ],
        Onnx = OnnxMap.Same("Add"),
    };

    internal const string SubtractName = "Subtract";
    internal static readonly OpDef SubtractDef = new(SubtractName,
        (x, _) => BinaryInfer(SubtractName, x),
        (x, _) => [Broadcasting.Run<SubtractOp<float>, SubtractOp<double>, SubtractOp<int>, SubtractOp<long>>(x[0], x[1], Broadcasting.Shape(SubtractName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [c.Needs(0) ? Broadcasting.UnBroadcast(c.Grad, c.X(0)) : null, c.Needs(1) ? Broadcasting.UnBroadcast(Negate(c.Grad), c.X(1)) : null],
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Subtract, TensorPrimitives.Subtract, TensorPrimitives.Subtract, TensorPrimitives.Subtract, commutative: false),
        Rewrites =
        [
            s => RewriteSite.IsFilled(s.X(1), 0) && s.SameSpec(s.X(0)) ? Rewrite.To("x - 0 -> x", s.X(0)) : null,
            s => RewriteSite.Producer(s.X(1), NegateDef!) is { } ny ? Rewrite.ToOp("x - (-y) -> x + y", AddDef, Attrs.Empty, s.X(0), ny.Inputs[0]) : null,
        ],
        Onnx = OnnxMap.Same("Sub"),
    };

    internal const string MultiplyName = "Multiply";
    internal static readonly OpDef MultiplyDef = new(MultiplyName,
        (x, _) => BinaryInfer(MultiplyName, x),
        (x, _) => [Broadcasting.Run<MultiplyOp<float>, MultiplyOp<double>, MultiplyOp<int>, MultiplyOp<long>>(x[0], x[1], Broadcasting.Shape(MultiplyName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [c.Needs(0) ? Broadcasting.UnBroadcast(Multiply(c.Grad, c.X(1)), c.X(0)) : null, c.Needs(1) ? Broadcasting.UnBroadcast(Multiply(c.Grad, c.X(0)), c.X(1)) : null],
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Multiply, TensorPrimitives.Multiply, TensorPrimitives.Multiply, TensorPrimitives.Multiply, commutative: true),
        Rewrites =
        [
            s => RewriteSite.IsFilled(s.X(1), 1) && s.SameSpec(s.X(0)) ? Rewrite.To("x * 1 -> x", s.X(0)) : null,
            s => RewriteSite.IsFilled(s.X(0), 1) && s.SameSpec(s.X(1)) ? Rewrite.To("1 * x -> x", s.X(1)) : null,
            s => RewriteSite.ScalarConstant(s.X(1)) is { } c2 && RewriteSite.Producer(s.X(0), MultiplyDef!) is { } m
                 && RewriteSite.ScalarConstant(m.Inputs[1]) is { } c1 && s.SameSpec(m.Inputs[0])
                ? Rewrite.ToOp("(x * c1) * c2 -> x * (c1 * c2)", MultiplyDef!, Attrs.Empty, m.Inputs[0], s.Constant(Tensor.Scalar(c1 * c2, s.Output.DType)))
                : null,
        ],
        Onnx = OnnxMap.Same("Mul"),
    };

    internal const string DivideName = "Divide";
    internal static readonly OpDef DivideDef = new(DivideName,
        (x, _) => BinaryInfer(DivideName, x),
        (x, _) => [Broadcasting.Run<DivideOp<float>, DivideOp<double>, DivideOp<int>, DivideOp<long>>(x[0], x[1], Broadcasting.Shape(DivideName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c =>
        [
            c.Needs(0) ? Broadcasting.UnBroadcast(Divide(c.Grad, c.X(1)), c.X(0)) : null,
            c.Needs(1) ? Broadcasting.UnBroadcast(Negate(Multiply(c.Grad, Divide(c.Y, c.X(1)))), c.X(1)) : null,
        ],
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Divide, TensorPrimitives.Divide, TensorPrimitives.Divide, TensorPrimitives.Divide, commutative: false),
        Rewrites =
        [
            s => RewriteSite.IsFilled(s.X(1), 1) && s.SameSpec(s.X(0)) ? Rewrite.To("x / 1 -> x", s.X(0)) : null,
            s => s.Output.DType.IsFloating && ReciprocalConstant(s, s.X(1)) is { } r ? Rewrite.ToOp("x / c -> x * (1 / c)", MultiplyDef, Attrs.Empty, s.X(0), r) : null,
        ],
        Onnx = OnnxMap.Same("Div"),
    };

    internal const string NegateName = "Negate";
    internal static readonly OpDef NegateDef = new(NegateName,
        (x, _) =>
        {
            if (x[0].DType == DType.Bool) throw new ArgumentException($"Negate: bool tensor {x[0].Shape} cannot be negated; use LogicalNot.");
            return [TensorSpec.Of(x[0])];
        },
        (x, _) => [Broadcasting.Run<SubtractOp<float>, SubtractOp<double>, SubtractOp<int>, SubtractOp<long>>(Tensor.Zeros(Shape.Scalar, x[0].DType), x[0], x[0].Shape)])
    {
        Gradient = c => [Negate(c.Grad)],
        // 0 - x, as the kernel (so -0 stays +0 there too).
        Lanes = new(1, static (in LaneArgs<float> a, Span<float> d) => TensorPrimitives.Subtract(0f, a.A, d),
                       static (in LaneArgs<double> a, Span<double> d) => TensorPrimitives.Subtract(0.0, a.A, d)),
        Rewrites = [s => RewriteSite.Producer(s.X(0), NegateDef!) is { } inner ? Rewrite.To("-(-x) -> x", inner.Inputs[0]) : null],
        Onnx = OnnxMap.Same("Neg"),
    };

    internal const string ZerosLikeName = "ZerosLike";
    internal static readonly OpDef ZerosLikeDef = new(ZerosLikeName,
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [Tensor.Zeros(x[0].Shape, x[0].DType)])
    {
        Lanes = LaneDef.Fill(0),
        Onnx = e => { var s = e.Temp("shape"); e.Add("Shape", [e.Input(0)], [s]); e.Add("ConstantOfShape", [s], [e.Output(0)], ("value", Tensor.Zeros(new Shape(1), e.Node.Outputs[0].DType))); },
    };

    internal const string OnesLikeName = "OnesLike";
    internal static readonly OpDef OnesLikeDef = new(OnesLikeName,
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [Tensor.Ones(x[0].Shape, x[0].DType)])
    {
        Lanes = LaneDef.Fill(1),
        Onnx = e => { var s = e.Temp("shape"); e.Add("Shape", [e.Input(0)], [s]); e.Add("ConstantOfShape", [s], [e.Output(0)], ("value", Tensor.Ones(new Shape(1), e.Node.Outputs[0].DType))); },
    };

    internal const string PowName = "Pow";
    internal static readonly OpDef PowDef = new(PowName,
        (x, _) => BinaryInfer(PowName, x),
        (x, _) =>
        {
            if (x[1].DType.IsInteger && x[1].ToDoubleArray().Any(v => v < 0))
                throw new ArgumentException($"Pow: integers to negative integer powers are not allowed (exponent {x[1].DType.Name()}{x[1].Shape} has a negative element). Cast to float first.");
            var shape = Broadcasting.Shape(PowName, x[0].Shape, x[1].Shape);
            if (x[0].DType == DType.Float32 && x[1].Shape.Size == 1 && shape.Size == x[0].Shape.Size && x[1].Item<float>() is var e && IntegerPower.Handles(e))
            {
                // x^2, x^3, 1/x... as in GELU, norms and their gradients: the same float32 results, without Math.Pow per element.
                var src = x[0].Contiguous();
                var result = Tensor.Empty(shape, DType.Float32);
                IntegerPower.Apply(src.Span<float>(), (int)e, result.Span<float>());
                src.KeepAlive();
                return [result];
            }
            return [Broadcasting.Run<PowOp<float>, PowOp<double>, PowOp<int>, PowOp<long>>(x[0], x[1], shape)];
        })
    {
        Gradient = c =>
        {
            var (x, y, g) = (c.X(0), c.X(1), c.Grad);
            // As TensorFlow: log(x) is taken as 0 where x <= 0, where no real-valued gradient for y exists.
            var positive = x > 0.0;
            var logX = Where(positive, Log(Where(positive, x, OnesLike(x))), ZerosLike(x));
            return [Broadcasting.UnBroadcast(g * y * Pow(x, y - 1.0), x), Broadcasting.UnBroadcast(g * c.Y * logX, y)];
        },
        // Multiplications instead of Math.Pow, and element-wise ops the fusion pass can join to a chain.
        Rewrites =
        [
            s => RewriteSite.ScalarConstant(s.X(1)) is { } e && s.SameSpec(s.X(0)) ? e switch
            {
                1 => Rewrite.To("x ^ 1 -> x", s.X(0)),
                2 => Rewrite.ToOp("x ^ 2 -> square(x)", SquareDef!, Attrs.Empty, s.X(0)),
                3 => Rewrite.ToOp("x ^ 3 -> square(x) * x", MultiplyDef, Attrs.Empty, s.Emit(SquareDef!, Attrs.Empty, s.X(0)), s.X(0)),
                _ => null,
            } : null,
        ],
        Onnx = OnnxMap.Same("Pow"),
    };

    internal const string MaximumName = "Maximum";
    internal static readonly OpDef MaximumDef = new(MaximumName,
        (x, _) => BinaryInfer(MaximumName, x),
        (x, _) => [Broadcasting.Run<MaximumOp<float>, MaximumOp<double>, MaximumOp<int>, MaximumOp<long>>(x[0], x[1], Broadcasting.Shape(MaximumName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c => SelectedGradient(c, GreaterEqual(c.X(0), c.X(1))),
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Max, TensorPrimitives.Max, TensorPrimitives.Max, TensorPrimitives.Max, commutative: true),
        Onnx = OnnxMap.Same("Max"),
    };

    internal const string MinimumName = "Minimum";
    internal static readonly OpDef MinimumDef = new(MinimumName,
        (x, _) => BinaryInfer(MinimumName, x),
        (x, _) => [Broadcasting.Run<MinimumOp<float>, MinimumOp<double>, MinimumOp<int>, MinimumOp<long>>(x[0], x[1], Broadcasting.Shape(MinimumName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c => SelectedGradient(c, LessEqual(c.X(0), c.X(1))),
        Lanes = LaneDef.Arithmetic(TensorPrimitives.Min, TensorPrimitives.Min, TensorPrimitives.Min, TensorPrimitives.Min, commutative: true),
        Onnx = OnnxMap.Same("Min"),
    };

    /// <summary>A constant 1 / c for a floating-point constant c with finite non-zero elements (else null).</summary>
    private static Tensor? ReciprocalConstant(RewriteSite site, Tensor t)
    {
        if (t.Node?.Op != StateOps.ConstDef || !t.DType.IsFloating) return null;
        var v = t.Node.Attrs.Get<Tensor>("value");
        if (v.Shape.Size > 1 << 16) return null;
        var values = v.ToDoubleArray();
        foreach (var d in values) if (d == 0 || !double.IsFinite(d) || !double.IsFinite(1 / d)) return null;
        var value = v.DType == DType.Float64
            ? Tensor.From(values.Select(d => 1 / d).ToArray(), v.Shape)
            : Tensor.From(values.Select(d => 1 / (float)d).ToArray(), v.Shape);
        return site.Constant(value);
    }

    /// <summary>Routes the gradient to input 0 where <paramref name="firstChosen"/> holds and to input 1 elsewhere
    /// (ties go to the first input, as TensorFlow's Maximum/Minimum gradients).</summary>
    private static Tensor?[] SelectedGradient(GradContext c, Tensor firstChosen)
    {
        var zeros = ZerosLike(c.Grad);
        return [Broadcasting.UnBroadcast(Where(firstChosen, c.Grad, zeros), c.X(0)), Broadcasting.UnBroadcast(Where(firstChosen, zeros, c.Grad), c.X(1))];
    }

    internal const string SquaredDifferenceName = "SquaredDifference";
    internal static readonly OpDef SquaredDifferenceDef = new(SquaredDifferenceName,
        (x, _) => BinaryInfer(SquaredDifferenceName, x),
        (x, _) => [Broadcasting.Run<SquaredDifferenceOp<float>, SquaredDifferenceOp<double>, SquaredDifferenceOp<int>, SquaredDifferenceOp<long>>(x[0], x[1], Broadcasting.Shape(SquaredDifferenceName, x[0].Shape, x[1].Shape))])
    {
        Gradient = c =>
        {
            var d = c.Grad * (c.X(0) - c.X(1)) * 2.0;
            return [Broadcasting.UnBroadcast(d, c.X(0)), Broadcasting.UnBroadcast(-d, c.X(1))];
        },
        Lanes = LaneDef.Binary<SquaredDifferenceOp<float>, SquaredDifferenceOp<double>>(),
        Onnx = e => { var d = e.Temp("diff"); e.Add("Sub", [e.Input(0), e.Input(1)], [d]); e.Add("Mul", [d, d], [e.Output(0)]); },
    };

    internal const string ClipByValueName = "ClipByValue";
    internal static readonly OpDef ClipByValueDef = new(ClipByValueName,
        (x, _) =>
        {
            BinaryInfer(ClipByValueName, [x[0], x[1]]);
            BinaryInfer(ClipByValueName, [x[0], x[2]]);
            var s = Broadcasting.Shape(ClipByValueName, Broadcasting.Shape(ClipByValueName, x[0].Shape, x[1].Shape), x[2].Shape);
            if (!s.IsCompatibleWith(x[0].Shape))
                throw new ArgumentException($"ClipByValue: the bounds {x[1].Shape} and {x[2].Shape} would broadcast x {x[0].Shape} to {s}; bounds must broadcast to x's shape.");
            return [TensorSpec.Of(x[0])];
        },
        (x, _) =>
        {
            var low = Broadcasting.Run<MaximumOp<float>, MaximumOp<double>, MaximumOp<int>, MaximumOp<long>>(x[0], x[1], x[0].Shape);
            return [Broadcasting.Run<MinimumOp<float>, MinimumOp<double>, MinimumOp<int>, MinimumOp<long>>(low, x[2], x[0].Shape)];
        })
    {
        Lanes = new(3, static (in LaneArgs<float> a, Span<float> d) => LaneLoops.Clip(a.A, a.B, a.C, d),
                       static (in LaneArgs<double> a, Span<double> d) => LaneLoops.Clip(a.A, a.B, a.C, d)),
        Gradient = c =>
        {
            var (x, g) = (c.X(0), c.Grad);
            var zeros = ZerosLike(g);
            var below = Less(x, c.X(1));
            var above = Greater(x, c.X(2));
            return
            [
                Where(LogicalOr(below, above), zeros, g),
                Broadcasting.UnBroadcast(Where(below, g, zeros), c.X(1)),
                Broadcasting.UnBroadcast(Where(above, g, zeros), c.X(2)),
            ];
        },
        Onnx = e => { var t = e.Temp("max"); e.Add("Max", [e.Input(0), e.Input(1)], [t]); e.Add("Min", [t, e.Input(2)], [e.Output(0)]); },
    };

    /// <summary>A scalar of x's dtype (a C# number used as an operand takes the tensor's dtype).</summary>
    internal static Tensor ScalarLike(Tensor x, double value) => Tensor.Constant(value, x.DType);
}
