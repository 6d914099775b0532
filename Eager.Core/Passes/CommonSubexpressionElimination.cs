using System.Globalization;

namespace Eager;

/// <summary>
/// Merges nodes that compute the same thing: the same op with equal attributes on the same inputs (inputs of
/// commutative ops in either order) and the same control inputs. Small constants with equal dtype, shape and
/// values are merged too, so repeated scalars (x * 2 in two places) become one. Stateful nodes are never merged:
/// two reads of a variable or two random draws are different values.
/// </summary>
public sealed class CommonSubexpressionElimination : GraphPass
{
    /// <summary>Constants with at most this many elements are compared by value.</summary>
    public int MaxConstantElements { get; init; } = 64;

    private static readonly HashSet<string> Commutative = new(StringComparer.Ordinal)
    {
        MathOps.AddName, MathOps.MultiplyName, MathOps.MaximumName, MathOps.MinimumName, MathOps.SquaredDifferenceName,
        CompareOps.EqualName, CompareOps.NotEqualName, CompareOps.LogicalAndName, CompareOps.LogicalOrName,
    };

    /// <inheritdoc/>
    public override string Name => "CommonSubexpressionElimination";

    /// <inheritdoc/>
    public override Graph Run(Graph graph, PassContext context, out bool changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var seen = new Dictionary<Key, Node>();
        return GraphRebuild.Rewrite(graph, context, (rb, n, inputs) =>
        {
            if (!Mergeable(n, context)) return false;
            var controls = rb.MapControls(n);
            var key = new Key(n.Op, Canonical(n.Op, inputs), controls, n.Attrs, ConstantText(n));
            if (seen.TryGetValue(key, out var first) && first.Outputs.Length == n.Outputs.Length)
            {
                context.Note(Name, $"merged '{n.Name}' into '{first.Name}' ({n.Op.Name})");
                rb.Replace(n, first.Outputs);
                return true;
            }
            seen[key] = rb.Copy(n, inputs, controls);
            return true;
        }, out changed);
    }

    private bool Mergeable(Node n, PassContext context)
    {
        if (n.Op.IsStateful || n.Op == GraphOps.PlaceholderDef || n.Outputs.Length == 0) return false;
        // A kept node with several outputs cannot become an Identity of another.
        if (context.IsKept(n) && n.Outputs.Length != 1) return false;
        if (n.Op == StateOps.ConstDef) return ConstantText(n) is not null;
        foreach (var kv in n.Attrs) if (kv.Value is Subgraph) return false;
        return true;
    }

    private static Tensor[] Canonical(OpDef op, Tensor[] inputs)
    {
        if (inputs.Length != 2 || !Commutative.Contains(op.Name)) return inputs;
        var (a, b) = (inputs[0], inputs[1]);
        return Order(a) <= Order(b) ? inputs : [b, a];
    }

    private static long Order(Tensor t) => ((long)t.Node!.Id << 16) + t.OutputIndex;

    /// <summary>A small constant's dtype, shape and exact values as text (the merge key); null for other nodes.</summary>
    private string? ConstantText(Node n)
    {
        if (n.Op != StateOps.ConstDef) return null;
        var v = n.Attrs.Get<Tensor>("value");
        if (v.Shape.Size > MaxConstantElements) return null;
        // "R" round-trips, and -0 and NaN payloads stay apart as their bits.
        var bits = v.ToDoubleArray().Select(d => BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture));
        return $"{v.DType.Name()}{v.Shape}:{string.Join(",", bits)}";
    }

    /// <summary>What makes two nodes the same computation.</summary>
    private sealed class Key(OpDef op, Tensor[] inputs, Node[] controls, Attrs attrs, string? constant) : IEquatable<Key>
    {
        private readonly int hash = Hash(op, inputs, controls, attrs, constant);

        private OpDef Op => op;

        private Tensor[] Inputs => inputs;

        private Node[] Controls => controls;

        private Attrs Attrs => attrs;

        private string? Constant => constant;

        public bool Equals(Key? other)
        {
            if (other is null || other.hash != hash || other.Op != op || other.Constant != constant) return false;
            if (!inputs.AsSpan().SequenceEqual(other.Inputs, ReferenceEqualityComparer.Instance)) return false;
            if (controls.Length != other.Controls.Length || controls.Except(other.Controls, ReferenceEqualityComparer.Instance).Any()) return false;
            // Constants compared by value need not hold the same tensor object.
            return constant is not null || attrs.Equals(other.Attrs);
        }

        public override bool Equals(object? obj) => Equals(obj as Key);

        public override int GetHashCode() => hash;

        private static int Hash(OpDef op, Tensor[] inputs, Node[] controls, Attrs attrs, string? constant)
        {
            var h = new HashCode();
            h.Add(op.Name);
            foreach (var t in inputs) h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t));
            h.Add(controls.Length);
            h.Add(constant);
            if (constant is null)
                foreach (var kv in attrs) h.Add(kv.Key);
            return h.ToHashCode();
        }
    }
}
