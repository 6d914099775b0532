using System.Runtime.CompilerServices;
using Eager.Onnx.Proto;

namespace Eager.Onnx.Import;

/// <summary>
/// Partial values of the small integer tensors that exporters compute shapes with (Shape -> Gather -> Concat ->
/// Reshape): while a model is traced with some dimensions unknown, each such tensor keeps the entries known at
/// import time (null where an entry depends on an unknown dimension). A tensor whose entries are all known is
/// folded to a constant, so a flatten of [batch, 512, 1, 1] to [Shape(x)[0], -1] becomes a static reshape with
/// only the batch left to run time.
/// </summary>
internal static class KnownValues
{
    private const int MaxLength = 64;
    private static readonly ConditionalWeakTable<Tensor, long?[]> Table = new();

    /// <summary>The known entries of a 0-D or 1-D integer tensor (all of them for a concrete one), or null.</summary>
    public static long?[]? Of(Tensor? t)
    {
        if (t is null || t.Rank > 1 || t.DType is not (DType.Int32 or DType.Int64)) return null;
        if (!t.IsSymbolic)
            return t.Shape.Size > MaxLength ? null : t.ToDoubleArray().Select(v => (long?)(long)v).ToArray();
        return Table.TryGetValue(t, out var v) ? v : null;
    }

    /// <summary>Records known entries for a symbolic tensor.</summary>
    public static void Set(Tensor t, long?[] values)
    {
        if (t.IsSymbolic && values.Length <= MaxLength) Table.AddOrUpdate(t, values);
    }

    /// <summary>A constant for <paramref name="t"/> when every entry is known, else <paramref name="t"/>.</summary>
    public static Tensor Fold(Tensor t)
    {
        if (!t.IsSymbolic || Of(t) is not { } v || v.Any(e => e is null)) return t;
        var longs = v.Select(e => e!.Value).ToArray();
        var shape = t.Rank == 0 ? Shape.Scalar : new Shape(longs.Length);
        return t.DType == DType.Int64 ? Tensor.From(longs, shape) : Tensor.From(longs.Select(e => checked((int)e)).ToArray(), shape);
    }

    /// <summary>Works out the known entries of a node's outputs from those of its inputs (graph mode only).</summary>
    public static void Propagate(NodeProto node, ImportContext c, Tensor[] outs)
    {
        if (outs.Length == 0 || !outs[0].IsSymbolic) return;
        var y = outs[0];
        long?[]? result = node.OpType switch
        {
            "Shape" => ShapeEntries(c),
            "Identity" or "Cast" or "Squeeze" or "Unsqueeze" or "Flatten" or "Reshape" => Of(c.Opt(0)),
            "Gather" => Gather(c),
            "Concat" => Concat(c),
            "Slice" => Slice(c),
            "Add" => Binary(c, (a, b) => a + b),
            "Sub" => Binary(c, (a, b) => a - b),
            "Mul" => Binary(c, (a, b) => a * b),
            "Div" => Binary(c, (a, b) => b == 0 ? null : a / b),
            _ => null,
        };
        if (result is not null && y.Rank <= 1 && (y.Rank == 0 ? result.Length == 1 : y.Shape[0] < 0 || y.Shape[0] == result.Length))
            Set(y, result);
    }

    private static long?[] ShapeEntries(ImportContext c)
    {
        var dims = c.In(0).Shape.Select(d => d < 0 ? null : (long?)d).ToArray();
        int r = dims.Length;
        int start = (int)c.Int("start", 0), end = (int)c.Int("end", r);
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = Math.Clamp(start, 0, r); end = Math.Clamp(end, start, r);
        return dims[start..end];
    }

    private static long?[]? Gather(ImportContext c)
    {
        if (Of(c.Opt(0)) is not { } data || c.In(0).Rank != 1 || Of(c.Opt(1)) is not { } idx || idx.Any(i => i is null)) return null;
        var result = new long?[idx.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            long k = idx[i]!.Value;
            if (k < 0) k += data.Length;
            if (k < 0 || k >= data.Length) return null;
            result[i] = data[k];
        }
        return result;
    }

    private static long?[]? Concat(ImportContext c)
    {
        var parts = new List<long?>();
        foreach (var t in c.Inputs)
        {
            if (t is null) continue;
            if (Of(t) is not { } v) return null;
            parts.AddRange(v);
        }
        return [.. parts];
    }

    private static long?[]? Slice(ImportContext c)
    {
        if (Of(c.Opt(0)) is not { } data || c.In(0).Rank != 1) return null;
        // Slice the positions 0..n-1 with the same node (eagerly), then pick the entries they name.
        var positions = Tensor.From(Enumerable.Range(0, data.Length).Select(i => (long)i).ToArray());
        var ins = c.Inputs.ToArray();
        ins[0] = positions;
        for (int i = 1; i < ins.Length; i++)
        {
            if (ins[i] is { IsSymbolic: true } s) ins[i] = Fold(s);
            if (ins[i] is { IsSymbolic: true }) return null;
        }
        try
        {
            Tensor picked;
            using (Graph.EagerScope()) picked = OnnxOps.Handlers["Slice"](c.WithInputs(ins))[0];
            return picked.ToArray<long>().Select(i => data[i]).ToArray();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidDataException) { return null; }
    }

    private static long?[]? Binary(ImportContext c, Func<long, long, long?> f)
    {
        if (Of(c.Opt(0)) is not { } a || Of(c.Opt(1)) is not { } b) return null;
        if (a.Length != b.Length && a.Length != 1 && b.Length != 1) return null;
        int n = Math.Max(a.Length, b.Length);
        var r = new long?[n];
        for (int i = 0; i < n; i++)
        {
            var x = a[a.Length == 1 ? 0 : i]; var z = b[b.Length == 1 ? 0 : i];
            r[i] = x is null || z is null ? null : f(x.Value, z.Value);
        }
        return r;
    }
}
