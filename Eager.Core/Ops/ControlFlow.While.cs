using static Eager.Ops;
using static Eager.ControlFlowOps;

namespace Eager;

public static partial class Ops
{
    /// <summary>Repeats <paramref name="body"/> while <paramref name="cond"/> (a bool scalar) is true, at most
    /// <paramref name="maximumIterations"/> times when that is not negative; returns the final loop variables.
    /// The body returns as many tensors as it takes, with the same dtypes; a dimension that changes between
    /// iterations becomes unknown in a graph.</summary>
    /// <exception cref="ArgumentException">The body changes the number, dtypes or ranks of the loop variables, or the condition is not a bool scalar.</exception>
    public static Tensor[] WhileLoop(Func<Tensor[], Tensor> cond, Func<Tensor[], Tensor[]> body, IReadOnlyList<Tensor> loopVars, int maximumIterations = -1, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(loopVars);
        var vars = loopVars.ToArray();
        foreach (var v in vars) ArgumentNullException.ThrowIfNull(v, nameof(loopVars));
        var g = Graph.Current;
        if (g is null)
        {
            for (int i = 0; maximumIterations < 0 || i < maximumIterations; i++)
            {
                var c = cond(vars);
                if (c is null || c.DType != DType.Bool || c.Rank != 0)
                    throw new ArgumentException($"WhileLoop: the condition must return a bool scalar; got {(c is null ? "null" : c.DType.Name() + c.Shape)}.");
                if (!c.Item<bool>()) break;
                vars = CheckBody(vars, CheckResults("WhileLoop body", body(vars)), eager: true);
            }
            return vars;
        }
        var specs = vars.Select(TensorSpec.Of).ToArray();
        var (bodySub, bodyCaps) = TraceSubgraph(g, "body", specs, body);
        CheckBody(vars, bodySub.OutputArray, eager: false);
        var relaxed = specs.Select((s, i) => new TensorSpec(MergeShapes(s.Shape, bodySub.OutputArray[i].Shape), s.DType)).ToArray();
        if (!relaxed.SequenceEqual(specs))
        {
            // A dimension changed across one iteration: trace again with it unknown.
            specs = relaxed;
            (bodySub, bodyCaps) = TraceSubgraph(g, "body", specs, body);
            for (int i = 0; i < specs.Length; i++)
                if (!specs[i].Shape.IsCompatibleWith(bodySub.OutputArray[i].Shape) || bodySub.OutputArray[i].DType != specs[i].DType)
                    throw new ArgumentException($"WhileLoop: loop variable {i} is {specs[i].DType.Name()}{specs[i].Shape} but the body returns {bodySub.OutputArray[i].DType.Name()}{bodySub.OutputArray[i].Shape}.");
        }
        var (condSub, condCaps) = TraceSubgraph(g, "cond", specs, v => [cond(v)]);
        var attrs = new Attrs { { "cond", condSub }, { "body", bodySub }, { "loopVars", vars.Length }, { "maximumIterations", maximumIterations } };
        return Dispatcher.Apply(WhileDef, [.. vars, .. condCaps, .. bodyCaps], attrs, name ?? "while");
    }

    /// <summary>One loop variable: <c>WhileLoop(v =&gt; v &lt; 10, v =&gt; v * 2, x)</c>.</summary>
    public static Tensor WhileLoop(Func<Tensor, Tensor> cond, Func<Tensor, Tensor> body, Tensor loopVar, int maximumIterations = -1, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(body);
        return WhileLoop(v => cond(v[0]), v => [body(v[0])], [loopVar], maximumIterations, name)[0];
    }
}

internal static partial class ControlFlowOps
{
    internal const string WhileName = "While";
    internal static readonly OpDef WhileDef = new(WhileName, WhileInfer, WhileCompute) { Onnx = WhileOnnx, Gradient = WhileGradient, IsStateful = true };

    /// <summary>
    /// ONNX's Loop with the condition carried: Loop runs its body while the condition it was given is true, and the
    /// body returns the next condition. So the condition runs once before the loop on the initial variables, and the
    /// Loop body is our body followed by our condition on its results. maximumIterations, when set, is the trip count.
    /// </summary>
    private static void WhileOnnx(IOnnxEmitter e)
    {
        var (n, cond, body, nc, nb, max) = WhileParts(e.Node.Attrs);
        var vars = Enumerable.Range(0, n).Select(e.Input).ToArray();
        var condCaps = Enumerable.Range(n, nc).Select(e.Input).ToArray();
        var bodyCaps = Enumerable.Range(n + nc, nb).Select(e.Input).ToArray();
        var first = e.Inline(cond, [.. vars, .. condCaps])[0];
        var flag = new TensorSpec(Shape.Scalar, DType.Bool);
        var specs = e.Node.Outputs.Select(TensorSpec.Of).ToArray();
        var loopBody = e.Graph("body", [new TensorSpec(Shape.Scalar, DType.Int64), flag, .. specs], [flag, .. specs], (b, formal) =>
        {
            var next = b.Inline(body, [.. formal[2..], .. bodyCaps]);
            return [b.Inline(cond, [.. next, .. condCaps])[0], .. next];
        });
        var trip = max >= 0 ? e.Constant(Tensor.Scalar((long)max), "maximum_iterations") : "";
        e.Add("Loop", [trip, first, .. vars], [.. Enumerable.Range(0, n).Select(e.Output)], ("body", loopBody));
    }

    internal const string WhileGradName = "WhileGrad";
    // Runs the loop forward again, keeping every iteration's loop variables, then the body's gradient backwards.
    internal static readonly OpDef WhileGradDef = new(WhileGradName, WhileGradInfer, WhileGradCompute) { NoOnnx = OnnxMap.BackwardOnly, IsStateful = true };

    internal static Tensor[] CheckBody(Tensor[] vars, Tensor[] next, bool eager)
    {
        if (next.Length != vars.Length)
            throw new ArgumentException($"WhileLoop: the body takes {vars.Length} loop variables but returns {next.Length}.");
        for (int i = 0; i < vars.Length; i++)
        {
            if (next[i].DType != vars[i].DType || next[i].Rank != vars[i].Rank)
                throw new ArgumentException($"WhileLoop: loop variable {i} is {vars[i].DType.Name()}{vars[i].Shape} but the body returns {next[i].DType.Name()}{next[i].Shape}; dtype and rank must stay the same.");
            if (eager && next[i].IsSymbolic) throw new ArgumentException($"WhileLoop: the body returned the graph tensor '{next[i].Name}' while running eagerly.");
        }
        return next;
    }

    private static (int N, Subgraph Cond, Subgraph Body, int Nc, int Nb, int Max) WhileParts(Attrs a)
    {
        var cond = a.Get<Subgraph>("cond");
        var body = a.Get<Subgraph>("body");
        int n = a.Int("loopVars");
        if (n < 0 || n > cond.Inputs.Count || n > body.Inputs.Count)
            throw new ArgumentException($"While: loopVars={n} does not fit subgraphs of {cond.Inputs.Count} and {body.Inputs.Count} inputs.");
        return (n, cond, body, cond.Inputs.Count - n, body.Inputs.Count - n, a.Int("maximumIterations"));
    }

    private static TensorSpec[] WhileInfer(Tensor[] x, Attrs a)
    {
        var (n, cond, body, nc, nb, _) = WhileParts(a);
        if (x.Length != n + nc + nb) throw new ArgumentException($"While: {x.Length} inputs; expected {n} loop variables + {nc} + {nb} captured tensors.");
        if (cond.Outputs.Count != 1 || cond.Outputs[0].DType != DType.Bool || cond.Outputs[0].Rank != 0)
            throw new ArgumentException("While: the condition subgraph must return one bool scalar.");
        if (body.Outputs.Count != n) throw new ArgumentException($"While: the body returns {body.Outputs.Count} tensors for {n} loop variables.");
        CheckSubgraphArgs("While (cond)", cond, [.. x[..n], .. x[n..(n + nc)]]);
        CheckSubgraphArgs("While (body)", body, [.. x[..n], .. x[(n + nc)..]]);
        var specs = new TensorSpec[n];
        for (int i = 0; i < n; i++)
        {
            var p = body.Inputs[i];
            var o = body.Outputs[i];
            if (o.DType != p.DType || !p.Shape.IsCompatibleWith(o.Shape) || !cond.Inputs[i].Shape.IsCompatibleWith(p.Shape))
                throw new ArgumentException($"While: loop variable {i} is {p.DType.Name()}{p.Shape} but the body returns {o.DType.Name()}{o.Shape}.");
            specs[i] = new TensorSpec(p.Shape, p.DType);
        }
        return specs;
    }

    private static Tensor[] WhileCompute(Tensor[] x, Attrs a) => RunLoop(x, a, null);

    /// <summary>Runs the loop on concrete inputs; <paramref name="states"/>, when given, receives the loop variables
    /// before each run of the body.</summary>
    private static Tensor[] RunLoop(Tensor[] x, Attrs a, List<Tensor[]>? states)
    {
        var (n, cond, body, nc, _, max) = WhileParts(a);
        var vars = x[..n];
        var condCaps = x[n..(n + nc)];
        var bodyCaps = x[(n + nc)..];
        for (int i = 0; max < 0 || i < max; i++)
        {
            if (!SubgraphRunner.Run(cond, [.. vars, .. condCaps], "WhileLoop (cond)")[0].Item<bool>()) break;
            states?.Add(vars);
            vars = SubgraphRunner.Run(body, [.. vars, .. bodyCaps], "WhileLoop (body)");
        }
        return vars;
    }

    private static Tensor?[] WhileGradient(GradContext c)
    {
        var (n, _, body, nc, nb, _) = WhileParts(c.Attrs);
        var dys = new Tensor[n];
        for (int i = 0; i < n; i++) dys[i] = c.OutputGrads[i] ?? ZerosLike(c.Outputs[i]);
        var g = Graph.Current ?? throw new InvalidOperationException("While: its gradient is built in a graph.");
        // The body's gradient as a subgraph: (loop vars, captures, d loop vars after) -> (d loop vars before, d captures).
        var gradSpecs = body.InputArray.Select(TensorSpec.Of).Concat(body.InputArray[..n].Select(TensorSpec.Of)).ToArray();
        var (bodyGrad, caps) = TraceSubgraph(g, "body_grad", gradSpecs, args =>
            SubgraphGradients(body, args[..body.Inputs.Count], args[body.Inputs.Count..]));
        if (caps.Length != 0) throw new InvalidOperationException("While: the body's gradient captured outer tensors; the body subgraph should be closed.");
        var attrs = c.Attrs.With("bodyGrad", bodyGrad);
        var outs = Dispatcher.Apply(WhileGradDef, [.. c.Inputs, .. dys], attrs, "while_grad");
        var result = new Tensor?[c.Inputs.Length];
        for (int i = 0; i < n; i++) result[i] = c.Inputs[i].DType.IsFloating ? outs[i] : null;
        for (int j = 0; j < nb; j++) result[n + nc + j] = c.Inputs[n + nc + j].DType.IsFloating ? outs[n + j] : null;
        return result;
    }

    private static TensorSpec[] WhileGradInfer(Tensor[] x, Attrs a)
    {
        var (n, _, body, nc, nb, _) = WhileParts(a);
        var bodyGrad = a.Get<Subgraph>("bodyGrad");
        if (x.Length != n + nc + nb + n) throw new ArgumentException($"WhileGrad: {x.Length} inputs; expected {2 * n + nc + nb}.");
        WhileInfer(x[..(n + nc + nb)], a);
        if (bodyGrad.Inputs.Count != body.Inputs.Count + n || bodyGrad.Outputs.Count != body.Inputs.Count)
            throw new ArgumentException("WhileGrad: the body gradient subgraph does not match the body.");
        return [.. body.InputArray.Select(TensorSpec.Of)];
    }

    private static Tensor[] WhileGradCompute(Tensor[] x, Attrs a)
    {
        var (n, _, _, nc, nb, _) = WhileParts(a);
        var bodyGrad = a.Get<Subgraph>("bodyGrad");
        var states = new List<Tensor[]>();
        RunLoop(x[..(n + nc + nb)], a, states);
        var bodyCaps = x[(n + nc)..(n + nc + nb)];
        var dv = x[(n + nc + nb)..];
        var dcaps = bodyCaps.Select(ZerosLike).ToArray();
        for (int i = states.Count - 1; i >= 0; i--)
        {
            var r = SubgraphRunner.Run(bodyGrad, [.. states[i], .. bodyCaps, .. dv], "WhileLoop (gradient)");
            dv = r[..n];
            for (int j = 0; j < nb; j++)
                if (dcaps[j].DType.IsFloating) dcaps[j] = Add(dcaps[j], r[n + j]);
        }
        return [.. dv, .. dcaps];
    }
}
