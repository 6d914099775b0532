using Eager.Onnx;
using Eager.Onnx.Proto;
using Google.Protobuf;

namespace Eager.Tests.Onnx;

/// <summary>Builds small ONNX models in tests: inputs with symbolic dims (-1), initializers and nodes.</summary>
internal sealed class OnnxGraphBuilder(int opset = 13)
{
    private readonly GraphProto graph = new() { Name = "test" };

    /// <summary>Names the graph (a nested graph's name shows in import errors).</summary>
    public OnnxGraphBuilder Named(string name)
    {
        graph.Name = name;
        return this;
    }

    public OnnxGraphBuilder Input(string name, DType dtype, params int[] dims)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < dims.Length; i++)
            shape.Dim.Add(dims[i] < 0 ? new TensorShapeProto.Types.Dimension { DimParam = $"{name}_d{i}" } : new TensorShapeProto.Types.Dimension { DimValue = dims[i] });
        graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ElemType(dtype), Shape = shape } } });
        return this;
    }

    public OnnxGraphBuilder Output(string name, DType dtype = DType.Float32)
    {
        graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ElemType(dtype) } } });
        return this;
    }

    public OnnxGraphBuilder Init(string name, Tensor value)
    {
        graph.Initializer.Add(OnnxTensors.ToProto(value, name));
        return this;
    }

    /// <summary>Adds a node; attribute values: long, float, string, long[], float[], Tensor, and a builder for a graph attribute.</summary>
    public OnnxGraphBuilder Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attrs)
    {
        var n = new NodeProto { OpType = op, Name = $"{op}_{graph.Node.Count}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        foreach (var (name, value) in attrs)
        {
            var a = new AttributeProto { Name = name };
            switch (value)
            {
                case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
                case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
                case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
                case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
                case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
                case Tensor t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = OnnxTensors.ToProto(t, name); break;
                case OnnxGraphBuilder g: a.Type = AttributeProto.Types.AttributeType.Graph; a.G = g.graph; break;
                default: throw new ArgumentException($"attribute {name}: {value.GetType().Name}");
            }
            n.Attribute.Add(a);
        }
        graph.Node.Add(n);
        return this;
    }

    public ModelProto Model() => new()
    {
        IrVersion = 8,
        Graph = graph,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
    };

    /// <summary>Writes the model to a temporary file and returns its path.</summary>
    public string Save()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-test-{Guid.NewGuid():N}.onnx");
        OnnxFiles.WriteModel(Model(), path);
        return path;
    }
}
