using System.Globalization;
using Google.Protobuf;

namespace Eager.NN;

/// <summary>
/// The few TensorFlow protobuf messages an event file needs, encoded by hand with field numbers from
/// tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto, graph.proto, node_def.proto and
/// attr_value.proto (no generated code).
/// </summary>
internal static class SummaryProtos
{
    // Event
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventGraphDef = 4, EventSummary = 5;

    // Summary and Summary.Value
    private const int SummaryValue = 1;
    private const int ValueTag = 1, ValueSimpleValue = 2, ValueImage = 4, ValueHisto = 5, ValueTensor = 8, ValueMetadata = 9;

    // Summary.Image
    private const int ImageHeight = 1, ImageWidth = 2, ImageColorspace = 3, ImageEncoded = 4;

    // HistogramProto
    private const int HistoMin = 1, HistoMax = 2, HistoNum = 3, HistoSum = 4, HistoSumSquares = 5, HistoBucketLimit = 6, HistoBucket = 7;

    // SummaryMetadata and its PluginData
    private const int MetadataPluginData = 1, PluginName = 1;

    // TensorProto and TensorShapeProto
    private const int TensorDType = 1, TensorShape = 2, TensorStringVal = 8, ShapeDim = 2, DimSize = 1;
    public const int DtString = 7;

    // GraphDef, VersionDef, NodeDef, AttrValue, AttrValue.ListValue
    private const int GraphNode = 1, GraphVersions = 4, VersionsProducer = 1;
    private const int NodeName = 1, NodeOp = 2, NodeInput = 3, NodeAttr = 5, MapKey = 1, MapValue = 2;
    private const int AttrList = 1, AttrS = 2, AttrI = 3, AttrF = 4, AttrB = 5, AttrType = 6, AttrShape = 7;
    private const int ListI = 3, ListShape = 7;

    public static ByteString Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms, leaveOpen: true);
        write(o);
        o.Flush();
        return ByteString.CopyFrom(ms.GetBuffer(), 0, (int)ms.Length);
    }

    private static void Bytes(CodedOutputStream o, int field, ByteString value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(value);
    }

    private static void Text(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void Varint(CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    private static void Double(CodedOutputStream o, int field, double value)
    {
        o.WriteTag(field, WireFormat.WireType.Fixed64);
        o.WriteDouble(value);
    }

    private static void PackedDoubles(CodedOutputStream o, int field, IReadOnlyList<double> values) =>
        Bytes(o, field, Message(p => { foreach (var v in values) p.WriteDouble(v); }));

    /// <summary>Event{wall_time, step, one of file_version / graph_def / summary}.</summary>
    public static byte[] Event(double wallTime, long step, Action<CodedOutputStream> what) =>
        Message(o =>
        {
            Double(o, EventWallTime, wallTime);
            if (step != 0) Varint(o, EventStep, step);
            what(o);
        }).ToByteArray();

    public static Action<CodedOutputStream> FileVersion(string version) => o => Text(o, EventFileVersion, version);

    public static Action<CodedOutputStream> GraphDef(ByteString graph) => o => Bytes(o, EventGraphDef, graph);

    /// <summary>Summary{value: [Value{tag, ...}]}; <paramref name="value"/> writes the Value's other fields.</summary>
    public static Action<CodedOutputStream> Summary(string tag, Action<CodedOutputStream> value) =>
        o => Bytes(o, EventSummary, Message(s => Bytes(s, SummaryValue, Message(v =>
        {
            Text(v, ValueTag, tag);
            value(v);
        }))));

    public static Action<CodedOutputStream> SimpleValue(float value) => v =>
    {
        v.WriteTag(ValueSimpleValue, WireFormat.WireType.Fixed32);
        v.WriteFloat(value);
    };

    public static Action<CodedOutputStream> Histogram(double min, double max, double num, double sum, double sumSquares,
                                                      IReadOnlyList<double> limits, IReadOnlyList<double> counts) =>
        v => Bytes(v, ValueHisto, Message(h =>
        {
            Double(h, HistoMin, min);
            Double(h, HistoMax, max);
            Double(h, HistoNum, num);
            Double(h, HistoSum, sum);
            Double(h, HistoSumSquares, sumSquares);
            PackedDoubles(h, HistoBucketLimit, limits);
            PackedDoubles(h, HistoBucket, counts);
        }));

    public static Action<CodedOutputStream> Image(int height, int width, int channels, byte[] png) =>
        v => Bytes(v, ValueImage, Message(i =>
        {
            Varint(i, ImageHeight, height);
            Varint(i, ImageWidth, width);
            Varint(i, ImageColorspace, channels);
            Bytes(i, ImageEncoded, ByteString.CopyFrom(png));
        }));

    /// <summary>A scalar string tensor tagged for TensorBoard's text plugin.</summary>
    public static Action<CodedOutputStream> TextTensor(string text) => v =>
    {
        Bytes(v, ValueMetadata, Message(m => Bytes(m, MetadataPluginData, Message(p => Text(p, PluginName, "text")))));
        Bytes(v, ValueTensor, Message(t =>
        {
            Varint(t, TensorDType, DtString);
            Bytes(t, TensorShape, ByteString.Empty);
            Bytes(t, TensorStringVal, ByteString.CopyFromUtf8(text));
        }));
    };

    /// <summary>A GraphDef of <paramref name="graph"/>: one NodeDef per node with its op, inputs ("node:k", "^node" for
    /// control inputs), attributes and output shapes, so TensorBoard's graph view can draw it.</summary>
    public static ByteString GraphDefOf(Graph graph) => Message(g =>
    {
        foreach (var node in graph.Nodes)
        {
            Bytes(g, GraphNode, Message(n =>
            {
                Text(n, NodeName, node.Name);
                Text(n, NodeOp, node.Op.Name);
                foreach (var t in node.Inputs)
                    if (t.Node is { } src) Text(n, NodeInput, t.OutputIndex == 0 ? src.Name : $"{src.Name}:{t.OutputIndex}");
                foreach (var c in node.ControlInputs) Text(n, NodeInput, "^" + c.Name);
                foreach (var (key, value) in node.Attrs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    AttrEntry(n, key, Attr(value));
                if (node.Outputs.Length > 0)
                {
                    if (!node.Attrs.Has("T")) AttrEntry(n, "T", Message(a => Varint(a, AttrType, DataType(node.Outputs[0].DType))));
                    AttrEntry(n, "_output_shapes", Message(a => Bytes(a, AttrList, Message(l =>
                    {
                        foreach (var o in node.Outputs) Bytes(l, ListShape, ShapeProto(o.Shape));
                    }))));
                }
            }));
        }
        Bytes(g, GraphVersions, Message(v => Varint(v, VersionsProducer, 27)));
    });

    private static void AttrEntry(CodedOutputStream n, string key, ByteString value) =>
        Bytes(n, NodeAttr, Message(e =>
        {
            Text(e, MapKey, key);
            Bytes(e, MapValue, value);
        }));

    private static ByteString Attr(object value) => Message(a =>
    {
        switch (value)
        {
            case bool b: Varint(a, AttrB, b ? 1 : 0); break;
            case int or long: Varint(a, AttrI, Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case float or double:
                a.WriteTag(AttrF, WireFormat.WireType.Fixed32);
                a.WriteFloat(Convert.ToSingle(value, CultureInfo.InvariantCulture));
                break;
            case string s: Bytes(a, AttrS, ByteString.CopyFromUtf8(s)); break;
            case DType d: Varint(a, AttrType, DataType(d)); break;
            case Shape sh: Bytes(a, AttrShape, ShapeProto(sh)); break;
            case int[] ints: Bytes(a, AttrList, Message(l => Bytes(l, ListI, Message(p => { foreach (var i in ints) p.WriteInt64(i); })))); break;
            case Variable v: Bytes(a, AttrS, ByteString.CopyFromUtf8(v.Name)); break;
            // Delegates, queues and other run-time objects have no value to show: their type says what they are.
            default: Bytes(a, AttrS, ByteString.CopyFromUtf8(value?.GetType().Name ?? "null")); break;
        }
    });

    public static ByteString ShapeProto(Shape shape) => Message(s =>
    {
        for (int i = 0; i < shape.Rank; i++) Bytes(s, ShapeDim, Message(d => Varint(d, DimSize, shape[i])));
    });

    /// <summary>TensorFlow's DataType enum (types.proto).</summary>
    public static int DataType(DType d) => d switch
    {
        DType.Float32 => 1,
        DType.Float64 => 2,
        DType.Int32 => 3,
        DType.Int64 => 9,
        DType.Bool => 10,
        _ => 0,
    };
}
