using static Eager.Ops;
using static Eager.ControlFlowOps;

namespace Eager;

/// <summary>
/// Control flow: <see cref="Cond(Tensor, Func{Tensor[]}, Func{Tensor[]}, string?)"/> and
/// <see cref="WhileLoop(Func{Tensor[], Tensor}, Func{Tensor[], Tensor[]}, IReadOnlyList{Tensor}, int, string?)"/>.
/// Eagerly they are plain C# branches and loops (a tape records the ops that run). In a graph each branch,
/// condition and body is traced into a <see cref="Subgraph"/> held by one node, which runs only the branch
/// taken, or the body as many times as the condition says. Tensors of the enclosing graph used inside become
/// extra inputs of the node. Gradients flow to the loop variables and to the tensors used inside; variables
/// read inside a branch or body get no gradient (read them outside and use the value).
/// </summary>
public static partial class Ops
{
    /// <summary>Runs <paramref name="trueFn"/> when the bool scalar <paramref name="pred"/> is true, else <paramref name="falseFn"/>.
    /// Both branches must return tensors of the same dtype and rank.</summary>
    /// <exception cref="ArgumentException"><paramref name="pred"/> is not a bool scalar, or the branches disagree.</exception>
    public static Tensor Cond(Tensor pred, Func<Tensor> trueFn, Func<Tensor> falseFn, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(trueFn);
        ArgumentNullException.ThrowIfNull(falseFn);
        return Cond(pred, () => [trueFn()], () => [falseFn()], name)[0];
    }

    /// <summary>Several results from one branch: the lists must agree in length, dtypes and ranks.</summary>
    public static Tensor[] Cond(Tensor pred, Func<Tensor[]> trueFn, Func<Tensor[]> falseFn, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(pred);
        ArgumentNullException.ThrowIfNull(trueFn);
        ArgumentNullException.ThrowIfNull(falseFn);
        if (pred.DType != DType.Bool || pred.Rank != 0)
            throw new ArgumentException($"Cond: the predicate must be a bool scalar; got {pred.DType.Name()}{pred.Shape}. Use Ops.ReduceAny/ReduceAll or index it first.");
        var g = Graph.Current;
        if (g is null)
        {
            if (pred.IsSymbolic) throw new ArgumentException($"Cond: the predicate '{pred.Name}' is a graph tensor but no graph is being built.");
            return CheckResults("Cond", pred.Item<bool>() ? trueFn() : falseFn());
        }
        var (thenSub, thenCaps) = TraceSubgraph(g, "then", [], _ => trueFn());
        var (elseSub, elseCaps) = TraceSubgraph(g, "else", [], _ => falseFn());
        return Dispatcher.Apply(IfDef, [pred, .. thenCaps, .. elseCaps], new Attrs { { "then", thenSub }, { "else", elseSub } }, name ?? "cond");
    }
}

internal static partial class ControlFlowOps
{
    internal const string IfName = "If";
    internal static readonly OpDef IfDef = new(IfName, IfInfer, IfCompute) { Onnx = IfOnnx, Gradient = IfGradient, IsStateful = true };

    /// <summary>ONNX's If: its branches take no inputs and read the captured tensors by their outer names.</summary>
    private static void IfOnnx(IOnnxEmitter e)
    {
        var then = e.Node.Attrs.Get<Subgraph>("then");
        var els = e.Node.Attrs.Get<Subgraph>("else");
        int nt = then.Inputs.Count;
        var specs = e.Node.Outputs.Select(TensorSpec.Of).ToArray();
        var thenArgs = Enumerable.Range(1, nt).Select(e.Input).ToArray();
        var elseArgs = Enumerable.Range(1 + nt, els.Inputs.Count).Select(e.Input).ToArray();
        var thenGraph = e.Graph("then", [], specs, (b, _) => b.Inline(then, thenArgs));
        var elseGraph = e.Graph("else", [], specs, (b, _) => b.Inline(els, elseArgs));
        e.Add("If", [e.Input(0)], [.. Enumerable.Range(0, specs.Length).Select(e.Output)], ("then_branch", thenGraph), ("else_branch", elseGraph));
    }

    private static TensorSpec[] IfInfer(Tensor[] x, Attrs a)
    {
        var then = a.Get<Subgraph>("then");
        var els = a.Get<Subgraph>("else");
        if (x.Length < 1 || x[0].DType != DType.Bool || x[0].Rank != 0)
            throw new ArgumentException($"If: input 0 must be a bool scalar predicate; got {(x.Length == 0 ? "none" : x[0].DType.Name() + x[0].Shape)}.");
        CheckSubgraphArgs("If (then)", then, x.AsSpan(1, Math.Min(then.Inputs.Count, x.Length - 1)));
        if (x.Length != 1 + then.Inputs.Count + els.Inputs.Count)
            throw new ArgumentException($"If: {x.Length} inputs; expected 1 + {then.Inputs.Count} + {els.Inputs.Count}.");
        CheckSubgraphArgs("If (else)", els, x.AsSpan(1 + then.Inputs.Count));
        if (then.Outputs.Count != els.Outputs.Count)
            throw new ArgumentException($"Cond: the true branch returns {then.Outputs.Count} tensors, the false branch {els.Outputs.Count}.");
        var specs = new TensorSpec[then.Outputs.Count];
        for (int i = 0; i < specs.Length; i++)
        {
            var (t, e) = (then.Outputs[i], els.Outputs[i]);
            if (t.DType != e.DType || t.Rank != e.Rank)
                throw new ArgumentException($"Cond: result {i} is {t.DType.Name()}{t.Shape} in the true branch but {e.DType.Name()}{e.Shape} in the false branch; dtypes and ranks must agree.");
            specs[i] = new TensorSpec(MergeShapes(t.Shape, e.Shape), t.DType);
        }
        return specs;
    }

    private static Tensor[] IfCompute(Tensor[] x, Attrs a)
    {
        var then = a.Get<Subgraph>("then");
        int nt = then.Inputs.Count;
        return x[0].Item<bool>()
            ? SubgraphRunner.Run(then, x.AsSpan(1, nt), "Cond")
            : SubgraphRunner.Run(a.Get<Subgraph>("else"), x.AsSpan(1 + nt), "Cond");
    }

    /// <summary>The gradient is another Cond on the same predicate: each branch differentiates its own subgraph
    /// (re-running its forward part) and gives zeros for the other branch's inputs.</summary>
    private static Tensor?[] IfGradient(GradContext c)
    {
        var then = c.Attrs.Get<Subgraph>("then");
        var els = c.Attrs.Get<Subgraph>("else");
        int nt = then.Inputs.Count;
        var thenArgs = c.Inputs[1..(1 + nt)];
        var elseArgs = c.Inputs[(1 + nt)..];
        var grads = Cond(c.X(0),
            () => [.. SubgraphGradients(then, thenArgs, c.OutputGrads), .. elseArgs.Select(ZerosLike)],
            () => [.. thenArgs.Select(ZerosLike), .. SubgraphGradients(els, elseArgs, c.OutputGrads)],
            "cond_grad");
        var result = new Tensor?[c.Inputs.Length];
        for (int i = 1; i < result.Length; i++) result[i] = c.Inputs[i].DType.IsFloating ? grads[i - 1] : null;
        return result;
    }

    /// <summary>Inside a graph being built: the subgraph inlined on <paramref name="args"/>, differentiated with
    /// output gradients <paramref name="outputGrads"/>; zeros for inputs without a gradient.</summary>
    internal static Tensor[] SubgraphGradients(Subgraph sub, IReadOnlyList<Tensor> args, IReadOnlyList<Tensor?> outputGrads)
    {
        var g = Graph.Current ?? throw new InvalidOperationException("SubgraphGradients: needs a graph being built.");
        var inner = args.Select(t => g.Capture(t, "gradient")).ToArray();
        var outs = GraphCopy.Inline(sub.Graph, sub.InputArray, sub.OutputArray, inner, g, "forward");
        var ys = new List<Tensor>();
        var gys = new List<Tensor?>();
        for (int k = 0; k < outs.Length; k++)
        {
            if (!outs[k].DType.IsFloating || outputGrads[k] is not { } d) continue;
            ys.Add(outs[k]);
            gys.Add(g.Capture(d, "gradient"));
        }
        var grads = ys.Count == 0 ? new Tensor?[inner.Length] : Gradients(ys, inner, gys, UnconnectedGradients.Zero);
        return [.. inner.Select((x, i) => grads[i] ?? ZerosLike(x))];
    }

    /// <summary>Traces <paramref name="fn"/> into a graph nested in <paramref name="outer"/>. Returns the subgraph, whose
    /// inputs are placeholders for <paramref name="specs"/> followed by one per captured outer tensor, and the
    /// captured outer tensors. Stateful nodes inside keep program order.</summary>
    internal static (Subgraph Sub, Tensor[] Captures) TraceSubgraph(Graph outer, string name, TensorSpec[] specs, Func<Tensor[], Tensor[]> fn)
    {
        var g = new Graph { Outer = outer, LiftVariables = true };
        g.ChainStatefulNodes();
        Tensor[] ins, outs;
        using (g.AsDefault())
        using (GradientTape.NoGradient())
        {
            ins = new Tensor[specs.Length];
            for (int i = 0; i < specs.Length; i++) ins[i] = Placeholder(specs[i].DType, specs[i].Shape, specs[i].Name ?? $"{name}_in{i}");
            var results = CheckResults(name, fn(ins));
            outs = [.. results.Select(r => g.Capture(r, name))];
        }
        g.NodeAdded = null;
        var caps = g.OuterCaptures;
        return (new Subgraph(g, [.. ins, .. caps.Select(c => c.Inner)], outs), [.. caps.Select(c => c.Outer)]);
    }

    internal static Tensor[] CheckResults(string what, Tensor[]? results)
    {
        if (results is null) throw new InvalidOperationException($"{what}: the function returned null.");
        for (int i = 0; i < results.Length; i++)
            if (results[i] is null) throw new InvalidOperationException($"{what}: result {i} is null.");
        return results;
    }

    private static void CheckSubgraphArgs(string op, Subgraph sub, ReadOnlySpan<Tensor> args)
    {
        if (args.Length < sub.Inputs.Count)
            throw new ArgumentException($"{op}: the subgraph takes {sub.Inputs.Count} inputs; got {args.Length}.");
        for (int i = 0; i < sub.Inputs.Count; i++)
        {
            var p = sub.Inputs[i];
            if (args[i].DType != p.DType || !p.Shape.IsCompatibleWith(args[i].Shape))
                throw new ArgumentException($"{op}: input {i} is {args[i].DType.Name()}{args[i].Shape}; the subgraph's '{p.Name}' is {p.DType.Name()}{p.Shape}.");
        }
    }

    /// <summary>The most specific shape both fit: equal dims kept, differing dims unknown.</summary>
    internal static Shape MergeShapes(Shape a, Shape b)
    {
        var d = new int[a.Rank];
        for (int i = 0; i < d.Length; i++) d[i] = a[i] == b[i] ? a[i] : -1;
        return new Shape(d);
    }
}
