using static Eager.Ops;
using static Eager.GradientOps;

namespace Eager;

/// <summary>Symbolic differentiation of a graph (TensorFlow 1's tf.gradients), from the same gradient rules as the tape.</summary>
public static partial class Ops
{
    /// <summary>d y / d xs as new graph nodes: the gradient of sum(y) (or of sum(y * gradY) when given).
    /// A tensor read from a variable stands for the variable: the result sums over every read of it.
    /// An x that y does not depend on gets null (or zeros with <see cref="UnconnectedGradients.Zero"/>).</summary>
    /// <exception cref="ArgumentException">A tensor is concrete, or the tensors belong to different graphs.</exception>
    public static Tensor?[] Gradients(Tensor y, IReadOnlyList<Tensor> xs, Tensor? gradY = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(y);
        return Gradients([y], xs, gradY is null ? null : [gradY], unconnected);
    }

    /// <summary>d y / d variables as new graph nodes (summed over every read of each variable).</summary>
    public static Tensor?[] Gradients(Tensor y, IReadOnlyList<Variable> xs, Tensor? gradY = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(xs);
        var g = y.Graph ?? throw new ArgumentException("Gradients: y is a concrete (eager) tensor; use a GradientTape for eager gradients.");
        using (g.AsDefault())
            return Gradients([y], [.. xs.Select(v => ReadVariable(v))], gradY is null ? null : [gradY], unconnected);
    }

    /// <summary>Gradients of sum over ys (weighted by gradYs) with respect to each of xs, built as graph nodes.</summary>
    /// <exception cref="ArgumentException">A tensor is concrete, belongs to another graph, or a gradY does not match its y.</exception>
    public static Tensor?[] Gradients(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor?>? gradYs = null, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(xs);
        if (ys.Count == 0) throw new ArgumentException("Gradients: ys is empty.");
        if (gradYs is not null && gradYs.Count != ys.Count)
            throw new ArgumentException($"Gradients: {ys.Count} ys but {gradYs.Count} gradYs.");
        var g = ys[0].Graph ?? throw new ArgumentException("Gradients: ys[0] is a concrete (eager) tensor; use a GradientTape for eager gradients.");
        foreach (var t in ys.Concat(xs))
        {
            ArgumentNullException.ThrowIfNull(t, nameof(xs));
            if (t.Graph != g)
                throw new ArgumentException($"Gradients: tensor {(t.IsSymbolic ? "'" + t.Name + "'" : "(concrete)")} is not in the graph of ys[0]; all ys and xs must be tensors of one graph.");
        }
        var nodes = g.Nodes;
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;

        // Sources: each x, or for a variable read every read of that variable.
        var sourcesOf = new List<Tensor>[xs.Count];
        var sources = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < xs.Count; i++)
        {
            var x = xs[i];
            var list = new List<Tensor>();
            if (x.Node!.Op == StateOps.ReadVariableDef)
            {
                var v = x.Node.Attrs.Get<Variable>("variable");
                foreach (var n in nodes)
                    if (n.Op == StateOps.ReadVariableDef && ReferenceEquals(n.Attrs.Get<Variable>("variable"), v)) list.Add(n.Outputs[0]);
            }
            else list.Add(x);
            sourcesOf[i] = list;
            sources.UnionWith(list);
        }

        // Nodes between the sources and ys: reached forward from a source and backward from a y.
        var forward = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var n in nodes)
            if (n.Inputs.Any(t => sources.Contains(t) || forward.Contains(t.Node!))) forward.Add(n);
        var backward = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>(ys.Select(t => t.Node!));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!backward.Add(n)) continue;
            foreach (var t in n.Inputs) stack.Push(t.Node!);
        }
        var between = forward.Where(backward.Contains).OrderByDescending(n => position[n]).ToList();

        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using var scope = Graph.Current == g ? null : g.AsDefault();
        using var names = g.NameScope("gradients");
        for (int i = 0; i < ys.Count; i++)
        {
            var y = ys[i];
            if (!y.DType.IsFloating) continue;
            var seed = gradYs?[i];
            if (seed is not null && (seed.DType != y.DType || !seed.Shape.IsCompatibleWith(y.Shape)))
                throw new ArgumentException($"Gradients: gradYs[{i}] is {seed.DType.Name()}{seed.Shape}; y '{y.Name}' is {y.DType.Name()}{y.Shape}.");
            seed ??= OnesLike(y);
            grads[y] = grads.TryGetValue(y, out var prev) ? Add(prev, seed) : seed;
        }
        foreach (var n in between) Backpropagate(n, grads, sources, forward);

        var result = new Tensor?[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            if (!xs[i].DType.IsFloating) continue;
            Tensor? sum = null;
            foreach (var s in sourcesOf[i])
                if (grads.TryGetValue(s, out var gs)) sum = sum is null ? gs : Add(sum, gs);
            if (sum is null && unconnected == UnconnectedGradients.Zero) sum = ZerosLike(xs[i]);
            result[i] = sum;
        }
        return result;
    }
}

internal static partial class GradientOps
{
    /// <summary>Applies one node's gradient rule and adds the input gradients into <paramref name="grads"/>.</summary>
    internal static void Backpropagate(Node n, Dictionary<Tensor, Tensor> grads, HashSet<Tensor> sources, HashSet<Node> forward)
    {
        if (n.Op.Gradient is null) return;
        Tensor?[]? outGrads = null;
        for (int k = 0; k < n.Outputs.Length; k++)
        {
            if (!grads.TryGetValue(n.Outputs[k], out var gk)) continue;
            outGrads ??= new Tensor?[n.Outputs.Length];
            outGrads[k] = gk;
        }
        if (outGrads is null) return;
        // Inputs no source feeds need no gradient: the rule may skip them (and the graph stays smaller).
        ulong needed = 0;
        for (int i = 0; i < n.Inputs.Length; i++)
            if (sources.Contains(n.Inputs[i]) || forward.Contains(n.Inputs[i].Node!)) needed |= 1UL << Math.Min(i, 63);
        var inGrads = n.Op.Gradient(new GradContext(n.Op, n.Inputs, n.Attrs, n.Outputs, outGrads, needed));
        if (inGrads.Length != n.Inputs.Length)
            throw new InvalidOperationException($"Gradients: the rule of {n.Op.Name} (node '{n.Name}') returned {inGrads.Length} gradients for {n.Inputs.Length} inputs.");
        for (int i = 0; i < inGrads.Length; i++)
        {
            var gi = inGrads[i];
            var x = n.Inputs[i];
            if (gi is null || !x.DType.IsFloating) continue;
            if (gi.DType != x.DType || !gi.Shape.IsCompatibleWith(x.Shape))
                throw new InvalidOperationException($"Gradients: the rule of {n.Op.Name} (node '{n.Name}') gave a {gi.DType.Name()}{gi.Shape} gradient for input {i} of {x.DType.Name()}{x.Shape}.");
            grads[x] = grads.TryGetValue(x, out var prev) ? Add(prev, gi) : gi;
        }
    }
}
