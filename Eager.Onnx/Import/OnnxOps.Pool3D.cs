namespace Eager.Onnx.Import;

/// <summary>3-D MaxPool and AveragePool (NCDHW) from Eager's 2-D pools: a window over (D, H, W) is a window over
/// (H, W) in each depth slice followed by one over D, exact for max and for the mean of equal-sized windows.</summary>
internal static partial class OnnxOps
{
    private static Tensor Pool3D(ImportContext c, bool isMax)
    {
        var x = c.In(0);
        if (Enumerable.Range(1, 4).Any(i => x.Shape[i] < 0))
            throw c.Unsupported($"3-D pooling of {x.Shape}, with channels or spatial dimensions unknown at import time,");
        var k = Three(c, "kernel_shape", null);
        var s = Three(c, "strides", 1);
        if (Three(c, "dilations", 1).Any(d => d != 1)) throw c.Unsupported("3-D pooling with dilations");
        int[] size = [x.Shape[2], x.Shape[3], x.Shape[4]];
        int[] begin = new int[3], end = new int[3], extra = new int[3];
        switch (c.Str("auto_pad", "NOTSET"))
        {
            case "NOTSET":
                if (c.Ints("pads") is { } p)
                {
                    if (p.Length != 6 || p.Any(v => v is < 0 or > int.MaxValue))
                        throw new ArgumentException($"pads is [{string.Join(", ", p)}]; a 3-D spatial input needs 6 non-negative values in the int32 range.");
                    for (int i = 0; i < 3; i++) (begin[i], end[i]) = ((int)p[i], (int)p[3 + i]);
                }
                break;
            case "VALID": break;
            case var mode and ("SAME_UPPER" or "SAME_LOWER"):
                for (int i = 0; i < 3; i++)
                {
                    int total = Math.Max(((size[i] + s[i] - 1) / s[i] - 1) * s[i] + k[i] - size[i], 0);
                    begin[i] = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
                break;
            case var mode: throw c.Unsupported($"auto_pad '{mode}'");
        }
        if (c.Int("ceil_mode", 0) != 0)
            for (int i = 0; i < 3; i++)
            {
                // One more window where a partial one fits, as long as it starts inside the input or the begin pad.
                int outSize = (size[i] + begin[i] + end[i] - k[i] + s[i] - 1) / s[i] + 1;
                if ((outSize - 1) * s[i] >= size[i] + begin[i]) outSize--;
                extra[i] = Math.Max(0, (outSize - 1) * s[i] + k[i] - (size[i] + begin[i] + end[i]));
            }
        int[] after = [end[0] + extra[0], end[1] + extra[1], end[2] + extra[2]];
        var ndhwc = Ops.Transpose(x, [0, 2, 3, 4, 1]);
        var y = Separable(Pad3D(ndhwc, begin, after, isMax ? Lowest(x.DType) : 0), k, s, isMax);
        bool includePad = c.Int("count_include_pad", 0) != 0;
        bool padded = begin.Concat(after).Any(v => v != 0);
        if (!isMax && padded && !(includePad && extra.All(v => v == 0)))
        {
            // Average over the cells that count (the input, plus the pads with count_include_pad; never the cells a
            // ceil_mode window hangs past them): divide by the fraction of each window they cover.
            var ones = Ops.OnesLike(Ops.Slice(ndhwc, [0, 0, 0, 0, 0], [1, -1, -1, -1, 1]));
            var counted = includePad ? Pad3D(Pad3D(ones, begin, end, 1), [0, 0, 0], extra, 0) : Pad3D(ones, begin, after, 0);
            y /= Separable(counted, k, s, isMax: false);
        }
        return Ops.Transpose(y, [0, 4, 1, 2, 3]);
    }

    /// <summary>Pools (N, D, H, W, C) without padding: the (H, W) window in each depth slice, then the D window.</summary>
    private static Tensor Separable(Tensor t, int[] k, int[] s, bool isMax)
    {
        int d = t.Shape[1], h = t.Shape[2], w = t.Shape[3], ch = t.Shape[4];
        Tensor Pool2(Tensor v, Size2 window, Size2 step) => isMax ? Ops.MaxPool2D(v, window, step, "VALID") : Ops.AvgPool2D(v, window, step, "VALID");
        var planes = Pool2(Ops.Reshape(t, -1, h, w, ch), new Size2(k[1], k[2]), new Size2(s[1], s[2]));
        int h2 = planes.Shape[1], w2 = planes.Shape[2];
        var depth = Pool2(Ops.Reshape(planes, -1, d, h2 * w2 * ch, 1), new Size2(k[0], 1), new Size2(s[0], 1));
        return Ops.Reshape(depth, -1, depth.Shape[1], h2, w2, ch);
    }

    private static Tensor Pad3D(Tensor t, int[] begin, int[] end, double value) =>
        begin.Concat(end).All(v => v == 0) ? t
        : Ops.Pad(t, new[,] { { 0, 0 }, { begin[0], end[0] }, { begin[1], end[1] }, { begin[2], end[2] }, { 0, 0 } }, "CONSTANT", value);

    private static int[] Three(ImportContext c, string name, int? fallback)
    {
        var v = c.Ints(name);
        if (v is null) return fallback is { } f ? [f, f, f] : throw c.Unsupported($"3-D pooling without {name}");
        if (v.Length != 3 || v.Any(e => e is < 1 or > int.MaxValue))
            throw new ArgumentException($"{name} is [{string.Join(", ", v)}]; a 3-D spatial input needs 3 positive values in the int32 range.");
        return [.. v.Select(e => (int)e)];
    }
}
