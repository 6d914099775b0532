namespace Eager.Onnx.Import;

/// <summary>Operators that exported vision and text models use beyond the basics: hard activations, PRelu,
/// Resize/Upsample, ConvTranspose, the remaining reductions, instance and layer normalisation, depth/space
/// rearrangement and OneHot.</summary>
internal static partial class OnnxOps
{
    private static void AddModelOps(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["HardSigmoid"] = c => [Ops.HardSigmoid(c.In(0), c.Float("alpha", 0.2f), c.Float("beta", 0.5f))];
        h["HardSwish"] = c => [Ops.HardSwish(c.In(0))];
        h["Ceil"] = c => [Ops.Ceil(c.In(0))];
        h["PRelu"] = c =>
        {
            var x = c.In(0);
            var slope = c.In(1);
            // ONNX broadcasts the slope unidirectionally; a [C] slope of an NCHW input is stored as [C, 1, 1] by exporters.
            return [Ops.Where(Ops.Greater(x, Ops.ZerosLike(x)), x, x * slope)];
        };
        h["Resize"] = ResizeOnnx;
        h["Upsample"] = ResizeOnnx;
        h["ConvTranspose"] = c => [Spatial(c, (x, k) => ConvTranspose(c, x, k))];
        AddReduce(h, "ReduceL1", (x, a, k) => Ops.ReduceSum(Ops.Abs(x), a, k), 18);
        AddReduce(h, "ReduceL2", (x, a, k) => Ops.Sqrt(Ops.ReduceSum(Ops.Square(x), a, k)), 18);
        AddReduce(h, "ReduceSumSquare", (x, a, k) => Ops.ReduceSum(Ops.Square(x), a, k), 18);
        AddReduce(h, "ReduceLogSum", (x, a, k) => Ops.Log(Ops.ReduceSum(x, a, k)), 18);
        AddReduce(h, "ReduceLogSumExp", (x, a, k) => Ops.ReduceLogSumExp(x, a, k), 18);
        h["InstanceNormalization"] = c =>
        {
            var x = c.In(0);
            if (x.Rank < 2) throw new ArgumentException($"InstanceNormalization: the input {x.Shape} has rank {x.Rank}; it needs (N, C, ...), rank 2 or more.");
            double eps = c.Float("epsilon", 1e-5f);
            var axes = Enumerable.Range(2, x.Rank - 2).ToArray();
            var mean = Ops.ReduceMean(x, axes, keepDims: true);
            var centered = x - mean;
            var variance = Ops.ReduceMean(Ops.Square(centered), axes, keepDims: true);
            var shape = Enumerable.Repeat(1, x.Rank).ToArray();
            shape[1] = -1;
            return [centered * Ops.Rsqrt(variance + eps) * Ops.Reshape(c.In(1), shape) + Ops.Reshape(c.In(2), shape)];
        };
        h["LayerNormalization"] = c =>
        {
            var x = c.In(0);
            long given = c.Int("axis", -1);
            if (given < -x.Rank || given >= x.Rank)
                throw new ArgumentException($"LayerNormalization: axis {given} is out of range for the input {x.Shape} of rank {x.Rank}.");
            int axis = (int)(given < 0 ? given + x.Rank : given);
            double eps = c.Float("epsilon", 1e-5f);
            var axes = Enumerable.Range(axis, x.Rank - axis).ToArray();
            var mean = Ops.ReduceMean(x, axes, keepDims: true);
            var centered = x - mean;
            var invStd = Ops.Rsqrt(Ops.ReduceMean(Ops.Square(centered), axes, keepDims: true) + eps);
            var y = centered * invStd * c.In(1);
            // The optional Mean and InvStdDev outputs keep the normalised axes as size 1.
            return [c.Opt(2) is { } b ? y + b : y, mean, invStd];
        };
        h["DepthToSpace"] = c =>
        {
            var x = c.In(0);
            int bs = (int)c.Int("blocksize", 1);
            int n = x.Shape[0], ch = x.Shape[1], hh = x.Shape[2], ww = x.Shape[3];
            if (ch < 0 || hh < 0 || ww < 0) throw c.Unsupported("DepthToSpace with unknown channels, height or width");
            bool crd = c.Str("mode", "DCR") == "CRD";
            var t = crd ? Ops.Transpose(Ops.Reshape(x, n, ch / (bs * bs), bs, bs, hh, ww), [0, 1, 4, 2, 5, 3])
                        : Ops.Transpose(Ops.Reshape(x, n, bs, bs, ch / (bs * bs), hh, ww), [0, 3, 4, 1, 5, 2]);
            return [Ops.Reshape(t, n, ch / (bs * bs), hh * bs, ww * bs)];
        };
        h["SpaceToDepth"] = c =>
        {
            var x = c.In(0);
            int bs = (int)c.Int("blocksize", 1);
            int n = x.Shape[0], ch = x.Shape[1], hh = x.Shape[2], ww = x.Shape[3];
            if (ch < 0 || hh < 0 || ww < 0) throw c.Unsupported("SpaceToDepth with unknown channels, height or width");
            var t = Ops.Transpose(Ops.Reshape(x, n, ch, hh / bs, bs, ww / bs, bs), [0, 3, 5, 1, 2, 4]);
            return [Ops.Reshape(t, n, ch * bs * bs, hh / bs, ww / bs)];
        };
        h["OneHot"] = c =>
        {
            var idx = c.In(0);
            int depth = (int)Math.Round(c.Const(1).ToDoubleArray()[0]);
            var values = c.Const(2).ToDoubleArray();
            var valuesType = c.In(2).DType;
            if (idx.DType.IsFloating) idx = Ops.Cast(Ops.Floor(idx), DType.Int64);
            else if (idx.DType != DType.Int64) idx = Ops.Cast(idx, DType.Int64);
            // ONNX counts negative indices from the end; TensorFlow's one-hot leaves them all off.
            idx = Ops.Where(Ops.Less(idx, Ops.ZerosLike(idx)), idx + Tensor.Scalar((long)depth), idx);
            int axis = (int)c.Int("axis", -1);
            if (axis < -1) axis += idx.Rank + 1;
            return [Ops.OneHot(idx, depth, values[1], values[0], axis, valuesType)];
        };
    }

    /// <summary>ONNX Resize (opset 10+: scales or sizes inputs) and Upsample (scales attribute, then input) on NCHW,
    /// run as an NHWC resize of [N*C, H, W, 1] so no transposes are needed.</summary>
    private static Tensor[] ResizeOnnx(ImportContext c)
    {
        var x = c.In(0);
        if (x.Rank != 4) throw c.Unsupported($"{c.Node.OpType} of a rank-{x.Rank} tensor (only NCHW images)");
        var mode = c.Str("mode", "nearest");
        if (mode is "bilinear") mode = "linear";
        if (mode is not ("nearest" or "linear" or "cubic")) throw c.Unsupported($"mode '{mode}'");
        bool upsample = c.Node.OpType == "Upsample";
        var coord = upsample || c.Opset < 11 ? "asymmetric" : c.Str("coordinate_transformation_mode", "half_pixel");
        // Before opset 11 (and in Upsample) nearest picks floor(out / scale).
        var nearest = upsample || c.Opset < 11 ? "floor" : c.Str("nearest_mode", "round_prefer_floor");
        double[]? scales = null;
        long[]? sizes = null;
        if (upsample && c.Opset < 9) scales = c.Node.Attribute.First(a => a.Name == "scales").Floats.Select(f => (double)f).ToArray();
        else
        {
            int scalesAt = upsample || c.Opset < 11 ? 1 : 2;
            if (c.Opt(scalesAt) is { } s && s.Shape.Size != 0) scales = c.Const(scalesAt).ToDoubleArray();
            else if (!upsample && c.Opt(3) is { } z && z.Shape.Size != 0) sizes = c.ConstInts(3);
            else throw c.Unsupported("Resize without scales or sizes");
        }
        if (scales is { Length: not 4 } || sizes is { Length: not 4 }) throw c.Unsupported("Resize with scales or sizes not of rank 4");
        if (scales is not null && (scales[0] != 1 || scales[1] != 1)) throw c.Unsupported("resizing the batch or channel axis");
        int n = x.Shape[0], ch = x.Shape[1];
        if (sizes is not null && ((n >= 0 && sizes[0] != n) || (ch >= 0 && sizes[1] != ch))) throw c.Unsupported("resizing the batch or channel axis");
        int outH = sizes is null ? -1 : (int)sizes[2], outW = sizes is null ? -1 : (int)sizes[3];
        if (NeedsMatrixResize(mode, coord, c.Int("exclude_outside", 0) != 0))
            return [MatrixResize(c, x, mode, coord, nearest, outH, outW, scales?[2] ?? 0, scales?[3] ?? 0)];
        var flat = n >= 0 && ch >= 0 ? Ops.Reshape(x, n * ch, x.Shape[2], x.Shape[3], 1) : Ops.ExpandDims(Ops.Reshape(x, -1, x.Shape[2], x.Shape[3]), 3);
        var y = Ops.Resize(flat, outH, outW, mode, coord, nearest, scales?[2] ?? 0, scales?[3] ?? 0);
        return [n >= 0 && ch >= 0 ? Ops.Reshape(y, n, ch, y.Shape[1], y.Shape[2]) : ReshapeBack(x, y)];
    }

    /// <summary>[N*C, h, w, 1] back to [N, C, h, w] when N or C is known only at run time.</summary>
    private static Tensor ReshapeBack(Tensor x, Tensor y)
    {
        var nc = Ops.Slice(Ops.ShapeOf(x, DType.Int64), [0], [2]);
        var hw = Ops.Slice(Ops.ShapeOf(y, DType.Int64), [1], [2]);
        return Ops.Reshape(y, Ops.Concat([nc, hw]), knownDims: [x.Shape[0], x.Shape[1], y.Shape[1], y.Shape[2]]);
    }

    /// <summary>ONNX ConvTranspose (group 1) as a Conv2DTranspose over the full (VALID) output, then cropped by the pads.</summary>
    private static Tensor ConvTranspose(ImportContext c, Tensor x, SpatialArgs a)
    {
        if (c.Int("group", 1) != 1) throw c.Unsupported($"grouped ConvTranspose (group={c.Int("group", 1)})");
        var w = c.In(1); // [Cin, Cout, kh, kw]
        if (a.OneD) w = Ops.ExpandDims(w, 2);
        if (x.Shape[1] < 0 || x.Shape[2] < 0) throw c.Unsupported("ConvTranspose with unknown height or width at import time");
        var op = c.Ints("output_padding") is { } opad ? (a.OneD ? new[] { 0L, opad[0] } : opad) : [0L, 0L];
        int kh = (w.Shape[2] - 1) * a.Dilations.H + 1, kw = (w.Shape[3] - 1) * a.Dilations.W + 1;
        int baseH = a.Strides.H * (x.Shape[1] - 1) + kh, baseW = a.Strides.W * (x.Shape[2] - 1) + kw;
        int fullH = baseH + (int)op[0], fullW = baseW + (int)op[1];
        int[] pads;
        if (c.Ints("output_shape") is { } os)
        {
            var target = a.OneD ? new[] { 1L, os[^1] } : os[^2..];
            int th = fullH - (int)target[0], tw = fullW - (int)target[1];
            bool lower = a.AutoPad == "SAME_LOWER";
            pads = lower ? [th - th / 2, tw - tw / 2, th / 2, tw / 2] : [th / 2, tw / 2, th - th / 2, tw - tw / 2];
        }
        else if (a.AutoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            int th = fullH - x.Shape[1] * a.Strides.H, tw = fullW - x.Shape[2] * a.Strides.W;
            pads = a.AutoPad == "SAME_LOWER" ? [th - th / 2, tw - tw / 2, th / 2, tw / 2] : [th / 2, tw / 2, th - th / 2, tw - tw / 2];
        }
        else if (a.Pads is { } p) pads = a.OneD ? [0, (int)p[0], 0, (int)p[1]] : p.Select(v => (int)v).ToArray();
        else pads = [0, 0, 0, 0];
        var y = Ops.Conv2DTranspose(x, Ops.Transpose(w, [2, 3, 1, 0]), new Shape(x.Shape[0], baseH, baseW, w.Shape[1]),
            strides: new Size2(a.Strides.H, a.Strides.W), padding: "VALID", dilations: new Size2(a.Dilations.H, a.Dilations.W));
        // Past the kernel's reach (output_padding, or negative pads) the output is zero; then the pads crop.
        int[] grow = [Math.Max(0, -pads[0]), Math.Max(0, -pads[1]), (int)op[0] + Math.Max(0, -pads[2]), (int)op[1] + Math.Max(0, -pads[3])];
        y = PadNhwc(y, grow, 0);
        int[] crop = pads.Select(v => Math.Max(0, v)).ToArray();
        int h = y.Shape[1], wd = y.Shape[2];
        if (crop.Any(v => v > 0)) y = Ops.Slice(y, [0, crop[0], crop[1], 0], [-1, h - crop[0] - crop[2], wd - crop[1] - crop[3], -1]);
        if (c.Opt(2) is { } bias) y = Ops.BiasAdd(y, bias);
        return y;
    }
}
