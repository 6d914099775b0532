using Eager.Onnx;
using Eager.Onnx.Proto;
using Google.Protobuf;

namespace Eager.Benchmarks.Onnx;

/// <summary>
/// Builds the small ONNX models the benchmarks feed to ONNX Runtime, with the protobuf types Eager.Onnx
/// generates from ONNX's own schema (onnx.proto, compiled by Grpc.Tools): ONNX Runtime ships no model builder.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto graph = new() { Name = "benchmark" };
    private int counter;

    /// <summary>A float32 graph input of the given shape.</summary>
    public string Input(string name, params long[] shape)
    {
        graph.Input.Add(ValueInfo(name, shape));
        return name;
    }

    /// <summary>A graph input of another element type (float16 activations).</summary>
    public string Input(string name, DType dtype, params long[] shape)
    {
        graph.Input.Add(ValueInfo(name, shape, dtype));
        return name;
    }

    /// <summary>A constant weight.</summary>
    public string Weight(Tensor value, string hint = "w")
    {
        string name = $"{hint}{counter++}";
        graph.Initializer.Add(OnnxTensors.ToProto(value, name));
        return name;
    }

    /// <summary>Adds a node and returns its (single) output name. Attribute values: long, float, long[], string.</summary>
    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = $"{opType.ToLowerInvariant()}{counter++}";
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        graph.Node.Add(node);
        return output;
    }

    /// <summary>Marks a value as a graph output (float32 unless <paramref name="dtype"/> says otherwise; shape left to inference).</summary>
    public void Output(string name, DType dtype = DType.Float32) => graph.Output.Add(ValueInfo(name, null, dtype));

    /// <summary>The serialised model (opset 17).</summary>
    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "Eager.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static ValueInfoProto ValueInfo(string name, long[]? shape, DType dtype = DType.Float32)
    {
        var type = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ElemType(dtype) };
        if (shape is not null)
        {
            type.Shape = new TensorShapeProto();
            foreach (var d in shape) type.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long v => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v },
        int v => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v },
        float v => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v },
        string v => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) },
        long[] v => Ints(name, v),
        int[] v => Ints(name, v.Select(x => (long)x).ToArray()),
        _ => throw new ArgumentException($"OnnxGraph: attribute '{name}' has unsupported type {value.GetType().Name}."),
    };

    private static AttributeProto Ints(string name, long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }
}
