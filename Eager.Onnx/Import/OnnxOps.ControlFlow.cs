using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>ONNX's If and Loop onto Ops.Cond and Ops.WhileLoop: run on concrete values they are C# branches and loops,
/// traced they become If and While nodes whose subgraphs capture the outer values the ONNX graphs read by name.</summary>
internal static partial class OnnxOps
{
    private static void AddControlFlow(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["If"] = If;
        h["Loop"] = Loop;
    }

    private static Tensor[] If(ImportContext c)
    {
        var pred = Flag(c, 0, "cond");
        var then = c.GraphAttr("then_branch");
        var els = c.GraphAttr("else_branch");
        if (then.Input.Count != 0 || els.Input.Count != 0)
            throw new InvalidDataException($"ONNX If node '{c.Node.Name}': its branches must take no inputs; then_branch takes {then.Input.Count}, else_branch {els.Input.Count}.");
        if (then.Output.Count != els.Output.Count || then.Output.Count != c.Node.Output.Count)
            throw new InvalidDataException($"ONNX If node '{c.Node.Name}': then_branch returns {then.Output.Count} values and else_branch {els.Output.Count}, for {c.Node.Output.Count} outputs.");
        return Ops.Cond(pred, () => c.RunGraph(then, []), () => c.RunGraph(els, []));
    }

    /// <summary>
    /// Loop(M, cond, v...) runs body(i, cond, v...) -> (cond, v..., scans...) while i &lt; M and cond. As a WhileLoop its
    /// variables are (i, cond, v..., one accumulator per scan output), each accumulator growing by a row per iteration.
    /// </summary>
    private static Tensor[] Loop(ImportContext c)
    {
        var body = c.GraphAttr("body");
        var trip = c.Opt(0) is { } m ? Count(c, m) : null;
        var cond = c.Opt(1) is not null ? Flag(c, 1, "cond") : null;
        int n = Math.Max(c.Inputs.Length - 2, 0);
        var initial = Enumerable.Range(2, n).Select(c.In).ToArray();
        int scans = body.Output.Count - 1 - n;
        if (body.Input.Count != 2 + n || scans < 0)
            throw new InvalidDataException($"ONNX Loop node '{c.Node.Name}': {n} loop-carried values need a body of {2 + n} inputs (iteration, condition, values) and at least {1 + n} outputs; the body has {body.Input.Count} and {body.Output.Count}.");
        if (c.Node.Output.Count > n + scans)
            throw new InvalidDataException($"ONNX Loop node '{c.Node.Name}': {c.Node.Output.Count} outputs, but the body gives {n} loop-carried values and {scans} scan outputs.");
        if (trip is null && cond is null)
            throw c.Unsupported("a Loop with neither a trip count nor a condition (it would never end)");
        var start = new[] { Tensor.Scalar(0L), cond ?? Tensor.Scalar(true) };

        Tensor[] Step(Tensor[] s)
        {
            var r = c.RunGraph(body, s[..(2 + n)]);
            for (int k = 0; k < n; k++)
                if (r[1 + k].DType != s[2 + k].DType)
                    throw new InvalidDataException($"ONNX Loop node '{c.Node.Name}': loop-carried value {k} enters the body as {s[2 + k].DType.Name()} but leaves it as {r[1 + k].DType.Name()}.");
            // Without a condition input the body's condition output is ignored.
            var go = cond is null ? s[1] : Flag(c, r[0], "the body's condition output");
            var grown = Enumerable.Range(0, scans).Select(j => Ops.Concat([s[2 + n + j], Ops.ExpandDims(r[1 + n + j], 0)], 0));
            return [Ops.Add(s[0], Tensor.Scalar(1L)), go, .. r[1..(1 + n)], .. grown];
        }

        Tensor Continue(Tensor[] s)
        {
            if (trip is null) return s[1];
            var within = Ops.Less(s[0], trip);
            return cond is null ? within : Ops.LogicalAnd(within, s[1]);
        }

        Tensor[] vars = [.. start, .. initial, .. ScanRows(c, body, [.. start, .. initial], n, scans)];
        var final = Ops.WhileLoop(Continue, Step, vars);
        return [.. final[2..].Take(c.Node.Output.Count)];
    }

    /// <summary>An empty [0, ...] accumulator per scan output. The shape of one row comes from the body traced once on
    /// placeholders in a scratch graph (outer graph tensors replaced by placeholders too), so nothing is left behind.</summary>
    private static Tensor[] ScanRows(ImportContext c, GraphProto body, Tensor[] first, int n, int scans)
    {
        if (scans == 0) return [];
        var stand = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        Tensor Stand(Tensor t) => !t.IsSymbolic ? t
            : stand.TryGetValue(t, out var p) ? p : stand[t] = Ops.Placeholder(t.DType, t.Shape);
        Tensor[] rows;
        var scratch = new Graph();
        using (scratch.AsDefault())
            rows = c.RunGraph(body, [.. first.Select(Stand)], Stand)[(1 + n)..];
        return [.. rows.Select((r, j) => r.Shape.IsUnknownRank || r.Shape.Any(d => d < 0)
            ? throw c.Unsupported($"scan output {j} ('{body.Output[1 + n + j].Name}'), whose rows are {r.DType.Name()}{r.Shape} with dimensions known only at run time,")
            : Tensor.Zeros(new Shape([0, .. r.Shape]), r.DType))];
    }

    /// <summary>A bool scalar from a one-element bool tensor (ONNX allows rank 1 for If's and Loop's conditions).</summary>
    private static Tensor Flag(ImportContext c, int input, string what) => Flag(c, c.In(input), what);

    private static Tensor Flag(ImportContext c, Tensor t, string what)
    {
        if (t.DType != DType.Bool || t.Shape.IsUnknownRank || t.Shape.Any(d => d != 1 && d != -1))
            throw new InvalidDataException($"ONNX {c.Node.OpType} node '{c.Node.Name}': {what} must be a one-element bool tensor; got {t.DType.Name()}{t.Shape}.");
        return t.Rank == 0 ? t : Ops.Reshape(t, []);
    }

    private static Tensor Count(ImportContext c, Tensor t)
    {
        if (t.DType != DType.Int64 || t.Shape.IsUnknownRank || t.Shape.Any(d => d != 1 && d != -1))
            throw new InvalidDataException($"ONNX Loop node '{c.Node.Name}': the trip count must be a one-element int64 tensor; got {t.DType.Name()}{t.Shape}.");
        return t.Rank == 0 ? t : Ops.Reshape(t, []);
    }
}
