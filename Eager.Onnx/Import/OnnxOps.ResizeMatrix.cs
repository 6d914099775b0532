namespace Eager.Onnx.Import;

/// <summary>
/// The Resize variants Eager's resize op does not cover (cubic, tf_crop_and_resize, exclude_outside), run as what
/// every separable resize is: y = A_h x A_w^T, with each axis's [out, in] weight matrix built at import time in
/// float64 from ONNX's sampling rules. Two MatMuls: differentiable, traceable and exportable like any other.
/// </summary>
internal static partial class OnnxOps
{
    private static bool NeedsMatrixResize(string mode, string coord, bool excludeOutside) =>
        mode == "cubic" || coord == "tf_crop_and_resize" || excludeOutside;

    /// <summary>NCHW resize of the two last axes through weight matrices.</summary>
    private static Tensor MatrixResize(ImportContext c, Tensor x, string mode, string coord, string nearest, int outH, int outW, double scaleH, double scaleW)
    {
        if (coord is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
            throw c.Unsupported($"coordinate_transformation_mode '{coord}'");
        int inH = x.Shape[2], inW = x.Shape[3];
        if (inH < 0 || inW < 0) throw c.Unsupported($"{mode} Resize with a height or width unknown at import time");
        if (outH < 0) outH = (int)Math.Floor(inH * scaleH + 1e-9);
        if (outW < 0) outW = (int)Math.Floor(inW * scaleW + 1e-9);
        if (scaleH <= 0) scaleH = (double)outH / inH;
        if (scaleW <= 0) scaleW = (double)outW / inW;
        double a = c.Float("cubic_coeff_a", -0.75f);
        bool exclude = c.Int("exclude_outside", 0) != 0;
        double extrapolation = c.Float("extrapolation_value", 0f);
        double[]? roi = coord == "tf_crop_and_resize" && c.Opt(1) is { } r && r.Shape.Size == 8 ? c.Const(1).ToDoubleArray() : null;
        if (coord == "tf_crop_and_resize" && roi is null) throw c.Unsupported("tf_crop_and_resize without a rank-4 roi");
        var (ah, mh) = ResizeWeights(mode, coord, nearest, inH, outH, scaleH, a, exclude, roi is null ? null : (roi[2], roi[6]));
        var (aw, mw) = ResizeWeights(mode, coord, nearest, inW, outW, scaleW, a, exclude, roi is null ? null : (roi[3], roi[7]));
        var y = Ops.MatMul(Ops.MatMul(Weights(ah, outH, inH, x.DType), x), Weights(aw, outW, inW, x.DType), transposeB: true);
        if (roi is null || extrapolation == 0 && mh.All(m => m) && mw.All(m => m)) return y;
        // Outside the crop box TensorFlow's crop_and_resize writes the extrapolation value.
        var fill = new double[outH * outW];
        for (int i = 0; i < outH; i++)
            for (int j = 0; j < outW; j++) fill[i * outW + j] = mh[i] && mw[j] ? 0 : extrapolation;
        return y + Ops.Cast(Tensor.From(fill, new Shape(outH, outW)), x.DType);
    }

    private static Tensor Weights(double[] w, int rows, int cols, DType dtype) => Ops.Cast(Tensor.From(w, new Shape(rows, cols)), dtype);

    /// <summary>One axis's [out, in] weights and, for crop-and-resize, which outputs fall inside the input.</summary>
    private static (double[] W, bool[] Inside) ResizeWeights(string mode, string coord, string nearest, int inSize, int outSize, double scale, double a, bool exclude, (double Start, double End)? roi)
    {
        var w = new double[outSize * inSize];
        var inside = new bool[outSize];
        double resized = inSize * scale;
        int taps = mode switch { "cubic" => 4, "linear" => 2, _ => 1 };
        for (int o = 0; o < outSize; o++)
        {
            double x = coord switch
            {
                "tf_crop_and_resize" => outSize == 1
                    ? (roi!.Value.End - roi.Value.Start) * (inSize - 1) / 2 + roi.Value.Start * (inSize - 1)
                    : o * (roi!.Value.End - roi.Value.Start) * (inSize - 1) / (outSize - 1) + roi.Value.Start * (inSize - 1),
                "pytorch_half_pixel" => resized > 1 ? (o + 0.5) / scale - 0.5 : -0.5,
                "align_corners" => resized == 1 ? 0 : o * (double)(inSize - 1) / (resized - 1),
                "asymmetric" => o / scale,
                "tf_half_pixel_for_nn" => (o + 0.5) / scale,
                _ => (o + 0.5) / scale - 0.5, // half_pixel
            };
            if (coord == "tf_crop_and_resize" && (x < 0 || x > inSize - 1)) continue;
            inside[o] = true;
            if (taps == 1)
            {
                double f = Math.Floor(x);
                double n = nearest switch
                {
                    "round_prefer_ceil" => x - f >= 0.5 ? f + 1 : f,
                    "floor" => f,
                    "ceil" => Math.Ceiling(x),
                    _ => x - f > 0.5 ? f + 1 : f,
                };
                w[o * inSize + Math.Clamp((int)n, 0, inSize - 1)] = 1;
                continue;
            }
            // ONNX's reference takes the taps nearest x with ties to the left, so an integer x has ratio 1 (not 0).
            int first = (int)Math.Ceiling(x) - 1 - (taps / 2 - 1);
            double ratio = x - ((int)Math.Ceiling(x) - 1);
            var coeffs = taps == 4 ? CubicCoefficients(ratio, a) : [1 - ratio, ratio];
            if (exclude)
            {
                double sum = 0;
                for (int k = 0; k < taps; k++)
                {
                    if (first + k < 0 || first + k >= inSize) coeffs[k] = 0;
                    sum += coeffs[k];
                }
                for (int k = 0; k < taps; k++) coeffs[k] /= sum;
            }
            for (int k = 0; k < taps; k++) w[o * inSize + Math.Clamp(first + k, 0, inSize - 1)] += coeffs[k];
        }
        return (w, inside);
    }

    /// <summary>Keys' cubic convolution weights for the taps at distances 1 + r, r, 1 - r, 2 - r (ONNX's cubic_coeff_a).</summary>
    private static double[] CubicCoefficients(double r, double a) =>
    [
        ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
        ((a + 2) * r - (a + 3)) * r * r + 1,
        ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
        ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a,
    ];
}
