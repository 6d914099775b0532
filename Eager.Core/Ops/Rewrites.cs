namespace Eager;

/// <summary>An algebraic identity of an op, tried on one of its nodes by the arithmetic simplifier: the cheaper equal form,
/// or null when the identity does not apply. Declared beside the op (<see cref="OpDef.Rewrites"/>).</summary>
public delegate Rewrite? RewriteRule(RewriteSite site);

/// <summary>What a node becomes: an existing tensor, or one new node.</summary>
public sealed class Rewrite
{
    private Rewrite(string what, Tensor? tensor, OpDef? op, Attrs? attrs, Tensor[]? inputs)
    {
        What = what; Tensor = tensor; Op = op; Attrs = attrs; Inputs = inputs;
    }

    /// <summary>The identity applied ("x * 1 -> x"), for the optimiser's log.</summary>
    public string What { get; }

    /// <summary>The existing tensor that replaces the node's output, or null.</summary>
    public Tensor? Tensor { get; }

    /// <summary>The op of the new node, or null.</summary>
    public OpDef? Op { get; }

    /// <summary>The new node's attributes.</summary>
    public Attrs? Attrs { get; }

    /// <summary>The new node's inputs.</summary>
    public Tensor[]? Inputs { get; }

    /// <summary>The node's output is <paramref name="existing"/>.</summary>
    public static Rewrite To(string what, Tensor existing) => new(what, existing, null, null, null);

    /// <summary>The node becomes one node of <paramref name="op"/>.</summary>
    public static Rewrite ToOp(string what, OpDef op, Attrs attrs, params Tensor[] inputs) => new(what, null, op, attrs, inputs);
}

/// <summary>The node a rewrite rule looks at, with what rules need to look around it: its inputs in the graph being
/// built, which ops produced them, constants, and a way to add helper nodes.</summary>
public sealed class RewriteSite
{
    private readonly GraphRebuild rebuild;

    private readonly Func<Tensor, bool>? soleUse;

    internal RewriteSite(Node node, Tensor[] inputs, GraphRebuild rebuild, Func<Tensor, bool>? soleUse = null)
    {
        Node = node; Inputs = inputs; this.rebuild = rebuild; this.soleUse = soleUse;
    }

    /// <summary>Whether this node is the only reader of its input <paramref name="i"/>, whose producer is not kept (fetched)
    /// and has one output: a rule may then fold that producer into its rewrite without computing it twice.</summary>
    public bool IsSoleReaderOf(int i) => soleUse is not null && soleUse(Node.Inputs[i]);

    /// <summary>The node (of the source graph).</summary>
    public Node Node { get; }

    /// <summary>Its inputs in the graph being built.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>Input i.</summary>
    public Tensor X(int i) => Inputs[i];

    /// <summary>The node's (only) output, for its dtype and shape.</summary>
    public Tensor Output => Node.Outputs[0];

    /// <summary>Whether <paramref name="t"/> has the output's dtype and shape, so it can stand for the output.</summary>
    public bool SameSpec(Tensor t) => t.DType == Output.DType && t.Shape == Output.Shape;

    /// <summary>The node of <paramref name="op"/> that produced <paramref name="t"/>, when it has no control inputs; else null.</summary>
    public static Node? Producer(Tensor t, OpDef op) =>
        t.Node is { } p && p.Op == op && p.ControlInputs.Length == 0 ? p : null;

    /// <summary>True for a constant whose every element equals <paramref name="value"/>.</summary>
    public static bool IsFilled(Tensor t, double value)
    {
        if (t.Node?.Op != StateOps.ConstDef) return false;
        var v = t.Node.Attrs.Get<Tensor>("value");
        if (v.DType == DType.Bool || v.Shape.Size > 1 << 16) return false;
        foreach (var d in v.ToDoubleArray()) if (d != value) return false;
        return true;
    }

    /// <summary>The value of a floating-point scalar constant, or null.</summary>
    public static double? ScalarConstant(Tensor t)
    {
        if (t.Node?.Op != StateOps.ConstDef || t.Shape.Rank != 0 || !t.DType.IsFloating) return null;
        return t.Node.Attrs.Get<Tensor>("value").ToDoubleArray()[0];
    }

    /// <summary>A new Const node for <paramref name="value"/> in the graph being built.</summary>
    public Tensor Constant(Tensor value) =>
        rebuild.Emit("Const", StateOps.ConstDef, [], new Attrs { { "value", value } }, [], [TensorSpec.Of(value)]).Outputs[0];

    /// <summary>A new helper node of <paramref name="op"/> in the graph being built; its output 0.</summary>
    public Tensor Emit(OpDef op, Attrs attrs, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        return rebuild.Emit(op.Name, op, inputs, attrs, [], op.Infer(inputs, attrs)).Outputs[0];
    }
}
