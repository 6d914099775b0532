using System.Globalization;
using System.Numerics.Tensors;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>The arguments of one lane-wise computation over a block: up to three operand runs of equal length and the
/// op's numeric attribute (LeakyRelu's alpha; a bool attribute as 0 or 1).</summary>
public readonly ref struct LaneArgs<T> where T : unmanaged
{
    /// <summary>Operands.</summary>
    public LaneArgs(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, double attr, T scalar = default)
    {
        A = a; B = b; C = c; Attr = attr; S = scalar;
    }

    /// <summary>Operand 0.</summary>
    public ReadOnlySpan<T> A { get; }

    /// <summary>Operand 1 (binary and ternary ops).</summary>
    public ReadOnlySpan<T> B { get; }

    /// <summary>Operand 2 (ternary ops).</summary>
    public ReadOnlySpan<T> C { get; }

    /// <summary>The op's attribute as a number.</summary>
    public double Attr { get; }

    /// <summary>Operand 1 as one value for every lane, for an op's scalar form (<see cref="LaneDef.Float32Scalar"/>).</summary>
    public T S { get; }
}

/// <summary>Computes <c>dst[i] = f(args.A[i], args.B[i], args.C[i])</c> for every lane of a block. The destination may be
/// exactly one of the operands (each lane is read before it is written).</summary>
public delegate void LaneFn<T>(scoped in LaneArgs<T> args, Span<T> dst) where T : unmanaged;

/// <summary>dst = f(x, y) over runs (TensorPrimitives' binary shape).</summary>
public delegate void SpanBinary<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

/// <summary>dst = f(x, y) with y one value for every lane.</summary>
public delegate void SpanScalarBinary<T>(ReadOnlySpan<T> x, T y, Span<T> destination);

/// <summary>
/// The element-wise trait of an op: how it computes a block of lanes in float32 and float64, with the op's own
/// kernel, so that a fused program computes what the unfused op computes. Every table of element-wise ops (the fusion
/// pass, the fused executor, contraction epilogues, the NN layers' fused activations) is derived from the ops that
/// carry this trait, so adding an element-wise op is one <see cref="OpDef"/> with a <see cref="OpDef.Lanes"/>.
/// Comparison results inside fused programs are masks held as 1 and 0.
/// </summary>
public sealed class LaneDef
{
    /// <summary>A lane computation of <paramref name="arity"/> operands.</summary>
    public LaneDef(int arity, LaneFn<float> float32, LaneFn<double> float64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(arity, 3);
        Arity = arity;
        Float32 = float32 ?? throw new ArgumentNullException(nameof(float32));
        Float64 = float64 ?? throw new ArgumentNullException(nameof(float64));
    }

    /// <summary>Number of operands (1 to 3).</summary>
    public int Arity { get; }

    /// <summary>The float32 lanes.</summary>
    public LaneFn<float> Float32 { get; }

    /// <summary>The float64 lanes.</summary>
    public LaneFn<double> Float64 { get; }

    /// <summary>Optional faster float32 lanes for operand 1 being one value for every lane (a constant of the program, or
    /// an input broadcast along the row), passed as <see cref="LaneArgs{T}.S"/>. Must compute exactly what
    /// <see cref="Float32"/> computes.</summary>
    public LaneFn<float>? Float32Scalar { get; init; }

    /// <summary>The float64 counterpart of <see cref="Float32Scalar"/>.</summary>
    public LaneFn<double>? Float64Scalar { get; init; }

    /// <summary>Whether operands 0 and 1 may be swapped (so a scalar operand 0 can use the scalar form).</summary>
    public bool Commutative { get; init; }

    /// <summary>The one attribute carried into fused programs (null when the op has none). Numeric and bool attributes only.</summary>
    public string? Attr { get; init; }

    /// <summary>Whether <see cref="Attr"/> is a bool (written as 1 or 0 in a program).</summary>
    public bool AttrIsBool { get; init; }

    /// <summary>True for comparisons and logic: the result is a mask, not a number.</summary>
    public bool ProducesMask { get; init; }

    /// <summary>Bit k set when operand k is a mask.</summary>
    public int MaskArgs { get; init; }

    /// <summary>For an activation that a fused matrix product or convolution may end with: its gradient at the input
    /// written from its output y and the output gradient g alone (the fused kernel keeps only y). Null otherwise.</summary>
    public Func<Tensor, Tensor, Tensor>? EpilogueGradient { get; init; }

    /// <summary>The public function users pass as a layer activation (<c>Ops.Relu</c>), so layers can recognise it
    /// and call the fused kernel. Set for epilogue activations.</summary>
    public Func<Tensor, Tensor>? Function { get; init; }

    /// <summary>Whether a fused matrix product or convolution can end with this op: unary, no attribute, and a gradient
    /// written from the output (<see cref="EpilogueGradient"/>).</summary>
    public bool IsEpilogue => Arity == 1 && Attr is null && EpilogueGradient is not null;

    /// <summary>Whether operand k is a mask.</summary>
    public bool TakesMask(int k) => (MaskArgs >> k & 1) != 0;

    /// <summary>The lanes for element type T (float or double).</summary>
    public LaneFn<T> For<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? (LaneFn<T>)(object)Float32 :
        typeof(T) == typeof(double) ? (LaneFn<T>)(object)Float64 :
        throw new NotSupportedException($"Lanes exist for float32 and float64, not {typeof(T).Name}.");

    /// <summary>The scalar-operand lanes for element type T, or null.</summary>
    public LaneFn<T>? ScalarFor<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? (LaneFn<T>?)(object?)Float32Scalar :
        typeof(T) == typeof(double) ? (LaneFn<T>?)(object?)Float64Scalar : null;

    /// <summary>The attribute of a node as a program number (0 when the op has none).</summary>
    public double AttrOf(Attrs attrs)
    {
        ArgumentNullException.ThrowIfNull(attrs);
        if (Attr is null) return 0;
        return AttrIsBool ? (attrs.Bool(Attr) ? 1 : 0) : attrs.Double(Attr);
    }

    /// <summary>The node attributes for a program number.</summary>
    public Attrs AttrsOf(double value) => Attr is null ? Attrs.Empty
        : new Attrs { { Attr, AttrIsBool ? value != 0 : value } };

    /// <summary>Formats a program number.</summary>
    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A unary op computed by its kernel operators' span paths.</summary>
    public static LaneDef Unary<TF, TD>() where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double> =>
        new(1, static (in LaneArgs<float> a, Span<float> d) => default(TF).Apply(a.A, d),
               static (in LaneArgs<double> a, Span<double> d) => default(TD).Apply(a.A, d));

    /// <summary>A binary op computed by its kernel operators, a vector at a time where they can.</summary>
    public static LaneDef Binary<TF, TD>() where TF : IBinaryOp<float> where TD : IBinaryOp<double> =>
        new(2, static (in LaneArgs<float> a, Span<float> d) => LaneLoops.Binary<float, TF>(a.A, a.B, d),
               static (in LaneArgs<double> a, Span<double> d) => LaneLoops.Binary<double, TD>(a.A, a.B, d));

    /// <summary>A binary op from span functions with the shape of TensorPrimitives' (Add, Max ...), and their forms for a
    /// scalar second operand.</summary>
    public static LaneDef Arithmetic(SpanBinary<float> float32, SpanBinary<double> float64,
                                     SpanScalarBinary<float> float32Scalar, SpanScalarBinary<double> float64Scalar, bool commutative) =>
        new(2, (in LaneArgs<float> a, Span<float> d) => float32(a.A, a.B, d), (in LaneArgs<double> a, Span<double> d) => float64(a.A, a.B, d))
        {
            Float32Scalar = (in LaneArgs<float> a, Span<float> d) => float32Scalar(a.A, a.S, d),
            Float64Scalar = (in LaneArgs<double> a, Span<double> d) => float64Scalar(a.A, a.S, d),
            Commutative = commutative,
        };

    /// <summary>A comparison producing a mask.</summary>
    public static LaneDef Comparison<TF, TD>() where TF : ICompareOp<float> where TD : ICompareOp<double> =>
        new(2, static (in LaneArgs<float> a, Span<float> d) => LaneLoops.Compare<float, TF>(a.A, a.B, d),
               static (in LaneArgs<double> a, Span<double> d) => LaneLoops.Compare<double, TD>(a.A, a.B, d))
        { ProducesMask = true };

    /// <summary>Fills every lane with <paramref name="value"/> (ZerosLike, OnesLike).</summary>
    public static LaneDef Fill(double value) =>
        new(1, (in LaneArgs<float> _, Span<float> d) => d.Fill((float)value), (in LaneArgs<double> _, Span<double> d) => d.Fill(value));
}
