namespace Eager.Onnx.Import;

/// <summary>
/// NCHW convolution, pooling and normalisation, run by Eager's NHWC kernels: inputs are transposed to NHWC,
/// filters from OIHW to HWIO, and results back to NCHW.
/// </summary>
internal static partial class OnnxOps
{
    private static readonly int[] ToNhwc = [0, 2, 3, 1], ToNchw = [0, 3, 1, 2];

    private static void AddNN(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["Conv"] = c => [Spatial(c, (x, k) => Conv(c, x, k))];
        h["MaxPool"] = c =>
        {
            if (c.Node.Output.Count > 1 && !string.IsNullOrEmpty(c.Node.Output[1])) return MaxPoolWithIndices(c);
            return [c.In(0).Rank == 5 ? Pool3D(c, isMax: true) : Spatial(c, (x, k) => Pool(c, x, k, isMax: true))];
        };
        h["AveragePool"] = c => [c.In(0).Rank == 5 ? Pool3D(c, isMax: false) : Spatial(c, (x, k) => Pool(c, x, k, isMax: false))];
        h["GlobalAveragePool"] = c => [Ops.ReduceMean(c.In(0), SpatialAxes(c, c.In(0)), keepDims: true)];
        h["GlobalMaxPool"] = c => [Ops.ReduceMax(c.In(0), SpatialAxes(c, c.In(0)), keepDims: true)];
        h["BatchNormalization"] = c =>
        {
            if (c.Opset < 9 && c.Int("spatial", 1) == 0) throw c.Unsupported("spatial=0");
            var x = c.In(0);
            _ = SpatialAxes(c, x);
            double eps = c.Float("epsilon", 1e-5f);
            var shape = new int[x.Rank];
            Array.Fill(shape, 1);
            shape[1] = -1;
            Tensor P(int i) => Ops.Reshape(c.In(i), shape);
            bool training = c.Int("training_mode", 0) != 0 || (c.Opset < 14 && c.Node.Output.Skip(1).Any(o => !string.IsNullOrEmpty(o)));
            if (!training) return [(x - P(3)) * (P(1) * Ops.Rsqrt(P(4) + eps)) + P(2)];
            if (c.Opset < 14) throw c.Unsupported("BatchNormalization's training outputs before opset 14");
            // Training mode: normalise with the batch's statistics (population variance) and return the running
            // statistics moved toward them by (1 - momentum).
            var axes = Enumerable.Range(0, x.Rank).Where(i => i != 1).ToArray();
            var (mean, variance) = Ops.Moments(x, axes);
            double momentum = c.Float("momentum", 0.9f);
            var y = (x - Ops.Reshape(mean, shape)) * (P(1) * Ops.Rsqrt(Ops.Reshape(variance, shape) + eps)) + P(2);
            return [y, c.In(3) * momentum + mean * (1 - momentum), c.In(4) * momentum + variance * (1 - momentum)];
        };
        h["Pad"] = c =>
        {
            var x = c.In(0);
            var pads = c.Opset >= 11 ? c.ConstInts(1) : c.Ints("pads") ?? throw c.Unsupported("Pad without pads");
            double value = c.Opset >= 11 ? (c.Opt(2) is { } v ? c.Const(2).ToDoubleArray()[0] : 0) : c.Float("value", 0f);
            var mode = c.Str("mode", "constant");
            int r = x.Rank;
            if (pads.Length != 2 * r) throw new ArgumentException($"pads has {pads.Length} values for rank {r}.");
            if (pads.Any(p => p < 0)) x = Crop(c, x, pads);
            var p = new int[r, 2];
            for (int i = 0; i < r; i++) { p[i, 0] = (int)Math.Max(0, pads[i]); p[i, 1] = (int)Math.Max(0, pads[i + r]); }
            return mode switch
            {
                "constant" => [Ops.Pad(x, p, "CONSTANT", value)],
                "reflect" => [Ops.Pad(x, p, "REFLECT")],
                "edge" => [EdgePad(c, x, p)],
                _ => throw c.Unsupported($"Pad mode '{mode}'"),
            };
        };
        h["Gather"] = c =>
        {
            var x = c.In(0); var idx = c.In(1);
            int axis = (int)c.Int("axis", 0);
            if (axis < 0) axis += x.Rank;
            if (!idx.IsSymbolic && x.Shape[axis] >= 0)
            {
                var dim = x.Shape[axis];
                var v = idx.ToDoubleArray();
                if (v.Any(i => i < 0)) idx = Tensor.From(v.Select(i => (long)(i < 0 ? i + dim : i)).ToArray(), idx.Shape);
            }
            return [Ops.Gather(x, idx, axis)];
        };
    }

    /// <summary>Negative ONNX pads remove elements.</summary>
    private static Tensor Crop(ImportContext c, Tensor x, long[] pads)
    {
        int r = x.Rank;
        var begin = new int[r]; var size = new int[r];
        for (int i = 0; i < r; i++)
        {
            int b = (int)Math.Max(0, -pads[i]), e = (int)Math.Max(0, -pads[i + r]);
            if (x.Shape[i] < 0 && (b > 0 || e > 0)) throw c.Unsupported("negative pads along a dimension unknown at import time");
            begin[i] = b; size[i] = b == 0 && e == 0 ? -1 : x.Shape[i] - b - e;
        }
        return Ops.Slice(x, begin, size);
    }

    /// <summary>Edge padding: the first and last slices along each axis, repeated.</summary>
    private static Tensor EdgePad(ImportContext c, Tensor x, int[,] p)
    {
        for (int i = 0; i < x.Rank; i++)
        {
            if (p[i, 0] == 0 && p[i, 1] == 0) continue;
            int dim = x.Shape[i];
            if (dim < 0) throw c.Unsupported("edge padding along a dimension unknown at import time");
            if (dim == 0) throw new ArgumentException($"Pad: edge padding of an empty axis {i} of {x.Shape}.");
            Tensor Edge(int at, int count)
            {
                var begin = new int[x.Rank]; var size = Enumerable.Repeat(-1, x.Rank).ToArray();
                begin[i] = at; size[i] = 1;
                var reps = Enumerable.Repeat(1, x.Rank).ToArray();
                reps[i] = count;
                return Ops.Tile(Ops.Slice(x, begin, size), reps);
            }
            var parts = new List<Tensor>();
            if (p[i, 0] > 0) parts.Add(Edge(0, p[i, 0]));
            parts.Add(x);
            if (p[i, 1] > 0) parts.Add(Edge(dim - 1, p[i, 1]));
            x = Ops.Concat(parts, i);
        }
        return x;
    }

    /// <summary>The axes after (N, C) of an input that must have them.</summary>
    private static int[] SpatialAxes(ImportContext c, Tensor x) => x.Rank >= 2 ? Enumerable.Range(2, x.Rank - 2).ToArray()
        : throw new ArgumentException($"{c.Node.OpType}: the input {x.Shape} has rank {x.Rank}; it needs (N, C, ...), rank 2 or more.");

    /// <summary>Runs a 2-D spatial NCHW op (1-D inputs get a height of 1).</summary>
    private static Tensor Spatial(ImportContext c, Func<Tensor, SpatialArgs, Tensor> f)
    {
        var x = c.In(0);
        bool oneD = x.Rank == 3;
        if (x.Rank != 4 && !oneD) throw c.Unsupported($"{x.Rank - 2}-D spatial input");
        if (oneD) x = Ops.ExpandDims(x, 2);
        var kernel = c.Ints("kernel_shape") ?? (c.Opt(1) is { } w ? w.Shape.Skip(2).Select(d => (long)d).ToArray() : throw c.Unsupported("no kernel_shape"));
        var k = new SpatialArgs(
            Pair(kernel, 1, oneD, "kernel_shape"), Pair(c.Ints("strides"), 1, oneD, "strides"), Pair(c.Ints("dilations"), 1, oneD, "dilations"),
            Pads(c.Ints("pads"), oneD), c.Str("auto_pad", "NOTSET"), oneD);
        var y = Ops.Transpose(f(Ops.Transpose(x, ToNhwc), k), ToNchw);
        return oneD ? Ops.Squeeze(y, 2) : y;
    }

    // Node failures surface as ArgumentException, which the importer reports as a corrupt model naming the node.
    private static (int H, int W) Pair(long[]? v, int fallback, bool oneD, string name = "a spatial attribute")
    {
        if (v is null) return (fallback, fallback);
        int want = oneD ? 1 : 2;
        if (v.Length != want || v.Any(e => e is < int.MinValue or > int.MaxValue))
            throw new ArgumentException($"{name} is [{string.Join(", ", v)}]; a {want}-D spatial input needs {want} values in the int32 range.");
        return oneD ? (1, (int)v[0]) : ((int)v[0], (int)v[1]);
    }

    /// <summary>ONNX pads [begin..., end...]: two values per spatial axis, non-negative and in the int32 range.</summary>
    private static long[]? Pads(long[]? v, bool oneD)
    {
        if (v is null) return null;
        int want = oneD ? 2 : 4;
        if (v.Length != want || v.Any(e => e is < 0 or > int.MaxValue))
            throw new ArgumentException($"pads is [{string.Join(", ", v)}]; a {want / 2}-D spatial input needs {want} non-negative values in the int32 range.");
        return v;
    }

    private sealed record SpatialArgs((int H, int W) Kernel, (int H, int W) Strides, (int H, int W) Dilations, long[]? Pads, string AutoPad, bool OneD);

    /// <summary>Explicit pads [top, left, bottom, right] for an NHWC input, or null for TensorFlow's "SAME".</summary>
    private static (int[] Pads, string Padding) Padding(ImportContext c, Tensor nhwc, SpatialArgs a)
    {
        int Total(int inSize, int k, int s, int d)
        {
            int outSize = (inSize + s - 1) / s;
            return Math.Max((outSize - 1) * s + (k - 1) * d + 1 - inSize, 0);
        }
        switch (a.AutoPad)
        {
            case "VALID": return ([0, 0, 0, 0], "VALID");
            case "SAME_UPPER": return ([0, 0, 0, 0], "SAME");
            case "SAME_LOWER":
                {
                    int th = Total(nhwc.Shape[1], a.Kernel.H, a.Strides.H, a.Dilations.H), tw = Total(nhwc.Shape[2], a.Kernel.W, a.Strides.W, a.Dilations.W);
                    return ([th - th / 2, tw - tw / 2, th / 2, tw / 2], "EXPLICIT");
                }
            case "NOTSET":
                if (a.Pads is null || a.Pads.All(p => p == 0)) return ([0, 0, 0, 0], "VALID");
                var p = a.OneD ? new[] { 0, (int)a.Pads[0], 0, (int)a.Pads[1] } : a.Pads.Select(v => (int)v).ToArray();
                if (nhwc.Shape[1] > 0 && nhwc.Shape[2] > 0)
                {
                    int th = Total(nhwc.Shape[1], a.Kernel.H, a.Strides.H, a.Dilations.H), tw = Total(nhwc.Shape[2], a.Kernel.W, a.Strides.W, a.Dilations.W);
                    if (p[0] == th / 2 && p[2] == th - th / 2 && p[1] == tw / 2 && p[3] == tw - tw / 2) return ([0, 0, 0, 0], "SAME");
                }
                return (p, "EXPLICIT");
            default: throw c.Unsupported($"auto_pad '{a.AutoPad}'");
        }
    }

    /// <summary>The value a max-pool pad holds: one no element of <paramref name="dtype"/> is below.</summary>
    private static double Lowest(DType dtype) => dtype switch
    {
        DType.Int8 => sbyte.MinValue,
        DType.UInt8 => 0,
        DType.Int32 => int.MinValue,
        DType.Int64 => long.MinValue,
        _ => double.NegativeInfinity,
    };

    private static Tensor PadNhwc(Tensor x, int[] p, double value) =>
        p.All(v => v == 0) ? x : Ops.Pad(x, new[,] { { 0, 0 }, { p[0], p[2] }, { p[1], p[3] }, { 0, 0 } }, "CONSTANT", value);

    private static Tensor Conv(ImportContext c, Tensor x, SpatialArgs a)
    {
        var w = c.In(1);
        if (a.OneD) w = Ops.ExpandDims(w, 2);
        long group = c.Int("group", 1);
        int cin = x.Shape[3];
        var (pads, padding) = Padding(c, x, a);
        if (padding == "EXPLICIT") { x = PadNhwc(x, pads, 0); padding = "VALID"; }
        Tensor y;
        if (group == 1)
            y = Ops.Conv2D(x, c.Prepared(1, a.OneD ? "HWIO 1-D" : "HWIO", t => Ops.Transpose(a.OneD ? Ops.ExpandDims(t, 2) : t, [2, 3, 1, 0])), strides: new Size2(a.Strides.H, a.Strides.W), padding: padding, dilations: new Size2(a.Dilations.H, a.Dilations.W));
        else if (group == cin && w.Shape[1] == 1)
        {
            int mult = w.Shape[0] / cin;
            var hwim = c.Prepared(1, a.OneD ? "HWIM 1-D" : "HWIM", t => Ops.Transpose(Ops.Reshape(a.OneD ? Ops.ExpandDims(t, 2) : t, cin, mult, w.Shape[2], w.Shape[3]), [2, 3, 0, 1]));
            y = Ops.DepthwiseConv2D(x, hwim, strides: new Size2(a.Strides.H, a.Strides.W), padding: padding, dilations: new Size2(a.Dilations.H, a.Dilations.W));
        }
        else throw c.Unsupported($"grouped convolution with group={group}");
        if (c.Opt(2) is { } bias) y = Ops.BiasAdd(y, bias);
        return y;
    }

    private static Tensor Pool(ImportContext c, Tensor x, SpatialArgs a, bool isMax)
    {
        if (a.Dilations != (1, 1)) return isMax ? DilatedMaxPool(c, x, a) : throw c.Unsupported("average pooling with dilations");
        var (pads, padding) = Padding(c, x, a);
        var size = new Size2(a.Kernel.H, a.Kernel.W);
        var strides = new Size2(a.Strides.H, a.Strides.W);
        bool includePad = c.Int("count_include_pad", 0) != 0;
        int[] extra = [0, 0];
        if (c.Int("ceil_mode", 0) != 0 && padding != "SAME")
        {
            // ceil_mode: one more window where a partial one fits, as long as it starts inside the input or the begin pad.
            if (x.Shape[1] < 0 || x.Shape[2] < 0) throw c.Unsupported("ceil_mode with a height or width unknown at import time");
            if (padding == "VALID") pads = [0, 0, 0, 0];
            int Extra(int inSize, int k, int st, int begin, int end)
            {
                int span = inSize + begin + end - k;
                int outSize = (span + st - 1) / st + 1;
                if ((outSize - 1) * st >= inSize + begin) outSize--;
                return Math.Max(0, (outSize - 1) * st + k - (inSize + begin + end));
            }
            extra = [Extra(x.Shape[1], a.Kernel.H, a.Strides.H, pads[0], pads[2]), Extra(x.Shape[2], a.Kernel.W, a.Strides.W, pads[1], pads[3])];
            padding = "EXPLICIT";
        }
        if (padding != "EXPLICIT")
        {
            if (!isMax && padding == "SAME" && includePad)
                return Ops.AvgPool2D(PadNhwc(x, SamePads(x, a), 0), size, strides, "VALID");
            return isMax ? Ops.MaxPool2D(x, size, strides, padding) : Ops.AvgPool2D(x, size, strides, padding);
        }
        int[] all = [pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1]];
        if (isMax) return Ops.MaxPool2D(PadNhwc(x, all, Lowest(x.DType)), size, strides, "VALID");
        var sum = Ops.AvgPool2D(PadNhwc(x, all, 0), size, strides, "VALID");
        if (includePad && extra[0] == 0 && extra[1] == 0) return sum;
        // Average over the cells that count (the input, plus the explicit pads with count_include_pad): divide by
        // the fraction of each window they cover. The cells a ceil_mode window hangs past the pads never count.
        var ones = Ops.OnesLike(Ops.Slice(x, [0, 0, 0, 0], [1, -1, -1, 1]));
        var counted = includePad ? PadNhwc(PadNhwc(ones, pads, 1), [0, 0, extra[0], extra[1]], 0) : PadNhwc(ones, all, 0);
        return sum / Ops.AvgPool2D(counted, size, strides, "VALID");
    }

    private static int[] SamePads(Tensor x, SpatialArgs a)
    {
        int th = Math.Max(((x.Shape[1] + a.Strides.H - 1) / a.Strides.H - 1) * a.Strides.H + a.Kernel.H - x.Shape[1], 0);
        int tw = Math.Max(((x.Shape[2] + a.Strides.W - 1) / a.Strides.W - 1) * a.Strides.W + a.Kernel.W - x.Shape[2], 0);
        return [th / 2, tw / 2, th - th / 2, tw - tw / 2];
    }
}
