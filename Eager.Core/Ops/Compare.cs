using System.Numerics.Tensors;
using System.Numerics;
using Eager.Kernels.Elementwise;
using static Eager.Ops;
using static Eager.CompareOps;

namespace Eager;

/// <summary>Comparisons and logic (bool results, no gradient), Where, and Cast.</summary>
public static partial class Ops
{
    /// <summary>a == b element-wise with broadcasting, as a bool tensor (NaN equals nothing). Any dtype, same for both.</summary>
    /// <exception cref="ArgumentException">dtypes differ, or shapes do not broadcast.</exception>
    public static Tensor Equal(Tensor a, Tensor b) => Dispatcher.Apply1(EqualDef, Attrs.Empty, a, b);

    /// <summary>a != b element-wise with broadcasting, as a bool tensor.</summary>
    /// <exception cref="ArgumentException">dtypes differ, or shapes do not broadcast.</exception>
    public static Tensor NotEqual(Tensor a, Tensor b) => Dispatcher.Apply1(NotEqualDef, Attrs.Empty, a, b);

    /// <summary>a &lt; b element-wise with broadcasting, as a bool tensor.</summary>
    /// <exception cref="ArgumentException">dtypes differ or are bool, or shapes do not broadcast.</exception>
    public static Tensor Less(Tensor a, Tensor b) => Dispatcher.Apply1(LessDef, Attrs.Empty, a, b);

    /// <summary>a &lt;= b element-wise with broadcasting, as a bool tensor.</summary>
    /// <exception cref="ArgumentException">dtypes differ or are bool, or shapes do not broadcast.</exception>
    public static Tensor LessEqual(Tensor a, Tensor b) => Dispatcher.Apply1(LessEqualDef, Attrs.Empty, a, b);

    /// <summary>a &gt; b element-wise with broadcasting, as a bool tensor.</summary>
    /// <exception cref="ArgumentException">dtypes differ or are bool, or shapes do not broadcast.</exception>
    public static Tensor Greater(Tensor a, Tensor b) => Dispatcher.Apply1(GreaterDef, Attrs.Empty, a, b);

    /// <summary>a &gt;= b element-wise with broadcasting, as a bool tensor.</summary>
    /// <exception cref="ArgumentException">dtypes differ or are bool, or shapes do not broadcast.</exception>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Dispatcher.Apply1(GreaterEqualDef, Attrs.Empty, a, b);

    /// <summary>a AND b on bool tensors, with broadcasting.</summary>
    /// <exception cref="ArgumentException">an input is not bool, or shapes do not broadcast.</exception>
    public static Tensor LogicalAnd(Tensor a, Tensor b) => Dispatcher.Apply1(LogicalAndDef, Attrs.Empty, a, b);

    /// <summary>a OR b on bool tensors, with broadcasting.</summary>
    /// <exception cref="ArgumentException">an input is not bool, or shapes do not broadcast.</exception>
    public static Tensor LogicalOr(Tensor a, Tensor b) => Dispatcher.Apply1(LogicalOrDef, Attrs.Empty, a, b);

    /// <summary>NOT x on a bool tensor.</summary>
    /// <exception cref="ArgumentException">x is not bool.</exception>
    public static Tensor LogicalNot(Tensor x) => Dispatcher.Apply1(LogicalNotDef, Attrs.Empty, x);

    /// <summary>Element-wise cond ? x : y, all three broadcast together (TensorFlow 2's where with x and y).
    /// The gradient flows to x where cond holds and to y elsewhere; cond gets none.</summary>
    /// <exception cref="ArgumentException">cond is not bool, x and y dtypes differ, or shapes do not broadcast.</exception>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y) => Dispatcher.Apply1(WhereDef, Attrs.Empty, condition, x, y);

    /// <summary>x converted to <paramref name="dtype"/> (x itself when it already has it). Floats narrow to nearest,
    /// ties to even (overflow gives infinity, NaN stays NaN). Floats to integers truncate toward zero and saturate (NaN
    /// gives 0); every cast to int8 or uint8 saturates, while int64 to int32 wraps as in TensorFlow; numbers to bool
    /// give true for non-zero; bool to numbers gives 1 and 0.
    /// Only float-to-float casts carry a gradient (cast back to x's dtype).</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.DType == dtype ? x : Dispatcher.Apply1(CastDef, new Attrs { { "dtype", dtype } }, x);
    }
}

internal static partial class CompareOps
{
    private static TensorSpec[] CompareInfer(string op, Tensor[] x, bool allowBool)
    {
        Broadcasting.SameDType(op, x[0], x[1]);
        if (!allowBool && x[0].DType == DType.Bool)
            throw new ArgumentException($"{op}: bool tensors {x[0].Shape} and {x[1].Shape} have no order; compare numbers, or use Equal/NotEqual/LogicalAnd.");
        return [new TensorSpec(Broadcasting.Shape(op, x[0].Shape, x[1].Shape), DType.Bool)];
    }

    private static Tensor CompareRun<TF, TD, TI, TL, TB>(string op, Tensor a, Tensor b)
        where TF : ICompareOp<float> where TD : ICompareOp<double> where TI : ICompareOp<int> where TL : ICompareOp<long>
        where TB : IBinaryOp<bool>
    {
        var shape = Broadcasting.Shape(op, a.Shape, b.Shape);
        var r = Tensor.Empty(shape, DType.Bool);
        var sa = Broadcasting.StridesFor(a, shape);
        var sb = Broadcasting.StridesFor(b, shape);
        var dst = r.Span<bool>();
        switch (a.DType)
        {
            case DType.Float32: Compare.Apply<float, TF>(Broadcasting.Arr<float>(a), a.Offset, sa, Broadcasting.Arr<float>(b), b.Offset, sb, shape.Span, dst); break;
            case DType.Float64: Compare.Apply<double, TD>(Broadcasting.Arr<double>(a), a.Offset, sa, Broadcasting.Arr<double>(b), b.Offset, sb, shape.Span, dst); break;
            case DType.Int32: Compare.Apply<int, TI>(Broadcasting.Arr<int>(a), a.Offset, sa, Broadcasting.Arr<int>(b), b.Offset, sb, shape.Span, dst); break;
            case DType.Int64: Compare.Apply<long, TL>(Broadcasting.Arr<long>(a), a.Offset, sa, Broadcasting.Arr<long>(b), b.Offset, sb, shape.Span, dst); break;
            case DType.Bool: Binary.Apply<bool, TB>(Broadcasting.Arr<bool>(a), a.Offset, sa, Broadcasting.Arr<bool>(b), b.Offset, sb, shape.Span, dst); break;
        }
        a.KeepAlive(); b.KeepAlive();
        return r;
    }

    private static OpDef Comparison<TF, TD, TI, TL, TB>(string name, bool allowBool)
        where TF : ICompareOp<float> where TD : ICompareOp<double> where TI : ICompareOp<int> where TL : ICompareOp<long>
        where TB : IBinaryOp<bool>
        => new(name, (x, _) => CompareInfer(name, x, allowBool), (x, _) => [CompareRun<TF, TD, TI, TL, TB>(name, x[0], x[1])]) { Lanes = LaneDef.Comparison<TF, TD>() };

    internal const string EqualName = "Equal";
    internal static readonly OpDef EqualDef = Comparison<EqualOp<float>, EqualOp<double>, EqualOp<int>, EqualOp<long>, BoolEqualOp>(EqualName, true).WithOnnx(OnnxMap.Same("Equal"));

    internal const string NotEqualName = "NotEqual";
    internal static readonly OpDef NotEqualDef = Comparison<NotEqualOp<float>, NotEqualOp<double>, NotEqualOp<int>, NotEqualOp<long>, BoolNotEqualOp>(NotEqualName, true).WithOnnx(OnnxMap.Negated(EqualName));

    internal const string LessName = "Less";
    internal static readonly OpDef LessDef = Comparison<LessOp<float>, LessOp<double>, LessOp<int>, LessOp<long>, Unsupported<bool>>(LessName, false).WithOnnx(OnnxMap.Same("Less"));

    internal const string LessEqualName = "LessEqual";
    internal static readonly OpDef LessEqualDef = Comparison<LessEqualOp<float>, LessEqualOp<double>, LessEqualOp<int>, LessEqualOp<long>, Unsupported<bool>>(LessEqualName, false).WithOnnx(OnnxMap.Same("LessOrEqual"));

    internal const string GreaterName = "Greater";
    internal static readonly OpDef GreaterDef = Comparison<GreaterOp<float>, GreaterOp<double>, GreaterOp<int>, GreaterOp<long>, Unsupported<bool>>(GreaterName, false).WithOnnx(OnnxMap.Same("Greater"));

    internal const string GreaterEqualName = "GreaterEqual";
    internal static readonly OpDef GreaterEqualDef = Comparison<GreaterEqualOp<float>, GreaterEqualOp<double>, GreaterEqualOp<int>, GreaterEqualOp<long>, Unsupported<bool>>(GreaterEqualName, false).WithOnnx(OnnxMap.Same("GreaterOrEqual"));

    private static TensorSpec[] LogicalInfer(string op, Tensor[] x)
    {
        foreach (var t in x)
            if (t.DType != DType.Bool)
                throw new ArgumentException($"{op}: expects bool tensors, got {string.Join(" and ", x.Select(i => i.DType.Name() + i.Shape))}. Compare first (e.g. x > 0) or use Ops.Cast(x, DType.Bool).");
        return [new TensorSpec(x.Length == 1 ? x[0].Shape : Broadcasting.Shape(op, x[0].Shape, x[1].Shape), DType.Bool)];
    }

    private static Tensor LogicalRun<TOp>(string op, Tensor a, Tensor b) where TOp : IBinaryOp<bool>
    {
        var shape = Broadcasting.Shape(op, a.Shape, b.Shape);
        var r = Tensor.Empty(shape, DType.Bool);
        Binary.Apply<bool, TOp>(Broadcasting.Arr<bool>(a), a.Offset, Broadcasting.StridesFor(a, shape),
                                Broadcasting.Arr<bool>(b), b.Offset, Broadcasting.StridesFor(b, shape), shape.Span, r.Span<bool>());
        a.KeepAlive(); b.KeepAlive();
        return r;
    }

    internal const string LogicalAndName = "LogicalAnd";
    // Inside fused programs masks are 1 and 0: and is a product, or a maximum, not one minus.
    internal static readonly OpDef LogicalAndDef = new(LogicalAndName, (x, _) => LogicalInfer(LogicalAndName, x), (x, _) => [LogicalRun<LogicalAndOp>(LogicalAndName, x[0], x[1])])
    {
        Lanes = new(2, static (in LaneArgs<float> a, Span<float> d) => TensorPrimitives.Multiply(a.A, a.B, d),
                       static (in LaneArgs<double> a, Span<double> d) => TensorPrimitives.Multiply(a.A, a.B, d)) { ProducesMask = true, MaskArgs = 0b11 },
        Onnx = OnnxMap.Same("And"),
    };

    internal const string LogicalOrName = "LogicalOr";
    internal static readonly OpDef LogicalOrDef = new(LogicalOrName, (x, _) => LogicalInfer(LogicalOrName, x), (x, _) => [LogicalRun<LogicalOrOp>(LogicalOrName, x[0], x[1])])
    {
        Lanes = new(2, static (in LaneArgs<float> a, Span<float> d) => TensorPrimitives.Max(a.A, a.B, d),
                       static (in LaneArgs<double> a, Span<double> d) => TensorPrimitives.Max(a.A, a.B, d)) { ProducesMask = true, MaskArgs = 0b11 },
        Onnx = OnnxMap.Same("Or"),
    };

    internal const string LogicalNotName = "LogicalNot";
    internal static readonly OpDef LogicalNotDef = new(LogicalNotName, (x, _) => LogicalInfer(LogicalNotName, x), (x, _) => [MathOps.Map<bool, LogicalNotOp>(x[0], default)])
    {
        Lanes = new(1, static (in LaneArgs<float> a, Span<float> d) => TensorPrimitives.Subtract(1f, a.A, d),
                       static (in LaneArgs<double> a, Span<double> d) => TensorPrimitives.Subtract(1.0, a.A, d)) { ProducesMask = true, MaskArgs = 0b1 },
        Onnx = OnnxMap.Same("Not"),
    };

    private static Shape WhereShape(Tensor[] x)
    {
        if (x[0].DType != DType.Bool)
            throw new ArgumentException($"Where: the condition must be bool, got {x[0].DType.Name()}{x[0].Shape}. Compare first (e.g. x > 0).");
        if (x[1].DType != x[2].DType)
            throw new ArgumentException($"Where: x and y dtypes differ: {x[1].DType.Name()}{x[1].Shape} and {x[2].DType.Name()}{x[2].Shape}. Use Ops.Cast.");
        try
        {
            return Broadcasting.Shape(WhereName, Broadcasting.Shape(WhereName, x[0].Shape, x[1].Shape), x[2].Shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Where: condition {x[0].Shape}, x {x[1].Shape} and y {x[2].Shape} cannot be broadcast together. {e.Message}", e);
        }
    }

    private static void SelectInto<T>(Tensor c, Tensor x, Tensor y, Tensor r) where T : unmanaged
    {
        var s = r.Shape;
        Select.Apply(Broadcasting.Arr<bool>(c), c.Offset, Broadcasting.StridesFor(c, s),
                     Broadcasting.Arr<T>(x), x.Offset, Broadcasting.StridesFor(x, s),
                     Broadcasting.Arr<T>(y), y.Offset, Broadcasting.StridesFor(y, s), s.Span, r.Span<T>());
    }

    internal const string WhereName = "Where";
    internal static readonly OpDef WhereDef = new(WhereName,
        (x, _) => [new TensorSpec(WhereShape(x), x[1].DType)],
        (x, _) =>
        {
            var r = Tensor.Empty(WhereShape(x), x[1].DType);
            switch (r.DType)
            {
                case DType.Float32: SelectInto<float>(x[0], x[1], x[2], r); break;
                case DType.Float64: SelectInto<double>(x[0], x[1], x[2], r); break;
                case DType.Int32: SelectInto<int>(x[0], x[1], x[2], r); break;
                case DType.Int64: SelectInto<long>(x[0], x[1], x[2], r); break;
                case DType.Bool: SelectInto<bool>(x[0], x[1], x[2], r); break;
            }
            foreach (var t in x) t.KeepAlive();
            return [r];
        })
    {
        Lanes = new(3, static (in LaneArgs<float> a, Span<float> d) => LaneLoops.Select(a.A, a.B, a.C, d),
                       static (in LaneArgs<double> a, Span<double> d) => LaneLoops.Select(a.A, a.B, a.C, d)) { MaskArgs = 0b1 },
        Gradient = c =>
        {
            var zeros = ZerosLike(c.Grad);
            return [null, Broadcasting.UnBroadcast(Where(c.X(0), c.Grad, zeros), c.X(1)), Broadcasting.UnBroadcast(Where(c.X(0), zeros, c.Grad), c.X(2))];
        },
        Onnx = OnnxMap.Same("Where"),
    };

    internal const string CastName = "Cast";
    internal static readonly OpDef CastDef = new(CastName,
        (x, a) => [new TensorSpec(x[0].Shape, a.Get<DType>("dtype"))],
        (x, a) => [CastCompute(x[0], a.Get<DType>("dtype"))])
    {
        IsElementwise = true,
        HandlesAllDTypes = true,
        // Only float-to-float casts carry a gradient (TensorFlow returns None for integer and bool ends).
        Gradient = c => [c.X().DType.IsFloating && c.Y.DType.IsFloating ? Cast(c.Grad, c.X().DType) : null],
        Rewrites = [s => s.X(0).DType == s.Output.DType ? Rewrite.To("cast to its own dtype removed", s.X(0)) : null],
        Onnx = e => e.Add("Cast", [e.Input(0)], [e.Output(0)], ("to", (long)OnnxMap.ElemType(e.Node.Outputs[0].DType))),
    };

    private static Tensor CastCompute(Tensor x, DType to) => DTypeConvert.Convert(x, to);
}
