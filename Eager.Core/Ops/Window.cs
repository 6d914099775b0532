using Eager.Kernels.Conv;

namespace Eager;

/// <summary>
/// Shared arithmetic and validation of the sliding-window ops (convolutions and pools) in NHWC layout:
/// padding names, (height, width) attributes and TensorFlow's output sizes. SAME: out = ceil(in / stride),
/// pad_total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0), pad_before = pad_total / 2 (the odd
/// cell goes at the bottom/right). VALID: out = ceil((in - (k - 1) * dilation) / stride), no padding.
/// </summary>
internal static class Window
{
    /// <summary>"SAME" or "VALID" from any casing, or an error naming the op.</summary>
    public static string Padding(string op, string padding)
    {
        var p = padding?.Trim().ToUpperInvariant();
        if (p is "SAME" or "VALID") return p;
        throw new ArgumentException($"{op}: padding must be \"SAME\" or \"VALID\" (any case), got {(padding is null ? "null" : "\"" + padding + "\"")}.");
    }

    /// <summary>[h, w] of a pair attribute (fallback when null), each at least 1.</summary>
    public static int[] Pair(string op, string what, Size2? value, int fallback)
    {
        var v = value ?? new Size2(fallback, fallback);
        if (v.Height < 1 || v.Width < 1) throw new ArgumentException($"{op}: {what} must be at least 1 in both directions, got {v}.");
        return v.ToArray();
    }

    /// <summary>Attributes of a convolution: strides, padding and dilations.</summary>
    public static Attrs ConvAttrs(string op, Size2? strides, string padding, Size2? dilations) => new()
    {
        { "strides", Pair(op, "strides", strides, 1) },
        { "padding", Padding(op, padding) },
        { "dilations", Pair(op, "dilations", dilations, 1) },
    };

    /// <summary>Attributes of a pool: poolSize, strides (default: the pool size, as Keras) and padding.</summary>
    public static Attrs PoolAttrs(string op, Size2 poolSize, Size2? strides, string padding)
    {
        var size = Pair(op, "poolSize", poolSize, 1);
        return new Attrs
        {
            { "poolSize", size },
            { "strides", Pair(op, "strides", strides ?? new Size2(size[0], size[1]), 1) },
            { "padding", Padding(op, padding) },
        };
    }

    /// <summary>Strides of an attribute set as a Size2 (for gradient rules that call the public ops).</summary>
    public static Size2 Strides(Attrs a) => ToSize(a.Ints("strides"));

    /// <summary>Dilations of an attribute set.</summary>
    public static Size2 Dilations(Attrs a) => ToSize(a.Ints("dilations"));

    /// <summary>Pool size of an attribute set.</summary>
    public static Size2 PoolSize(Attrs a) => ToSize(a.Ints("poolSize"));

    private static Size2 ToSize(int[] v) => new(v[0], v[1]);

    /// <summary>Output size and padding before, along one spatial axis; -1 when the input size is unknown.</summary>
    public static (int Out, int PadBefore) Output(string op, string axis, string window, int input, int k, int stride, int dilation, bool same, Shape inputShape)
    {
        if (input < 0 || k < 0) return (-1, 0);
        int span = (k - 1) * dilation + 1;
        if (same)
        {
            int outSize = (input + stride - 1) / stride;
            int total = Math.Max((outSize - 1) * stride + span - input, 0);
            return (outSize, total / 2);
        }
        if (span > input)
        {
            string dil = dilation > 1 ? $" (dilated from {k} by {dilation})" : "";
            throw new ArgumentException($"{op}: with VALID padding the {window} {axis} {span}{dil} is larger than the input {axis} {input} (input shape {inputShape}, NHWC). Use a smaller {window} or padding \"SAME\".");
        }
        return ((input - span) / stride + 1, 0);
    }

    /// <summary>Output (height, width) of a window op; -1 where the input size is unknown.</summary>
    public static (int H, int W) OutputSize(string op, string window, Shape input, int kh, int kw, Attrs a)
    {
        var s = a.Ints("strides");
        var d = a.Has("dilations") ? a.Ints("dilations") : [1, 1];
        bool same = a.String("padding") == "SAME";
        var h = Output(op, "height", window, input[1], kh, s[0], d[0], same, input);
        var w = Output(op, "width", window, input[2], kw, s[1], d[1], same, input);
        return (h.Out, w.Out);
    }

    /// <summary>The kernel geometry for concrete shapes (validated by the op's inference first).</summary>
    public static ConvGeometry Geometry(string op, Shape input, int kh, int kw, int outChannels, Attrs a)
    {
        var s = a.Ints("strides");
        var d = a.Has("dilations") ? a.Ints("dilations") : [1, 1];
        bool same = a.String("padding") == "SAME";
        var h = Output(op, "height", "kernel", input[1], kh, s[0], d[0], same, input);
        var w = Output(op, "width", "kernel", input[2], kw, s[1], d[1], same, input);
        return new ConvGeometry(input[0], input[1], input[2], input[3], kh, kw, outChannels, h.Out, w.Out,
                                s[0], s[1], d[0], d[1], h.PadBefore, w.PadBefore);
    }

    /// <summary>Rank 4 or an error naming the op, the role and the layout.</summary>
    public static void Rank4(string op, string role, Tensor t, string layout)
    {
        if (t.Rank != 4)
            throw new ArgumentException($"{op}: {role} must be rank 4 ({layout}), got shape {t.Shape} (rank {t.Rank}).");
    }

    /// <summary>float32 or float64, or an error naming the op.</summary>
    public static void Floating(string op, Tensor t, string role)
    {
        if (!t.DType.IsFloating)
            throw new ArgumentException($"{op}: {role} must be float32 or float64, got {t.DType.Name()}{t.Shape}.");
    }

    /// <summary>True when both dims are known and differ.</summary>
    public static bool Differ(int a, int b) => a >= 0 && b >= 0 && a != b;
}
