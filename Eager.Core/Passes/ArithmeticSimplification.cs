namespace Eager;

/// <summary>
/// Rewrites arithmetic into cheaper equal forms (TensorFlow Grappler's arithmetic optimiser in small):
/// x * 1, x + 0, x - 0 and x / 1 become x (when the constant does not broadcast x to a larger shape);
/// -(-x) becomes x; x - (-y) becomes x + y and x + (-y) becomes x - y; x / c becomes x * (1 / c) for a
/// floating-point constant c; (x * c1) * c2 becomes x * (c1 * c2) for scalar constants; a transpose of a
/// transpose becomes one transpose (or none), a reshape of a reshape one reshape (or none); x ^ 1, x ^ 2 and x ^ 3
/// become x, square(x) and square(x) * x; Identity,
/// StopGradient (gradients are already built when a graph is optimised) and casts to the same dtype disappear.
/// Nodes with control inputs are left alone, so every ordering the graph asks for survives.
/// </summary>
public sealed class ArithmeticSimplification : GraphPass
{
    /// <inheritdoc/>
    public override string Name => "ArithmeticSimplification";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var rb = new GraphRebuild(graph, context);
        foreach (var n in graph.Nodes)
        {
            var inputs = rb.MapInputs(n);
            var rewrite = n.ControlInputs.Length == 0 && !n.Op.IsStateful && n.Outputs.Length == 1 ? Simplify(n, inputs, rb) : null;
            if (rewrite is null)
            {
                rb.Copy(n, inputs, rb.MapControls(n));
                continue;
            }
            var (what, result) = rewrite.Value;
            context.Note(Name, $"'{n.Name}' ({n.Op.Name}): {what}");
            if (result.Tensor is { } t) rb.Replace(n, t);
            else
            {
                var (op, ins, attrs) = result.Node!.Value;
                var specs = op.Infer(ins, attrs);
                var m = rb.EmitNamed(n.Name, op, ins, attrs, [], specs);
                rb.Bind(n, m, m.Outputs);
            }
        }
        changed = rb.Changed;
        if (!changed) return graph;
        GraphUses.RemoveDead(rb.Target, context);
        return rb.Target;
    }

    /// <summary>An existing tensor, or a new node (op, inputs, attrs), standing for a node's output.</summary>
    private readonly record struct Result(Tensor? Tensor, (OpDef Op, Tensor[] Inputs, Attrs Attrs)? Node)
    {
        public static implicit operator Result(Tensor t) => new(t, null);

        public static Result Of(OpDef op, Attrs attrs, params Tensor[] inputs) => new(null, (op, inputs, attrs));
    }

    private static (string What, Result Result)? Simplify(Node n, Tensor[] x, GraphRebuild rb)
    {
        var spec = n.Outputs[0];
        var op = n.Op;
        if (op == Ops.IdentityDef || op == Ops.StopGradientDef) return ("removed", x[0]);
        if (op == Ops.CastDef && x[0].DType == spec.DType) return ("cast to its own dtype removed", x[0]);
        if (op == Ops.NegateDef && Producer(x[0], Ops.NegateDef) is { } inner) return ("-(-x) -> x", inner.Inputs[0]);
        if (op == Ops.MultiplyDef)
        {
            if (IsFilled(x[1], 1) && SameSpec(x[0], spec)) return ("x * 1 -> x", x[0]);
            if (IsFilled(x[0], 1) && SameSpec(x[1], spec)) return ("1 * x -> x", x[1]);
            if (ScalarConstant(x[1]) is { } c2 && Producer(x[0], Ops.MultiplyDef) is { } m && ScalarConstant(m.Inputs[1]) is { } c1 && SameSpec(m.Inputs[0], spec))
                return ("(x * c1) * c2 -> x * (c1 * c2)", Result.Of(Ops.MultiplyDef, Attrs.Empty, m.Inputs[0], Constant(rb, Tensor.Scalar(c1 * c2, spec.DType))));
        }
        if (op == Ops.AddDef)
        {
            if (IsFilled(x[1], 0) && SameSpec(x[0], spec)) return ("x + 0 -> x", x[0]);
            if (IsFilled(x[0], 0) && SameSpec(x[1], spec)) return ("0 + x -> x", x[1]);
            if (Producer(x[1], Ops.NegateDef) is { } ny) return ("x + (-y) -> x - y", Result.Of(Ops.SubtractDef, Attrs.Empty, x[0], ny.Inputs[0]));
            if (Producer(x[0], Ops.NegateDef) is { } nx) return ("(-x) + y -> y - x", Result.Of(Ops.SubtractDef, Attrs.Empty, x[1], nx.Inputs[0]));
        }
        if (op == Ops.SubtractDef)
        {
            if (IsFilled(x[1], 0) && SameSpec(x[0], spec)) return ("x - 0 -> x", x[0]);
            if (Producer(x[1], Ops.NegateDef) is { } ny) return ("x - (-y) -> x + y", Result.Of(Ops.AddDef, Attrs.Empty, x[0], ny.Inputs[0]));
        }
        if (op == Ops.DivideDef)
        {
            if (IsFilled(x[1], 1) && SameSpec(x[0], spec)) return ("x / 1 -> x", x[0]);
            if (spec.DType.IsFloating && Reciprocal(x[1], rb) is { } r) return ("x / c -> x * (1 / c)", Result.Of(Ops.MultiplyDef, Attrs.Empty, x[0], r));
        }
        if (op == Ops.PowDef && ScalarConstant(x[1]) is { } e && SameSpec(x[0], spec))
        {
            // Multiplications instead of Math.Pow, and element-wise ops the fusion pass can join to a chain.
            if (e == 1) return ("x ^ 1 -> x", x[0]);
            if (e == 2) return ("x ^ 2 -> square(x)", Result.Of(Ops.SquareDef, Attrs.Empty, x[0]));
            if (e == 3)
            {
                var square = rb.Emit("Square", Ops.SquareDef, [x[0]], Attrs.Empty, [], [TensorSpec.Of(x[0])]).Outputs[0];
                return ("x ^ 3 -> square(x) * x", Result.Of(Ops.MultiplyDef, Attrs.Empty, square, x[0]));
            }
        }
        if (op == Ops.TransposeDef) return Transposes(n, x[0]);
        if (op == Ops.ReshapeDef || op == Ops.ReshapeLikeDef) return Reshapes(n, x);
        return null;
    }

    private static (string, Result)? Transposes(Node n, Tensor x)
    {
        int rank = x.Rank;
        var outer = Normalize(n.Attrs.Ints("perm"), rank);
        if (IsIdentity(outer)) return ("transpose by the identity removed", x);
        if (Producer(x, Ops.TransposeDef) is not { } inner) return null;
        var first = Normalize(inner.Attrs.Ints("perm"), rank);
        // Output axis i of the outer transpose is its input's axis outer[i], which is the original axis first[outer[i]].
        var combined = outer.Select(p => first[p]).ToArray();
        if (IsIdentity(combined)) return ("transpose of transpose -> x", inner.Inputs[0]);
        return ("transpose of transpose -> one transpose", Result.Of(Ops.TransposeDef, new Attrs { { "perm", combined } }, inner.Inputs[0]));
    }

    private static (string, Result)? Reshapes(Node n, Tensor[] x)
    {
        var spec = n.Outputs[0];
        var source = x[0];
        if ((Producer(source, Ops.ReshapeDef) ?? Producer(source, Ops.ReshapeLikeDef)) is { } inner) source = inner.Inputs[0];
        if (spec.Shape.IsFullyDefined && SameSpec(source, spec)) return ("reshape to its own shape removed", source);
        if (ReferenceEquals(source, x[0])) return null;
        var rewritten = n.Op == Ops.ReshapeDef
            ? Result.Of(Ops.ReshapeDef, n.Attrs, source)
            : Result.Of(Ops.ReshapeLikeDef, Attrs.Empty, source, x[1]);
        var (op, ins, attrs) = rewritten.Node!.Value;
        // The single reshape must infer a shape the graph already promised.
        try { if (!op.Infer(ins, attrs)[0].Shape.IsCompatibleWith(spec.Shape)) return null; }
        catch (ArgumentException) { return null; }
        return ("reshape of reshape -> one reshape", rewritten);
    }

    private static Node? Producer(Tensor t, OpDef op) =>
        t.Node is { } p && p.Op == op && p.ControlInputs.Length == 0 ? p : null;

    private static bool SameSpec(Tensor t, Tensor spec) => t.DType == spec.DType && t.Shape == spec.Shape;

    /// <summary>True for a constant whose every element equals <paramref name="value"/>.</summary>
    private static bool IsFilled(Tensor t, double value)
    {
        if (t.Node?.Op != Ops.ConstDef) return false;
        var v = t.Node.Attrs.Get<Tensor>("value");
        if (v.DType == DType.Bool || v.Shape.Size > 1 << 16) return false;
        foreach (var d in v.ToDoubleArray()) if (d != value) return false;
        return true;
    }

    private static double? ScalarConstant(Tensor t)
    {
        if (t.Node?.Op != Ops.ConstDef || t.Shape.Rank != 0 || !t.DType.IsFloating) return null;
        return t.Node.Attrs.Get<Tensor>("value").ToDoubleArray()[0];
    }

    /// <summary>A constant 1 / c for a floating-point constant c with finite non-zero elements (else null).</summary>
    private static Tensor? Reciprocal(Tensor t, GraphRebuild rb)
    {
        if (t.Node?.Op != Ops.ConstDef || !t.DType.IsFloating) return null;
        var v = t.Node.Attrs.Get<Tensor>("value");
        if (v.Shape.Size > 1 << 16) return null;
        var values = v.ToDoubleArray();
        foreach (var d in values) if (d == 0 || !double.IsFinite(d) || !double.IsFinite(1 / d)) return null;
        var value = v.DType == DType.Float64
            ? Tensor.From(values.Select(d => 1 / d).ToArray(), v.Shape)
            : Tensor.From(values.Select(d => 1 / (float)d).ToArray(), v.Shape);
        return Constant(rb, value);
    }

    /// <summary>A new Const node for <paramref name="value"/> in the graph being built.</summary>
    private static Tensor Constant(GraphRebuild rb, Tensor value) =>
        rb.Emit("Const", Ops.ConstDef, [], new Attrs { { "value", value } }, [], [TensorSpec.Of(value)]).Outputs[0];

    private static int[] Normalize(int[] perm, int rank) => [.. perm.Select(p => p < 0 ? p + rank : p)];

    private static bool IsIdentity(int[] perm)
    {
        for (int i = 0; i < perm.Length; i++) if (perm[i] != i) return false;
        return true;
    }
}
