using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Eager.NN;
using Eager.NN.Datasets;
using Eager.Onnx;
using Eager.Onnx.Proto;

namespace Eager.Fuzz;

/// <summary>Small, valid seed files for each target, written by Eager's own writers (and a protobuf builder for ONNX operators the exporter does not emit).</summary>
internal static class Seeds
{
    public static void Write(string corpus)
    {
        var tmp = Directory.CreateTempSubdirectory("eager-seeds-").FullName;
        try
        {
            void Put(string target, string name, string file)
            {
                Directory.CreateDirectory(Path.Combine(corpus, target));
                File.WriteAllBytes(Path.Combine(corpus, target, "seed-" + name), FuzzTargets.InputOf(target, File.ReadAllBytes(file)));
            }
            string P(string name) => Path.Combine(tmp, name);

            // Checkpoints: every dtype, an empty tensor, a scalar, a non-ASCII name.
            TensorFile.Write(P("c1"), [new("w", Tensor.From(new float[] { 1, -2, 3.5f }, new Shape(3, 1))), new("b", Tensor.From(new[] { 7.0 }))]);
            TensorFile.Write(P("c2"), [new("i", Tensor.From(new[] { 1, 2 })), new("l", Tensor.From(new long[] { -1 }, new Shape())), new("m", Tensor.From(new[] { true, false })), new("é", Tensor.Zeros(new Shape(0, 2)))]);
            TensorFile.Write(P("c3"), []);
            foreach (var n in new[] { "c1", "c2", "c3" }) Put("checkpoint", n, P(n));

            // Safetensors: what the writer emits, plus hand-made headers for the dtypes it only reads.
            SafeTensors.Write(P("s1"), [new("w", Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } })), new("n", Tensor.From(new long[] { 5 })), new("m", Tensor.From(new[] { true }))], new Dictionary<string, string> { ["format"] = "pt" });
            SafeTensors.Write(P("s2"), [new("d", Tensor.From(new[] { 1.5, -2.0 })), new("e", Tensor.Zeros(new Shape(0)))]);
            Put("safetensors", "s1", P("s1"));
            Put("safetensors", "s2", P("s2"));
            foreach (var (dtype, bytes) in new[] { ("F16", 4), ("BF16", 4), ("I16", 4), ("I8", 2), ("U8", 2) })
            {
                var json = $"{{\"x\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[0,{bytes}]}}}}";
                var h = System.Text.Encoding.UTF8.GetBytes(json);
                var f = new byte[8 + h.Length + bytes];
                BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)h.Length);
                h.CopyTo(f, 8);
                for (int i = 0; i < bytes; i++) f[8 + h.Length + i] = (byte)(0x3C + i);
                File.WriteAllBytes(P("s-" + dtype), f);
                Put("safetensors", dtype.ToLowerInvariant(), P("s-" + dtype));
            }

            // IDX: the writer's two types, a gzip file, and the other element types by hand.
            Idx.Write(P("i1"), Tensor.From(new[,] { { 0, 255, 7 }, { 1, 2, 3 } }));
            Idx.Write(P("i2"), Tensor.From(new[] { 0.5f, -1f }));
            Put("idx", "u8", P("i1"));
            Put("idx", "f32", P("i2"));
            using (var gz = new GZipStream(File.Create(P("i3")), CompressionLevel.Fastest)) gz.Write(File.ReadAllBytes(P("i1")));
            Put("idx", "u8.gz", P("i3"));
            foreach (var (type, size) in new[] { (0x09, 1), (0x0B, 2), (0x0C, 4), (0x0E, 8) })
            {
                var f = new byte[4 + 8 + 6 * size];
                f[2] = (byte)type; f[3] = 2;
                BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(4), 2);
                BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(8), 3);
                for (int i = 12; i < f.Length; i++) f[i] = (byte)(i * 37);
                File.WriteAllBytes(P($"idx-{type}"), f);
                Put("idx", $"t{type:X2}", P($"idx-{type}"));
            }

            // Graph files: a function with a captured variable and control flow free ops, a TF1-style graph.
            var w = new Variable(Tensor.From(new float[,] { { 1 }, { 2 } }), name: "w");
            var f1 = Function.Create((Tensor x, Tensor b) => Ops.Relu(Ops.MatMul(x, w.Read()) + b) * 2f, "f1")
                .GetConcreteFunction(new TensorSpec(new Shape(-1, 2), DType.Float32), new TensorSpec(new Shape(1), DType.Float32));
            f1.Save(P("g1"));
            Put("graph", "function", P("g1"));
            var f2 = Function.Create((Tensor x) => Ops.Softmax(Ops.Reshape(Ops.Cast(x, DType.Float64), [-1, 4]), -1), "f2")
                .GetConcreteFunction(new TensorSpec(new Shape(2, 4), DType.Int32));
            f2.Save(P("g2"));
            Put("graph", "function2", P("g2"));
            var g = new Graph();
            using (g.AsDefault())
            {
                var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
                var v = new Variable(Tensor.From(new float[,] { { 1 }, { 2 } }), name: "v");
                _ = Ops.ReduceSum(Ops.MatMul(x, v), [0]);
            }
            g.Save(P("g3"));
            Put("graph", "graph", P("g3"));

            // ONNX: exported functions and single-operator models for importers the exporter never reaches.
            OnnxExporter.Export(f1, P("o1"));
            Put("onnx", "exported", P("o1"));
            var conv = Function.Create((Tensor x) => Ops.Relu(Ops.Conv2D(x, Tensor.Ones(new Shape(3, 3, 1, 2)), padding: "SAME")), "conv")
                .GetConcreteFunction(new TensorSpec(new Shape(1, 5, 5, 1), DType.Float32));
            OnnxExporter.Export(conv, P("o2"));
            Put("onnx", "conv", P("o2"));
            foreach (var (name, model) in OnnxSingleOps())
            {
                File.WriteAllBytes(P("o-" + name), model.ToByteArray());
                Put("onnx", name, P("o-" + name));
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    private static IEnumerable<(string, ModelProto)> OnnxSingleOps()
    {
        var x4 = In("x", 1, 2, 4, 4);
        yield return ("maxpool", One("MaxPool", [x4], [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)]));
        yield return ("avgpool", One("AveragePool", [x4], [Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)]));
        yield return ("batchnorm", One("BatchNormalization", [x4, Init("s", 2), Init("b", 2), Init("m", 2), Init("v", 2)], []));
        yield return ("gemm", One("Gemm", [In("a", 2, 3), Init("b", 4, 3), Init("c", 4)], [Int("transB", 1), Float("alpha", 0.5f)]));
        yield return ("reshape", One("Reshape", [x4, Longs("shape", 0, -1)], []));
        yield return ("transpose", One("Transpose", [x4], [Ints("perm", 0, 2, 3, 1)]));
        yield return ("concat", One("Concat", [x4, x4], [Int("axis", 1)]));
        yield return ("slice", One("Slice", [x4, Longs("st", 1), Longs("en", 3), Longs("ax", 2)], []));
        yield return ("gather", One("Gather", [x4, Longs("idx", 0, 1)], [Int("axis", 3)]));
        yield return ("resize", One("Resize", [x4, Init("roi", 0), Init("sc", 4)], [Str("mode", "nearest")], scales: [1, 1, 2, 2]));
        yield return ("pad", One("Pad", [x4, Longs("pads", 0, 0, 1, 1, 0, 0, 1, 1)], [Str("mode", "reflect")]));
        yield return ("split", One("Split", [x4], [Int("axis", 1)], outputs: 2));
        yield return ("squeeze", One("Squeeze", [In("x", 1, 3, 1), Longs("axes", 0, 2)], []));
        yield return ("unsqueeze", One("Unsqueeze", [In("x", 3), Longs("axes", 0)], []));
        yield return ("convtranspose", One("ConvTranspose", [x4, Init("w", 2, 1, 2, 2)], [Ints("strides", 2, 2)]));
        yield return ("softmax", One("Softmax", [In("x", 2, 5)], [Int("axis", -1)]));
        yield return ("clip", One("Clip", [In("x", 6), Scalar("lo", 0f), Scalar("hi", 1f)], []));
        yield return ("shape", One("Shape", [x4], []));
        yield return ("expand", One("Expand", [In("x", 1, 3), Longs("s", 2, 3)], []));
        yield return ("where", One("Where", [In("c", TensorProto.Types.DataType.Bool, 3), In("a", 3), In("b", 3)], []));
        yield return ("range", One("Range", [Scalar("a", 0L), Scalar("b", 5L), Scalar("d", 2L)], []));
        yield return ("tile", One("Tile", [In("x", 2, 2), Longs("r", 2, 1)], []));
        yield return ("depthtospace", One("DepthToSpace", [In("x", 1, 4, 2, 2)], [Int("blocksize", 2)]));
        yield return ("onehot", One("OneHot", [Longs("i", 0, 2), Longs("d", 3), Init("v", 2)], []));
        yield return ("constantofshape", One("ConstantOfShape", [Longs("s", 2, 3)], []));
        yield return ("argmax", One("ArgMax", [In("x", 3, 4)], [Int("axis", 1), Int("keepdims", 0)]));
        yield return ("layernorm", One("LayerNormalization", [In("x", 2, 4), Init("g", 4), Init("b", 4)], [Int("axis", -1)]));
        yield return ("instnorm", One("InstanceNormalization", [x4, Init("g", 2), Init("b", 2)], []));
        yield return ("flatten", One("Flatten", [x4], [Int("axis", 1)]));
        yield return ("prelu", One("PRelu", [x4, Init("slope", 2, 1, 1)], []));
        yield return ("cast", One("Cast", [In("x", 4)], [Int("to", (int)TensorProto.Types.DataType.Int64)]));
        yield return ("constant", One("Constant", [], [new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.ToProto(Tensor.From(new[] { 1f, 2f }), "value") }]));
    }

    private sealed record Operand(string Name, ValueInfoProto? Input, TensorProto? Init);

    private static Operand In(string name, params long[] dims) => In(name, TensorProto.Types.DataType.Float, dims);

    private static Operand In(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new(name, new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } }, null);
    }

    private static Operand Init(string name, params int[] dims)
    {
        var shape = new Shape(dims);
        var values = Enumerable.Range(1, shape.Size).Select(i => i * 0.25f).ToArray();
        return new(name, null, OnnxTensors.ToProto(Tensor.From(values, shape), name));
    }

    private static Operand Scalar<T>(string name, T value) where T : unmanaged => new(name, null, OnnxTensors.ToProto(Tensor.From(new[] { value }, new Shape()), name));

    private static Operand Longs(string name, params long[] values) => new(name, null, OnnxTensors.ToProto(Tensor.From(values), name));

    private static ModelProto One(string op, Operand[] inputs, AttributeProto[] attrs, int outputs = 1, float[]? scales = null)
    {
        var graph = new GraphProto { Name = op };
        var node = new NodeProto { OpType = op, Name = op.ToLowerInvariant() };
        foreach (var i in inputs)
        {
            node.Input.Add(i.Name);
            if (i.Input is not null) graph.Input.Add(i.Input);
            var init = i.Init;
            if (init is not null && scales is not null && init.DataType == (int)TensorProto.Types.DataType.Float && init.Dims.Count == 1 && init.Dims[0] == scales.Length)
                init = OnnxTensors.ToProto(Tensor.From(scales), init.Name);
            if (init is not null) graph.Initializer.Add(init);
        }
        node.Attribute.AddRange(attrs);
        for (int o = 0; o < outputs; o++)
        {
            node.Output.Add($"y{o}");
            graph.Output.Add(new ValueInfoProto { Name = $"y{o}", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        }
        graph.Node.Add(node);
        return new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 13 } } };
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    private static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    private static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }
}
