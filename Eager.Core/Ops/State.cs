using static Eager.Ops;
using static Eager.StateOps;

namespace Eager;

/// <summary>Constants, identity, and variable state: reads and assignments.</summary>
public static partial class Ops
{
    /// <summary>A constant tensor (in a graph: a Const node holding a copy of <paramref name="value"/>).</summary>
    public static Tensor Constant(Tensor value, string? name = null) =>
        Graph.Current is null ? value : Dispatcher.Apply(ConstDef, [], new Attrs { { "value", value } }, name ?? ConstName)[0];

    /// <summary>Returns its input unchanged (a new graph node when building; useful with control dependencies).</summary>
    public static Tensor Identity(Tensor x, string? name = null) => Dispatcher.Apply(IdentityDef, [x], Attrs.Empty, name)[0];

    /// <summary>Identity whose gradient is zero: gradients do not flow through it.</summary>
    public static Tensor StopGradient(Tensor x) => Dispatcher.Apply1(StopGradientDef, Attrs.Empty, x);

    /// <summary>Reads a variable: eagerly its current value, in a graph a read node. Active tapes are told.</summary>
    public static Tensor ReadVariable(Variable v)
    {
        ArgumentNullException.ThrowIfNull(v);
        Tensor t;
        if (Graph.Current is { } g)
        {
            if (v.Graph is not null && !g.IsNestedIn(v.Graph))
                throw new ArgumentException($"ReadVariable: variable '{v.Name}' belongs to another graph.");
            t = g.AddNode(ReadVariableDef, [], new Attrs { { "variable", v } }, v.Name + "/read").Outputs[0];
            Variable.MarkRead(t, v);
        }
        else
        {
            if (v.Graph is not null)
                throw new InvalidOperationException($"ReadVariable: '{v.Name}' is a graph variable; read it inside 'using (graph.AsDefault())' and run it in a Session.");
            t = v.Value;
        }
        if (GradientTape.AnyActive) GradientTape.OnVariableRead(v, t);
        return Variable.CastRead(v, t);
    }

    /// <summary>Sets a variable to <paramref name="value"/> (shape and dtype must match); returns the new value.</summary>
    public static Tensor Assign(Variable v, Tensor value) => Dispatcher.Apply1(AssignDef, new Attrs { { "variable", v } }, value);

    /// <summary>Adds <paramref name="delta"/> to a variable; returns the new value.</summary>
    public static Tensor AssignAdd(Variable v, Tensor delta) => Dispatcher.Apply1(AssignAddDef, new Attrs { { "variable", v } }, delta);

    /// <summary>Subtracts <paramref name="delta"/> from a variable; returns the new value.</summary>
    public static Tensor AssignSub(Variable v, Tensor delta) => Dispatcher.Apply1(AssignSubDef, new Attrs { { "variable", v } }, delta);
}

internal static partial class StateOps
{
    internal const string ConstName = "Const";
    internal static readonly OpDef ConstDef = new(ConstName,
        (_, a) => [TensorSpec.Of(a.Get<Tensor>("value"))],
        (_, a) => [a.Get<Tensor>("value")])
    { Onnx = e => e.Initializer(0, e.Node.Attrs.Get<Tensor>("value"), e.Node.Name) };

    internal const string IdentityName = "Identity";
    internal static readonly OpDef IdentityDef = new(IdentityName,
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [x[0]])
    {
        IsElementwise = true,
        Gradient = c => [c.Grad],
        Rewrites = [s => Rewrite.To("removed", s.X(0))],
        Onnx = OnnxMap.Same("Identity"),
    };

    internal const string StopGradientName = "StopGradient";
    internal static readonly OpDef StopGradientDef = new(StopGradientName,
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [x[0]])
    {
        // Gradients are already built when a graph is optimised.
        Rewrites = [s => Rewrite.To("removed", s.X(0))],
        Onnx = OnnxMap.Same("Identity"),
    };

    internal const string ReadVariableName = "ReadVariable";
    internal static readonly OpDef ReadVariableDef = new(ReadVariableName,
        (_, a) => { var v = a.Get<Variable>("variable"); return [new TensorSpec(v.Shape, v.DType)]; },
        (_, a) => [a.Get<Variable>("variable").Value])
    {
        IsStateful = true,
        // An exported model is a snapshot: the variable's value now, as an initializer named after it.
        Onnx = e => { var v = e.Node.Attrs.Get<Variable>("variable"); e.Initializer(0, v.Value, v.Name); },
    };

    internal const string AssignName = "Assign";
    internal static readonly OpDef AssignDef = new(AssignName,
        (x, a) => AssignInfer(AssignName, x, a),
        (x, a) => [a.Get<Variable>("variable").SetValue(x[0], AssignName)])
    { NoOnnx = "it changes a variable, state that lives between runs; an ONNX graph is a pure function of its inputs (export writes variables' current values as initializers)", IsStateful = true };

    internal const string AssignAddName = "AssignAdd";
    internal static readonly OpDef AssignAddDef = new(AssignAddName,
        (x, a) => AssignInfer(AssignAddName, x, a),
        (x, a) => [UpdateVariable(AssignAddName, a.Get<Variable>("variable"), x[0], Add)])
    { NoOnnx = "it changes a variable, state that lives between runs; an ONNX graph is a pure function of its inputs (export writes variables' current values as initializers)", IsStateful = true, KeepsInputs = false, HandlesAllDTypes = true }; // its arithmetic is an op call

    internal const string AssignSubName = "AssignSub";
    internal static readonly OpDef AssignSubDef = new(AssignSubName,
        (x, a) => AssignInfer(AssignSubName, x, a),
        (x, a) => [UpdateVariable(AssignSubName, a.Get<Variable>("variable"), x[0], Subtract)])
    { NoOnnx = "it changes a variable, state that lives between runs; an ONNX graph is a pure function of its inputs (export writes variables' current values as initializers)", IsStateful = true, KeepsInputs = false, HandlesAllDTypes = true }; // its arithmetic is an op call

    private static Tensor UpdateVariable(string op, Variable v, Tensor delta, Func<Tensor, Tensor, Tensor> combine) =>
        v.Accumulate(op, delta, op == "AssignSub", combine);

    private static TensorSpec[] AssignInfer(string op, Tensor[] x, Attrs a)
    {
        var v = a.Get<Variable>("variable");
        if (x[0].DType != v.DType || !v.Shape.IsCompatibleWith(x[0].Shape))
            throw new ArgumentException($"{op}: variable '{v.Name}' is {v.DType.Name()}{v.Shape}; the value is {x[0].DType.Name()}{x[0].Shape}. Shapes and dtypes must match.");
        if (op != AssignName && v.DType == DType.Bool)
            throw new ArgumentException($"{op}: variable '{v.Name}' is bool{v.Shape}; bool variables have no arithmetic, use Assign.");
        return [new TensorSpec(v.Shape, v.DType)];
    }
}
