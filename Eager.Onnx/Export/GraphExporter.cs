using Eager.Onnx.Proto;

namespace Eager.Onnx.Export;

/// <summary>
/// Turns an Eager graph (inputs, outputs) into an ONNX GraphProto. Each node maps itself through its
/// op's <see cref="OpDef.Onnx"/> function; nodes without a mapping are named in a clear error.
/// Constants and variables become initializers; unknown dims become symbolic dims.
/// </summary>
internal sealed class GraphExporter
{
    private readonly GraphProto graph = new();
    private readonly HashSet<string> used = new(StringComparer.Ordinal);
    private readonly int opset;

    public GraphExporter(int opset) => this.opset = opset;

    public GraphProto Export(Graph g, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyList<string>? inputNames, string graphName)
    {
        graph.Name = graphName;
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            var t = inputs[i];
            var name = Unique(inputNames?[i] ?? t.Node?.Name ?? $"input_{i}");
            names[t] = name;
            graph.Input.Add(ValueInfo(name, t.Shape, t.DType, $"N{i}"));
        }
        EmitNodes(graph, names, g, outputs);
        for (int i = 0; i < outputs.Count; i++)
        {
            var t = outputs[i];
            var outName = Unique($"output_{i}");
            graph.Node.Add(new NodeProto { OpType = "Identity", Name = outName + "_identity", Input = { NameOf(names, t) }, Output = { outName } });
            graph.Output.Add(ValueInfo(outName, t.Shape, t.DType, $"M{i}"));
        }
        return graph;
    }

    /// <summary>Writes the nodes of <paramref name="g"/> that <paramref name="outputs"/> need into <paramref name="target"/>;
    /// tensors already in <paramref name="names"/> (inputs) are not written.</summary>
    private void EmitNodes(GraphProto target, Dictionary<Tensor, string> names, Graph g, IReadOnlyList<Tensor> outputs)
    {
        var needed = Needed(outputs);
        foreach (var node in g.Nodes)
        {
            if (!needed.Contains(node)) continue;
            if (node.Outputs.All(names.ContainsKey)) continue; // an input
            var map = node.Op.Onnx ?? throw new NotSupportedException(
                $"ONNX export: op '{node.Op.Name}' (node '{node.Name}') has no ONNX mapping: {node.Op.NoOnnx}.");
            map(new Emitter(this, target, names, node));
        }
    }

    private static HashSet<Node> Needed(IReadOnlyList<Tensor> outputs)
    {
        var seen = new HashSet<Node>();
        var stack = new Stack<Node>(outputs.Select(o => o.Node ?? throw new ArgumentException("ONNX export: outputs must be graph tensors.")));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n)) continue;
            foreach (var i in n.Inputs) stack.Push(i.Node!);
        }
        return seen;
    }

    private static string NameOf(Dictionary<Tensor, string> names, Tensor t) => names.TryGetValue(t, out var n) ? n
        : throw new InvalidOperationException($"ONNX export: tensor '{t.Name}' was used before it was defined.");

    /// <summary>A value name unused anywhere in the model: ONNX names are unique across a graph and its nested graphs.</summary>
    internal string Unique(string hint)
    {
        var baseName = new string(hint.Select(c => char.IsLetterOrDigit(c) || c is '_' or '/' or '.' or ':' ? c : '_').ToArray());
        if (used.Add(baseName)) return baseName;
        for (int i = 1; ; i++) if (used.Add($"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    /// <summary>A typed value. In the main graph an unknown dim gets a symbolic name (a batch size stays free); in a
    /// nested graph it stays anonymous, since equal names would tell a runtime that dims of different scopes agree.</summary>
    private static ValueInfoProto ValueInfo(string name, Shape s, DType dtype, string? symbolPrefix)
    {
        var type = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ElemType(dtype) };
        if (!s.IsUnknownRank)
        {
            var shape = new TensorShapeProto();
            for (int d = 0; d < s.Rank; d++)
            {
                var dim = s[d];
                shape.Dim.Add(dim >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = dim }
                    : symbolPrefix is null ? new TensorShapeProto.Types.Dimension()
                    : new TensorShapeProto.Types.Dimension { DimParam = d == 0 ? "batch" : $"{symbolPrefix}_{d}" });
            }
            type.Shape = shape;
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } };
    }

    /// <summary>Writes one node's ONNX nodes into <paramref name="target"/> (the main graph or a nested one); initializers
    /// always go to the main graph, where every nested graph can read them.</summary>
    private sealed class Emitter(GraphExporter owner, GraphProto target, Dictionary<Tensor, string> names, Node node) : IOnnxEmitter
    {
        public Node Node => node;

        public int Opset => owner.opset;

        public string Input(int i) => NameOf(names, node.Inputs[i]);

        public string Output(int i)
        {
            var t = node.Outputs[i];
            if (!names.TryGetValue(t, out var n)) names[t] = n = owner.Unique(node.Outputs.Length == 1 ? node.Name : $"{node.Name}_{i}");
            return n;
        }

        public string Constant(Tensor value, string hint)
        {
            var name = owner.Unique($"{node.Name}/{hint}");
            owner.graph.Initializer.Add(OnnxTensors.ToProto(value, name));
            return name;
        }

        public void Initializer(int output, Tensor value, string hint)
        {
            var name = owner.Unique(hint);
            names[node.Outputs[output]] = name;
            owner.graph.Initializer.Add(OnnxTensors.ToProto(value, name));
        }

        public string Temp(string hint) => owner.Unique($"{node.Name}/{hint}");

        public void Add(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
        {
            var p = new NodeProto { OpType = opType, Name = owner.Unique($"{node.Name}/{opType}") };
            p.Input.AddRange(inputs);
            p.Output.AddRange(outputs);
            foreach (var (name, value) in attributes) p.Attribute.Add(Attribute(name, value));
            target.Node.Add(p);
        }

        public string[] Inline(Subgraph sub, IReadOnlyList<string> inputs)
        {
            ArgumentNullException.ThrowIfNull(sub);
            ArgumentNullException.ThrowIfNull(inputs);
            if (inputs.Count != sub.Inputs.Count)
                throw new ArgumentException($"ONNX export of '{node.Name}': the subgraph takes {sub.Inputs.Count} inputs; got {inputs.Count} names.");
            // A scope of its own: the same subgraph may be written more than once (a loop's condition before and inside the loop).
            var inner = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < inputs.Count; i++) inner[sub.Inputs[i]] = inputs[i];
            owner.EmitNodes(target, inner, sub.Graph, sub.Outputs);
            return [.. sub.Outputs.Select(t => NameOf(inner, t))];
        }

        public OnnxSubgraph Graph(string hint, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, Func<IOnnxEmitter, string[], string[]> build)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(build);
            var proto = new GraphProto { Name = owner.Unique($"{node.Name}/{hint}") };
            var formal = new string[inputs.Count];
            for (int i = 0; i < formal.Length; i++)
            {
                formal[i] = owner.Unique($"{node.Name}/{hint}_in{i}");
                proto.Input.Add(ValueInfo(formal[i], inputs[i].Shape, inputs[i].DType, null));
            }
            var results = build(new Emitter(owner, proto, names, node), formal);
            if (results.Length != outputs.Count)
                throw new InvalidOperationException($"ONNX export of '{node.Name}': the nested graph '{hint}' returned {results.Length} values for {outputs.Count} outputs.");
            for (int i = 0; i < results.Length; i++)
            {
                // A fresh name made inside: an output may be an outer value or an input, which a graph output cannot name.
                var outName = owner.Unique($"{node.Name}/{hint}_out{i}");
                proto.Node.Add(new NodeProto { OpType = "Identity", Name = outName + "_identity", Input = { results[i] }, Output = { outName } });
                proto.Output.Add(ValueInfo(outName, outputs[i].Shape, outputs[i].DType, null));
            }
            return new OnnxSubgraph(proto);
        }
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case bool b: a.Type = AttributeProto.Types.AttributeType.Int; a.I = b ? 1 : 0; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = Google.Protobuf.ByteString.CopyFromUtf8(s); break;
            case int[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints.Select(x => (long)x)); break;
            case long[] longs: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(longs); break;
            case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
            case Tensor t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = OnnxTensors.ToProto(t, name); break;
            case OnnxSubgraph { Proto: GraphProto g }: a.Type = AttributeProto.Types.AttributeType.Graph; a.G = g; break;
            default: throw new ArgumentException($"ONNX attribute '{name}': unsupported value type {value.GetType().Name}.");
        }
        return a;
    }
}
