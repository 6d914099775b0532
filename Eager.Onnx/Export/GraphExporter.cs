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
    private readonly Dictionary<Tensor, string> names = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);
    private readonly int opset;

    public GraphExporter(int opset) => this.opset = opset;

    public GraphProto Export(Graph g, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyList<string>? inputNames, string graphName)
    {
        graph.Name = graphName;
        for (int i = 0; i < inputs.Count; i++)
        {
            var t = inputs[i];
            var name = Unique(inputNames?[i] ?? t.Node?.Name ?? $"input_{i}");
            names[t] = name;
            graph.Input.Add(ValueInfo(name, t, $"N{i}"));
        }
        var needed = Needed(outputs);
        foreach (var node in g.Nodes)
        {
            if (!needed.Contains(node)) continue;
            if (node.Outputs.All(o => names.ContainsKey(o))) continue; // a graph input
            EmitNode(node);
        }
        for (int i = 0; i < outputs.Count; i++)
        {
            var t = outputs[i];
            var src = NameOf(t);
            var outName = Unique($"output_{i}");
            graph.Node.Add(new NodeProto { OpType = "Identity", Name = outName + "_identity", Input = { src }, Output = { outName } });
            graph.Output.Add(ValueInfo(outName, t, $"M{i}"));
        }
        return graph;
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

    private void EmitNode(Node node)
    {
        var map = node.Op.Onnx ?? throw new NotSupportedException(
            $"ONNX export: op '{node.Op.Name}' (node '{node.Name}') has no ONNX mapping: {node.Op.NoOnnx}.");
        map(new Emitter(this, node));
    }

    private void AddInitializer(Tensor output, Tensor value, string hint)
    {
        var name = Unique(hint);
        names[output] = name;
        graph.Initializer.Add(OnnxTensors.ToProto(value, name));
    }

    internal string NameOf(Tensor t) => names.TryGetValue(t, out var n) ? n
        : throw new InvalidOperationException($"ONNX export: tensor '{t.Name}' was used before it was defined.");

    internal string Unique(string hint)
    {
        var baseName = new string(hint.Select(c => char.IsLetterOrDigit(c) || c is '_' or '/' or '.' or ':' ? c : '_').ToArray());
        if (used.Add(baseName)) return baseName;
        for (int i = 1; ; i++) if (used.Add($"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    private static ValueInfoProto ValueInfo(string name, Tensor t, string symbolPrefix)
    {
        var shape = new TensorShapeProto();
        for (int d = 0; d < t.Rank; d++)
        {
            var dim = t.Shape[d];
            shape.Dim.Add(dim >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = dim }
                                   : new TensorShapeProto.Types.Dimension { DimParam = d == 0 ? "batch" : $"{symbolPrefix}_{d}" });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ElemType(t.DType), Shape = shape } },
        };
    }

    private sealed class Emitter(GraphExporter owner, Node node) : IOnnxEmitter
    {
        public Node Node => node;

        public int Opset => owner.opset;

        public string Input(int i) => owner.NameOf(node.Inputs[i]);

        public string Output(int i)
        {
            var t = node.Outputs[i];
            if (!owner.names.TryGetValue(t, out var n)) owner.names[t] = n = owner.Unique(node.Outputs.Length == 1 ? node.Name : $"{node.Name}_{i}");
            return n;
        }

        public string Constant(Tensor value, string hint)
        {
            var name = owner.Unique($"{node.Name}/{hint}");
            owner.graph.Initializer.Add(OnnxTensors.ToProto(value, name));
            return name;
        }

        public void Initializer(int output, Tensor value, string hint) => owner.AddInitializer(node.Outputs[output], value, hint);

        public string Temp(string hint) => owner.Unique($"{node.Name}/{hint}");

        public void Add(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
        {
            var p = new NodeProto { OpType = opType, Name = owner.Unique($"{node.Name}/{opType}") };
            p.Input.AddRange(inputs);
            p.Output.AddRange(outputs);
            foreach (var (name, value) in attributes) p.Attribute.Add(Attribute(name, value));
            owner.graph.Node.Add(p);
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
            default: throw new ArgumentException($"ONNX attribute '{name}': unsupported value type {value.GetType().Name}.");
        }
        return a;
    }
}
