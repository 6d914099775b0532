namespace Eager.Onnx.Import;

/// <summary>MaxPool's Indices output and dilated max pooling, on top of Eager's NHWC pooling.</summary>
internal static partial class OnnxOps
{
    /// <summary>
    /// MaxPool with its Indices output: Eager's MaxPoolWithArgmax on the explicitly padded NHWC input gives
    /// (h * paddedWidth + w) * C + c; ONNX wants the NCHW position in the unpadded input, batch included, row-major
    /// ((n * C + c) * H + h) * W + w or, with storage_order=1, column-major ((n * C + c) * W + w) * H + h.
    /// </summary>
    private static Tensor[] MaxPoolWithIndices(ImportContext c)
    {
        var x = c.In(0);
        if (x.Rank != 4) throw c.Unsupported($"MaxPool's Indices output for a rank-{x.Rank} input (only NCHW images)");
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (n < 0 || ch < 0 || h < 0 || w < 0) throw c.Unsupported("MaxPool's Indices output with dimensions unknown at import time");
        if (c.Int("ceil_mode", 0) != 0) throw c.Unsupported("MaxPool's Indices output with ceil_mode=1");
        var kernel = c.Ints("kernel_shape") ?? throw c.Unsupported("MaxPool without kernel_shape");
        var a = new SpatialArgs(Pair(kernel, 1, false), Pair(c.Ints("strides"), 1, false), Pair(c.Ints("dilations"), 1, false),
            c.Ints("pads"), c.Str("auto_pad", "NOTSET"), false);
        if (a.Dilations != (1, 1)) throw c.Unsupported("MaxPool's Indices output with dilations");
        var nhwc = Ops.Transpose(x, ToNhwc);
        var (pads, padding) = Padding(c, nhwc, a);
        if (padding == "SAME") pads = SamePads(nhwc, a);
        var (y, arg) = Ops.MaxPoolWithArgmax(PadNhwc(nhwc, pads, double.NegativeInfinity), new Size2(a.Kernel.H, a.Kernel.W),
            new Size2(a.Strides.H, a.Strides.W), "VALID");
        int paddedW = w + pads[1] + pads[3];
        var cell = arg / (double)ch;
        var channel = arg - cell * (double)ch;
        var row = cell / (double)paddedW;
        var col = cell - row * (double)paddedW - (double)pads[1];
        row -= (double)pads[0];
        var batch = Tensor.From(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), new Shape(n, 1, 1, 1));
        var plane = batch * (double)ch + channel;
        var index = c.Int("storage_order", 0) != 0 ? (plane * (double)w + col) * (double)h + row : (plane * (double)h + row) * (double)w + col;
        return [Ops.Transpose(y, ToNchw), Ops.Transpose(index, ToNchw)];
    }

    /// <summary>Dilated max pooling as the maximum of the kernel's strided views of the -inf padded input.</summary>
    private static Tensor DilatedMaxPool(ImportContext c, Tensor x, SpatialArgs a)
    {
        if (c.Int("ceil_mode", 0) != 0) throw c.Unsupported("dilated pooling with ceil_mode=1");
        if (x.Shape[1] < 0 || x.Shape[2] < 0) throw c.Unsupported("dilated pooling with a height or width unknown at import time");
        var (pads, padding) = Padding(c, x, a);
        if (padding == "SAME") pads = SamePads(x, a);
        else if (padding == "VALID") pads = [0, 0, 0, 0];
        var p = PadNhwc(x, pads, Lowest(x.DType));
        int reachH = (a.Kernel.H - 1) * a.Dilations.H + 1, reachW = (a.Kernel.W - 1) * a.Dilations.W + 1;
        int outH = (p.Shape[1] - reachH) / a.Strides.H + 1, outW = (p.Shape[2] - reachW) / a.Strides.W + 1;
        if (outH <= 0 || outW <= 0) throw new ArgumentException($"MaxPool: the dilated kernel ({reachH}x{reachW}) is larger than the padded input {p.Shape}.");
        Tensor? result = null;
        for (int i = 0; i < a.Kernel.H; i++)
            for (int j = 0; j < a.Kernel.W; j++)
            {
                int top = i * a.Dilations.H, left = j * a.Dilations.W;
                var view = Ops.StridedSlice(p, [0, top, left, 0], [0, top + (outH - 1) * a.Strides.H + 1, left + (outW - 1) * a.Strides.W + 1, 0],
                    [1, a.Strides.H, a.Strides.W, 1], beginMask: 0b1001, endMask: 0b1001);
                result = result is null ? view : Ops.Maximum(result, view);
            }
        return result!;
    }
}
