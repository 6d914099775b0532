using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Eager.NN;

/// <summary>
/// The safetensors format (Hugging Face; what most published weights use): an 8-byte little-endian header
/// length N, N bytes of JSON <c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>,
/// then the data, row-major little-endian. F32, F64, F16, BF16, I64, I32, I8, U8 and BOOL load as themselves
/// (float16, bfloat16, int8, uint8 included); I16, which has no dtype here, as int32. The file is untrusted: the header size is limited, and every offset,
/// shape and dtype is checked against the file before anything is read.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeader = 100L << 20;

    /// <summary>The tensors' names, dtypes and shapes, without reading their data.</summary>
    public static IReadOnlyList<(string Name, string DType, Shape Shape)> List(string path) =>
        [.. ReadHeader(path, out _).Select(e => (e.Name, e.DType, e.Shape))];

    /// <summary>Reads every tensor (or those <paramref name="select"/> accepts) by name.</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors.</exception>
    public static Dictionary<string, Tensor> Read(string path, Func<string, bool>? select = null)
    {
        var entries = ReadHeader(path, out long dataStart);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        foreach (var e in entries)
        {
            if (select is not null && !select(e.Name)) continue;
            var bytes = new byte[e.End - e.Begin];
            file.Position = dataStart + e.Begin;
            file.ReadExactly(bytes);
            result[e.Name] = Decode(bytes, e.DType, e.Shape);
        }
        return result;
    }

    /// <summary>Writes tensors as safetensors (atomically), with optional string metadata.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.Select(kv => (kv.Key, T: kv.Value.Contiguous())).ToList();
        long offset = 0;
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            foreach (var (name, t) in list)
            {
                long len = (long)t.Shape.Size * t.DType.Size();
                json.WriteStartObject(name);
                json.WriteString("dtype", t.DType switch
                {
                    DType.Float32 => "F32", DType.Float64 => "F64", DType.Int32 => "I32", DType.Int64 => "I64",
                    DType.Float16 => "F16", DType.BFloat16 => "BF16", DType.Int8 => "I8", DType.UInt8 => "U8", _ => "BOOL",
                });
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + len);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += len;
            }
            json.WriteEndObject();
        }
        // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        AtomicFile.Write(path, s =>
        {
            Span<byte> n = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(n, (ulong)header.Length);
            s.Write(n);
            header.Position = 0;
            header.CopyTo(s);
            foreach (var (_, t) in list) { s.Write(TensorFile.Bytes(t)); GC.KeepAlive(t); }
        });
    }

    private sealed record Entry(string Name, string DType, Shape Shape, long Begin, long End);

    private static List<Entry> ReadHeader(string path, out long dataStart)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        long length = file.Length;
        if (length < 8) throw Bad(path, "the file is shorter than its 8-byte header length");
        Span<byte> n = stackalloc byte[8];
        file.ReadExactly(n);
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(n);
        if (headerLen < 2 || headerLen > (ulong)Math.Min(MaxHeader, length - 8))
            throw Bad(path, $"the header length {headerLen} does not fit a file of {length} bytes");
        var headerBytes = new byte[headerLen];
        file.ReadExactly(headerBytes);
        dataStart = 8 + (long)headerLen;
        long dataLen = length - dataStart;
        var entries = new List<Entry>();
        try
        {
            using var doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                var e = prop.Value;
                if (e.ValueKind != JsonValueKind.Object) throw Bad(path, $"entry '{prop.Name}' is not an object");
                var dtype = e.GetProperty("dtype").GetString() ?? "";
                int elemSize = ElementSize(dtype) ?? throw Bad(path, $"'{prop.Name}' has unsupported dtype '{dtype}'");
                var dims = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (dims.Length > 16 || dims.Any(d => d is < 0 or > int.MaxValue)) throw Bad(path, $"'{prop.Name}' has an invalid shape [{string.Join(", ", dims)}]");
                var offs = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (offs.Length != 2 || offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLen)
                    throw Bad(path, $"'{prop.Name}' has data offsets [{string.Join(", ", offs)}] outside the {dataLen} data bytes (the file may be truncated)");
                long elements = 1;
                foreach (var d in dims) elements = Math.Min(elements * d, long.MaxValue / 16);
                if (elements * elemSize != offs[1] - offs[0] || elements > int.MaxValue)
                    throw Bad(path, $"'{prop.Name}' of shape [{string.Join(", ", dims)}] and dtype {dtype} needs {elements * elemSize} bytes but spans {offs[1] - offs[0]}");
                entries.Add(new Entry(prop.Name, dtype, new Shape([.. dims.Select(d => (int)d)]), offs[0], offs[1]));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Bad(path, "the JSON header is malformed: " + ex.Message);
        }
        return entries;
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F32" or "I32" => 4, "F64" or "I64" => 8, "F16" or "BF16" or "I16" => 2, "I8" or "U8" or "BOOL" => 1, _ => null,
    };

    private static Tensor Decode(byte[] bytes, string dtype, Shape shape)
    {
        switch (dtype)
        {
            case "F32": return TensorFile.FromBytes(bytes, shape, DType.Float32);
            case "F64": return TensorFile.FromBytes(bytes, shape, DType.Float64);
            case "I32": return TensorFile.FromBytes(bytes, shape, DType.Int32);
            case "I64": return TensorFile.FromBytes(bytes, shape, DType.Int64);
            case "BOOL": return TensorFile.FromBytes(bytes, shape, DType.Bool);
            case "F16": return TensorFile.FromBytes(bytes, shape, DType.Float16);
            case "BF16": return TensorFile.FromBytes(bytes, shape, DType.BFloat16);
            case "I8": return TensorFile.FromBytes(bytes, shape, DType.Int8);
            case "U8": return TensorFile.FromBytes(bytes, shape, DType.UInt8);
            case "I16": return Tensor.From<int>([.. MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => (int)v)], shape);
            default: throw new InvalidDataException($"safetensors: dtype '{dtype}' has no reader.");
        }
    }

    private static InvalidDataException Bad(string path, string what) => new($"safetensors '{path}': {what}.");

    /// <summary>
    /// Loads weights into <paramref name="model"/> by name: each weight path (as in <see cref="Layer.NamedVariables"/>)
    /// is mapped by <paramref name="nameMap"/> (identity by default; return null to skip) to a name in the file, and the
    /// tensor is passed through <paramref name="convert"/> (for layout changes) before its shape is checked. Nothing is
    /// assigned unless every mapped weight is present with the right shape; float64 file data is cast to float32 and back as needed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not built, a weight is missing, or a shape differs (nothing is changed).</exception>
    public static RestoreStatus LoadInto(Layer model, string path, Func<string, string?>? nameMap = null, Func<string, Tensor, Tensor>? convert = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Built) throw new InvalidOperationException($"SafeTensors.LoadInto: the model '{model.Name}' is not built; call it once or call Build(inputShape) first.");
        var wanted = model.NamedVariables().Select(kv => (Path: kv.Key, Var: kv.Value, FileName: (nameMap ?? (s => s))(kv.Key))).ToList();
        var names = new HashSet<string>(wanted.Where(w => w.FileName is not null).Select(w => w.FileName!), StringComparer.Ordinal);
        var file = Read(path, names.Contains);
        var problems = new List<string>();
        var missing = new List<string>();
        var plan = new List<(Variable, Tensor)>();
        var restored = new List<string>();
        foreach (var (p, v, fileName) in wanted)
        {
            if (fileName is null) continue;
            if (!file.TryGetValue(fileName, out var t)) { missing.Add($"{p} (file name '{fileName}')"); continue; }
            if (convert is not null) t = convert(p, t);
            if (t.DType != v.DType && t.DType.IsFloating && v.DType.IsFloating) t = Ops.Cast(t, v.DType);
            if (t.Shape != v.Shape || t.DType != v.DType) problems.Add($"'{p}' <- '{fileName}': file {t.DType.Name()}{t.Shape}, model {v.DType.Name()}{v.Shape}");
            else { plan.Add((v, t)); restored.Add(p); }
        }
        if (missing.Count > 0 || problems.Count > 0)
            throw new InvalidOperationException($"SafeTensors.LoadInto('{path}'): nothing was loaded. Missing: [{string.Join(", ", missing)}]. Mismatched: [{string.Join("; ", problems)}].");
        Checkpoint.Assign(plan);
        var used = new HashSet<string>(wanted.Where(w => w.FileName is not null).Select(w => w.FileName!), StringComparer.Ordinal);
        var unexpected = List(path).Select(e => e.Name).Where(n => !used.Contains(n)).ToList();
        return new RestoreStatus(restored, [], unexpected);
    }
}
