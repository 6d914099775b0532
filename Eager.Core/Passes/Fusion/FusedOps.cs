using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>
/// The element-wise ops a fused loop can compute, each with how to emit it as a Vector256 expression and as a
/// scalar expression (for the tail), and which graph op it stands for (to check shapes, to interpret the program
/// op by op, and for the fusion pass to recognise). Vector forms match the ops' kernels: IEEE arithmetic is exact
/// in both; functions without a vector operator run the kernel's own span path on the lanes (<see cref="FusedLanes"/>).
/// </summary>
internal static class FusedOps
{
    /// <summary>Builds an expression from argument expressions and the instruction's attribute.</summary>
    public delegate Expression Emit(FusedEmitter e, Expression[] args, double attr);

    /// <summary>One fusible op.</summary>
    public sealed record Entry(string Name, OpDef Def, int Arity, Emit Vector, Emit Scalar)
    {
        /// <summary>True when the op has an attribute (LeakyRelu's alpha, Gelu's approximate).</summary>
        public bool HasAttr { get; init; }

        /// <summary>True for comparisons and logic: the result is a mask, not a number.</summary>
        public bool ProducesMask { get; init; }

        /// <summary>Bit k set when argument k is a mask.</summary>
        public int MaskArgs { get; init; }

        /// <summary>The graph op's attributes for an instruction attribute.</summary>
        public Func<double, Attrs> Attrs { get; init; } = _ => Eager.Attrs.Empty;

        /// <summary>The instruction attribute of a graph node of this op.</summary>
        public Func<Attrs, double> AttrOf { get; init; } = _ => 0;

        public bool TakesMask(int k) => (MaskArgs >> k & 1) != 0;
    }

    private static readonly Dictionary<string, Entry> ByName = Build().ToDictionary(e => e.Name, StringComparer.Ordinal);
    private static readonly Dictionary<OpDef, Entry> ByDef = ByName.Values.ToDictionary(e => e.Def);

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static Entry? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The entry for a graph op, or null when it cannot be fused.</summary>
    public static Entry? Of(OpDef op) => ByDef.GetValueOrDefault(op);

    /// <summary>Every fusible op.</summary>
    public static IReadOnlyCollection<Entry> All => ByName.Values;

    private static IEnumerable<Entry> Build()
    {
        yield return Arith("Add", Ops.AddDef, Expression.Add);
        yield return Arith("Subtract", Ops.SubtractDef, Expression.Subtract);
        yield return Arith("Multiply", Ops.MultiplyDef, Expression.Multiply);
        yield return Arith("Divide", Ops.DivideDef, Expression.Divide);
        yield return new("Maximum", Ops.MaximumDef, 2, (e, a, _) => e.VectorCall("Max", a[0], a[1]), (e, a, _) => e.MathCall("Max", a[0], a[1]));
        yield return new("Minimum", Ops.MinimumDef, 2, (e, a, _) => e.VectorCall("Min", a[0], a[1]), (e, a, _) => e.MathCall("Min", a[0], a[1]));
        yield return new("SquaredDifference", Ops.SquaredDifferenceDef, 2, SquaredDifference, SquaredDifference);
        yield return new("ClipByValue", Ops.ClipByValueDef, 3,
            (e, a, _) => e.VectorCall("Min", e.VectorCall("Max", a[0], a[1]), a[2]),
            (e, a, _) => e.MathCall("Min", e.MathCall("Max", a[0], a[1]), a[2]));
        // Negate is 0 - x in its kernel (so -0 stays +0 there): the same here.
        yield return new("Negate", Ops.NegateDef, 1, (e, a, _) => Expression.Subtract(e.VectorConstant(0), a[0]), (e, a, _) => Expression.Subtract(e.Constant(0), a[0]));
        yield return new("Abs", Ops.AbsDef, 1, (e, a, _) => e.VectorCall("Abs", a[0]), (e, a, _) => e.MathCall("Abs", a[0]));
        yield return new("Square", Ops.SquareDef, 1, (_, a, _) => Expression.Multiply(a[0], a[0]), (_, a, _) => Expression.Multiply(a[0], a[0]));
        yield return new("Sqrt", Ops.SqrtDef, 1, (e, a, _) => e.VectorCall("Sqrt", a[0]), (e, a, _) => e.MathCall("Sqrt", a[0]));
        yield return new("Floor", Ops.FloorDef, 1, (e, a, _) => e.VectorCall("Floor", a[0]), (e, a, _) => e.MathCall("Floor", a[0]));
        yield return new("Relu", Ops.ReluDef, 1, (e, a, _) => e.VectorCall("Max", a[0], e.VectorConstant(0)), (e, a, _) => e.MathCall("Max", a[0], e.Constant(0)));
        yield return new("Relu6", Ops.Relu6Def, 1,
            (e, a, _) => e.VectorCall("Min", e.VectorCall("Max", a[0], e.VectorConstant(0)), e.VectorConstant(6)),
            (e, a, _) => e.MathCall("Min", e.MathCall("Max", a[0], e.Constant(0)), e.Constant(6)));
        yield return new("LeakyRelu", Ops.LeakyReluDef, 1,
            (e, a, alpha) => e.VectorCall("ConditionalSelect", e.VectorCall("GreaterThan", a[0], e.VectorConstant(0)), a[0], Expression.Multiply(a[0], e.VectorConstant(alpha))),
            (e, a, alpha) => Expression.Condition(Expression.GreaterThan(a[0], e.Constant(0)), a[0], Expression.Multiply(a[0], e.Constant(alpha))))
        {
            HasAttr = true, Attrs = alpha => new Attrs { { "alpha", alpha } }, AttrOf = a => a.Double("alpha"),
        };
        yield return Lanes("Exp", Ops.ExpDef, typeof(ExpOp<>));
        yield return Lanes("Log", Ops.LogDef, typeof(LogOp<>));
        yield return Lanes("Log1p", Ops.Log1pDef, typeof(Log1pOp<>));
        yield return Lanes("Rsqrt", Ops.RsqrtDef, typeof(RsqrtOp<>));
        yield return Lanes("Sin", Ops.SinDef, typeof(SinOp<>));
        yield return Lanes("Cos", Ops.CosDef, typeof(CosOp<>));
        yield return Lanes("Erf", Ops.ErfDef, typeof(ErfOp<>));
        yield return Lanes("Sign", Ops.SignDef, typeof(SignOp<>));
        yield return Lanes("Tanh", Ops.TanhDef, typeof(TanhOp<>));
        yield return Lanes("Sigmoid", Ops.SigmoidDef, typeof(SigmoidOp<>));
        yield return Lanes("Elu", Ops.EluDef, typeof(EluOp<>));
        yield return Lanes("Selu", Ops.SeluDef, typeof(SeluOp<>));
        yield return Lanes("Softplus", Ops.SoftplusDef, typeof(SoftplusOp<>));
        yield return Lanes("Gelu", Ops.GeluDef, typeof(GeluOp<>)) with
        {
            HasAttr = true, Attrs = approx => new Attrs { { "approximate", approx != 0 } }, AttrOf = a => a.Bool("approximate") ? 1 : 0,
        };
        yield return Compare("Greater", Ops.GreaterDef, "GreaterThan", Expression.GreaterThan);
        yield return Compare("GreaterEqual", Ops.GreaterEqualDef, "GreaterThanOrEqual", Expression.GreaterThanOrEqual);
        yield return Compare("Less", Ops.LessDef, "LessThan", Expression.LessThan);
        yield return Compare("LessEqual", Ops.LessEqualDef, "LessThanOrEqual", Expression.LessThanOrEqual);
        yield return Compare("Equal", Ops.EqualDef, "Equals", Expression.Equal);
        yield return new("NotEqual", Ops.NotEqualDef, 2, (e, a, _) => Expression.OnesComplement(e.VectorCall("Equals", a[0], a[1])), (_, a, _) => Expression.NotEqual(a[0], a[1]))
        { ProducesMask = true };
        yield return new("LogicalAnd", Ops.LogicalAndDef, 2, (_, a, _) => Expression.And(a[0], a[1]), (_, a, _) => Expression.And(a[0], a[1]))
        { ProducesMask = true, MaskArgs = 0b11 };
        yield return new("LogicalOr", Ops.LogicalOrDef, 2, (_, a, _) => Expression.Or(a[0], a[1]), (_, a, _) => Expression.Or(a[0], a[1]))
        { ProducesMask = true, MaskArgs = 0b11 };
        yield return new("LogicalNot", Ops.LogicalNotDef, 1, (_, a, _) => Expression.OnesComplement(a[0]), (_, a, _) => Expression.Not(a[0]))
        { ProducesMask = true, MaskArgs = 0b1 };
        yield return new("Where", Ops.WhereDef, 3, (e, a, _) => e.VectorCall("ConditionalSelect", a[0], a[1], a[2]), (_, a, _) => Expression.Condition(a[0], a[1], a[2]))
        { MaskArgs = 0b1 };
        yield return new("ZerosLike", Ops.ZerosLikeDef, 1, (e, _, _) => e.VectorConstant(0), (e, _, _) => e.Constant(0));
        yield return new("OnesLike", Ops.OnesLikeDef, 1, (e, _, _) => e.VectorConstant(1), (e, _, _) => e.Constant(1));
    }

    private static Entry Arith(string name, OpDef def, Func<Expression, Expression, BinaryExpression> op) =>
        new(name, def, 2, (_, a, _) => op(a[0], a[1]), (_, a, _) => op(a[0], a[1]));

    private static Expression SquaredDifference(FusedEmitter e, Expression[] a, double attr)
    {
        var d = Expression.Variable(a[0].Type, "d");
        return Expression.Block(a[0].Type, [d], Expression.Assign(d, Expression.Subtract(a[0], a[1])), Expression.Multiply(d, d));
    }

    private static Entry Compare(string name, OpDef def, string vectorMethod, Func<Expression, Expression, BinaryExpression> scalar) =>
        new(name, def, 2, (e, a, _) => e.VectorCall(vectorMethod, a[0], a[1]), (_, a, _) => scalar(a[0], a[1])) { ProducesMask = true };

    /// <summary>An op computed by a kernel operator struct (generic over the element type): its span path on vector
    /// lanes, its scalar path on single elements.</summary>
    private static Entry Lanes(string name, OpDef def, Type operatorDefinition) => new(name, def, 1,
        (e, a, attr) => e.LanesCall(operatorDefinition, a[0], attr),
        (e, a, attr) => e.OperatorCall(operatorDefinition, a[0], attr));
}
