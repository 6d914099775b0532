using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Eager;

/// <summary>
/// Parses a graph file's payload as untrusted input: every count and length is checked against the bytes that
/// remain before anything is allocated, every reference must point backwards (so the graph is acyclic by
/// construction), ops are looked up by name in the <see cref="OpRegistry"/>, and every node's stored output
/// types must agree with what its op infers. Any problem is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class GraphFileReader
{
    private const int MaxStringBytes = 1 << 20;
    private const int MaxRank = 64;
    private const int MaxDepth = 8;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static (Graph Graph, GraphSignature? Signature) Read(ReadOnlyMemory<byte> payload, bool expectSignature)
    {
        var r = new Cursor(payload);
        var g = new Graph();

        int nVars = r.Count(10, "variables");
        var vars = new Variable[nVars];
        var owned = new bool[nVars];
        for (int i = 0; i < nVars; i++) (vars[i], owned[i]) = ReadVariable(r, g);

        ReadNodes(r, g, vars, 0);
        int nNodes = g.Nodes.Count;

        for (int i = 0; i < nVars; i++)
        {
            int init = r.I32();
            if (init == -1) continue;
            if (!owned[i]) throw r.Bad($"variable '{vars[i].Name}' is not the graph's own but names an initializer");
            if (init < 0 || init >= nNodes) throw r.Bad($"variable '{vars[i].Name}' names initializer node {init}, out of range");
            var node = g.Nodes[init];
            if (node.Op != StateOps.AssignDef || node.Inputs.Length != 1 || !ReferenceEquals(node.Attrs.Get<Variable>("variable"), vars[i]))
                throw r.Bad($"the initializer of variable '{vars[i].Name}' (node '{node.Name}') is not an Assign to it");
            vars[i].BindInitializer(new Operation(node));
        }

        GraphSignature? signature = null;
        byte hasSignature = r.U8();
        if (hasSignature > 1 || (hasSignature == 1) != expectSignature)
            throw r.Bad(expectSignature ? "a function file has no signature" : "a graph file has a function signature");
        if (hasSignature == 1)
        {
            var name = r.String();
            int nIn = r.Count(8, "inputs");
            var inputs = new Tensor[nIn];
            for (int i = 0; i < nIn; i++)
            {
                inputs[i] = r.TensorRef(g, g.Nodes.Count);
                if (inputs[i].Node!.Op != GraphOps.PlaceholderDef) throw r.Bad($"function input {i} ('{inputs[i].Name}') is not a placeholder");
            }
            int nOut = r.Count(8, "outputs");
            var outputs = new Tensor[nOut];
            for (int i = 0; i < nOut; i++) outputs[i] = r.TensorRef(g, g.Nodes.Count);
            signature = new GraphSignature(name, inputs, outputs);
        }
        if (r.Remaining != 0) throw r.Bad($"{r.Remaining} unread bytes follow the content");
        return (g, signature);
    }

    private static (Variable, bool Owned) ReadVariable(Cursor r, Graph g)
    {
        var name = r.String();
        if (name.Length == 0) throw r.Bad("a variable has an empty name");
        var dtype = r.DType();
        var shape = r.Shape();
        byte flags = r.U8();
        if (flags > 7) throw r.Bad($"variable '{name}' has unknown flags {flags}");
        bool trainable = (flags & 1) != 0, isOwned = (flags & 2) != 0, hasValue = (flags & 4) != 0;
        var value = hasValue ? r.Tensor() : null;
        if (!isOwned && (value is null || !shape.IsFullyDefined))
            throw r.Bad($"captured variable '{name}' has no value or an unknown shape");
        if (isOwned && g.UniqueName(name) != name) throw r.Bad($"two variables are named '{name}'");
        var v = new Variable(name, shape, dtype, trainable, isOwned ? g : null);
        if (value is not null)
        {
            if (value.DType != dtype || !shape.IsCompatibleWith(value.Shape))
                throw r.Bad($"variable '{name}' is {dtype.Name()}{shape} but its stored value is {value.DType.Name()}{value.Shape}");
            // A graph variable's value belongs to a session: a loaded graph starts uninitialised, as in TensorFlow.
            if (!isOwned) v.SetValue(value, "Graph.Load");
        }
        return (v, isOwned);
    }

    private static void ReadNodes(Cursor r, Graph g, Variable[] vars, int depth)
    {
        int nNodes = r.Count(24, "nodes");
        for (int i = 0; i < nNodes; i++) ReadNode(r, g, vars, depth);
    }

    /// <summary>A control-flow subgraph, nested at most <see cref="MaxDepth"/> deep.</summary>
    private static Subgraph ReadSubgraph(Cursor r, Variable[] vars, int depth)
    {
        if (depth >= MaxDepth) throw r.Bad($"subgraphs are nested more than {MaxDepth} deep");
        var g = new Graph();
        ReadNodes(r, g, vars, depth + 1);
        int nIn = r.Count(8, "subgraph inputs");
        var inputs = new Tensor[nIn];
        for (int i = 0; i < nIn; i++)
        {
            inputs[i] = r.TensorRef(g, g.Nodes.Count);
            if (inputs[i].Node!.Op != GraphOps.PlaceholderDef) throw r.Bad($"subgraph input {i} ('{inputs[i].Name}') is not a placeholder");
        }
        int nOut = r.Count(8, "subgraph outputs");
        var outputs = new Tensor[nOut];
        for (int i = 0; i < nOut; i++) outputs[i] = r.TensorRef(g, g.Nodes.Count);
        return new Subgraph(g, inputs, outputs);
    }

    private static void ReadNode(Cursor r, Graph g, Variable[] vars, int depth)
    {
        int index = g.Nodes.Count;
        var name = r.String();
        if (name.Length == 0) throw r.Bad($"node {index} has an empty name");
        var opName = r.String();
        if (!OpRegistry.TryGet(opName, out var op) || op is null)
            throw r.Bad($"node '{name}' uses op '{opName}', which is not registered (a newer Eager, or a library not loaded?)");
        int nIn = r.Count(8, "inputs");
        var inputs = new Tensor[nIn];
        for (int k = 0; k < nIn; k++) inputs[k] = r.TensorRef(g, index);
        int nCtrl = r.Count(4, "control inputs");
        var ctrl = new Node[nCtrl];
        for (int k = 0; k < nCtrl; k++)
        {
            uint c = r.U32();
            if (c >= index) throw r.Bad($"node '{name}' has control input {c}, not an earlier node");
            ctrl[k] = g.Nodes[(int)c];
        }
        int nAttrs = r.Count(6, "attributes");
        var attrs = new Attrs();
        for (int k = 0; k < nAttrs; k++)
        {
            var key = r.String();
            if (attrs.Has(key)) throw r.Bad($"node '{name}' sets attribute '{key}' twice");
            attrs[key] = ReadAttr(r, vars, depth);
        }
        int nOut = r.Count(5, "outputs");
        var specs = new TensorSpec[nOut];
        for (int k = 0; k < nOut; k++)
        {
            var dtype = r.DType();
            specs[k] = new TensorSpec(r.Shape(), dtype);
        }
        // The op checks what the file claims: wrong attributes or inputs are refused here, not in a kernel later.
        TensorSpec[] inferred;
        try { inferred = Graph.InferSpecs(op, inputs, attrs); }
        catch (IndexOutOfRangeException)
        {
            // Inference reads inputs by position, as the op's own API supplies them: too few show up as an index error.
            throw r.Bad($"node '{name}' ({opName}) has {nIn} inputs, fewer than the op takes");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw r.Bad($"node '{name}' ({opName}) has invalid inputs or attributes: {e.Message}");
        }
        if (inferred.Length != nOut) throw r.Bad($"node '{name}' ({opName}) stores {nOut} outputs; the op gives {inferred.Length}");
        for (int k = 0; k < nOut; k++)
            if (inferred[k].DType != specs[k].DType || !inferred[k].Shape.IsCompatibleWith(specs[k].Shape))
                throw r.Bad($"node '{name}' ({opName}) stores output {k} as {specs[k].DType.Name()}{specs[k].Shape}; the op infers {inferred[k].DType.Name()}{inferred[k].Shape}");
        g.AddNodeExact(name, op, inputs, attrs, ctrl, specs);
    }

    private static object ReadAttr(Cursor r, Variable[] vars, int depth)
    {
        byte kind = r.U8();
        switch ((GraphFile.AttrKind)kind)
        {
            case GraphFile.AttrKind.Int32: return r.I32();
            case GraphFile.AttrKind.Int64: return r.I64();
            case GraphFile.AttrKind.Float32: return BitConverter.Int32BitsToSingle(r.I32());
            case GraphFile.AttrKind.Float64: return BitConverter.Int64BitsToDouble(r.I64());
            case GraphFile.AttrKind.Bool:
                byte b = r.U8();
                return b <= 1 ? b == 1 : throw r.Bad($"bool attribute byte {b}");
            case GraphFile.AttrKind.String: return r.String();
            case GraphFile.AttrKind.Int32Array: return r.Array<int>();
            case GraphFile.AttrKind.Int64Array: return r.Array<long>();
            case GraphFile.AttrKind.Float32Array: return r.Array<float>();
            case GraphFile.AttrKind.Float64Array: return r.Array<double>();
            case GraphFile.AttrKind.DType: return r.DType();
            case GraphFile.AttrKind.Shape: return r.Shape();
            case GraphFile.AttrKind.Tensor: return r.Tensor();
            case GraphFile.AttrKind.Variable:
                uint v = r.U32();
                return v < vars.Length ? vars[v] : throw r.Bad($"variable index {v} is out of range ({vars.Length} variables)");
            case GraphFile.AttrKind.Subgraph: return ReadSubgraph(r, vars, depth);
            default: throw r.Bad($"unknown attribute kind {kind}");
        }
    }

    /// <summary>Bounds-checked little-endian reads over the payload.</summary>
    private sealed class Cursor(ReadOnlyMemory<byte> data)
    {
        private int pos;

        public int Remaining => data.Length - pos;

        public InvalidDataException Bad(string what) => new($"{what} (at payload offset {pos}).");

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > Remaining) throw Bad($"the file is truncated: {n} more bytes needed, {Remaining} left");
            var s = data.Span.Slice(pos, n);
            pos += n;
            return s;
        }

        public byte U8() => Take(1)[0];

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        /// <summary>A count of items needing at least <paramref name="minBytes"/> each: bounded by the bytes left.</summary>
        public int Count(int minBytes, string what)
        {
            uint n = U32();
            if (n > (uint)(Remaining / minBytes)) throw Bad($"{n} {what} cannot fit in the {Remaining} bytes left");
            return (int)n;
        }

        public string String()
        {
            uint n = U32();
            if (n > MaxStringBytes) throw Bad($"a string of {n} bytes is longer than the limit of {MaxStringBytes}");
            var bytes = Take((int)n);
            try { return StrictUtf8.GetString(bytes); }
            catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
        }

        public DType DType()
        {
            byte b = U8();
            return b <= (byte)Eager.DType.UInt8 ? (DType)b : throw Bad($"unknown dtype code {b}");
        }

        public Shape Shape()
        {
            uint rank = U32();
            if (rank == uint.MaxValue) return Eager.Shape.Unknown;
            if (rank > MaxRank) throw Bad($"rank {rank} is above the limit of {MaxRank}");
            var dims = new int[rank];
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = I32();
                if (dims[i] < -1) throw Bad($"dimension {dims[i]} is negative");
            }
            return new Shape(dims);
        }

        public T[] Array<T>() where T : unmanaged
        {
            int n = Count(Marshal.SizeOf<T>(), "array elements");
            return MemoryMarshal.Cast<byte, T>(Take(n * Marshal.SizeOf<T>())).ToArray();
        }

        public Tensor TensorRef(Graph g, int before)
        {
            uint node = U32(), output = U32();
            if (node >= before) throw Bad($"a reference to node {node} does not point to an earlier node");
            var n = g.Nodes[(int)node];
            if (output >= n.Outputs.Length) throw Bad($"node '{n.Name}' has no output {output}");
            return n.Outputs[(int)output];
        }

        public Tensor Tensor()
        {
            var dtype = DType();
            var shape = Shape();
            long size = 1;
            foreach (var d in shape)
            {
                if (d < 0) throw Bad($"a stored tensor has unknown dimension in shape {shape}");
                size *= d;
                if (size > int.MaxValue) throw Bad($"a stored tensor of shape {shape} is too large");
            }
            long bytes = size * dtype.Size();
            if (bytes > Remaining) throw Bad($"the file is truncated: a {dtype.Name()}{shape} tensor needs {bytes} bytes, {Remaining} left");
            var src = Take((int)bytes);
            var t = Eager.Tensor.Empty(shape, dtype);
            switch (dtype)
            {
                case Eager.DType.Float32: src.CopyTo(MemoryMarshal.AsBytes(t.Span<float>())); break;
                case Eager.DType.Float64: src.CopyTo(MemoryMarshal.AsBytes(t.Span<double>())); break;
                case Eager.DType.Int32: src.CopyTo(MemoryMarshal.AsBytes(t.Span<int>())); break;
                case Eager.DType.Int64: src.CopyTo(MemoryMarshal.AsBytes(t.Span<long>())); break;
                case Eager.DType.Bool:
                    var dst = t.Span<bool>();
                    for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0; // never store a non-canonical bool
                    break;
                default: src.CopyTo(t.WritableBytes()); break; // float16, bfloat16, int8, uint8: every bit pattern is a value
            }
            return t;
        }
    }
}
