namespace Eager.NN.Models;

/// <summary>How a VGG19's weights expect their input images (set by the weights loaded).</summary>
public enum ImageNetPreprocessing
{
    /// <summary>Keras / Caffe: BGR channel order, ImageNet mean (103.939, 116.779, 123.68) subtracted from [0, 255] pixels.</summary>
    Caffe,

    /// <summary>torchvision: RGB in [0, 1], minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225).</summary>
    Torch,
}

/// <summary>
/// VGG19 (Simonyan and Zisserman) with Keras' layer names: 16 3x3 "same" ReLU convolutions in five blocks
/// (block1_conv1 ... block5_conv4, 64 to 512 filters), each block ending in a 2x2 max pool (block1_pool ...
/// block5_pool); optionally the classifier head (flatten, fc1 and fc2 with 4096 ReLU units, predictions with
/// softmax) for 224x224 inputs. Inputs are NHWC images prepared with <see cref="Preprocess"/>. Weights start
/// random (GlorotUniform, seeded if asked) or load from safetensors with Keras or torchvision names
/// (<see cref="LoadWeights"/>, converting torchvision's OIHW kernels to HWIO). <see cref="Features"/> returns named
/// intermediate activations, which is what style transfer needs.
/// </summary>
public sealed class Vgg19 : Layer
{
    private static readonly int[] BlockConvs = [2, 2, 4, 4, 4];
    private static readonly int[] BlockFilters = [64, 128, 256, 512, 512];

    // Indexes of the convolutions in torchvision's vgg19().features (ReLUs and pools sit between them).
    private static readonly int[] TorchConvIndex = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];

    private readonly List<Layer> stack = [];

    /// <summary>A VGG19 with random weights; <paramref name="includeTop"/> adds the 1000-class (or <paramref name="classes"/>) head.</summary>
    public Vgg19(bool includeTop = false, int classes = 1000, int? seed = null, string? name = null) : base(name ?? "vgg19")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        IncludeTop = includeTop;
        int s = seed ?? 0;
        for (int b = 0; b < 5; b++)
        {
            for (int c = 0; c < BlockConvs[b]; c++)
            {
                var init = seed is null ? new GlorotUniform() : new GlorotUniform(s++);
                stack.Add(Track(new Conv2D(BlockFilters[b], 3, padding: "same", activation: Ops.Relu, kernelInitializer: init, name: $"block{b + 1}_conv{c + 1}")));
            }
            stack.Add(Track(new MaxPool2D(2, 2, name: $"block{b + 1}_pool")));
        }
        if (includeTop)
        {
            stack.Add(Track(new Flatten(name: "flatten")));
            stack.Add(Track(new Dense(4096, activation: Ops.Relu, kernelInitializer: seed is null ? null : new GlorotUniform(s++), name: "fc1")));
            stack.Add(Track(new Dense(4096, activation: Ops.Relu, kernelInitializer: seed is null ? null : new GlorotUniform(s++), name: "fc2")));
            stack.Add(Track(new Dense(classes, activation: x => Ops.Softmax(x), kernelInitializer: seed is null ? null : new GlorotUniform(s++), name: "predictions")));
        }
    }

    /// <summary>Whether the classifier head is present.</summary>
    public bool IncludeTop { get; }

    /// <summary>The preprocessing the current weights expect (Caffe for random and Keras weights).</summary>
    public ImageNetPreprocessing Preprocessing { get; private set; } = ImageNetPreprocessing.Caffe;

    /// <summary>The names of the layers in order (block1_conv1 ... block5_pool, then the head's).</summary>
    public IReadOnlyList<string> LayerNames => [.. stack.Select(l => l.Name)];

    /// <summary>The standard style-transfer layers: block1_conv1 ... block5_conv1 for style, block4_conv2 or block5_conv2 for content.</summary>
    public static IReadOnlyList<string> StyleLayers { get; } = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"];

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4 || x.Shape[3] != 3)
            throw new ArgumentException($"Vgg19 '{Name}': expects NHWC RGB/BGR images (batch, height, width, 3), got {x.Shape}.");
        if (IncludeTop && (x.Shape[1] != 224 || x.Shape[2] != 224))
            throw new ArgumentException($"Vgg19 '{Name}': with the classifier head the input must be 224x224, got {x.Shape}.");
        foreach (var l in stack) x = l.Call(x, training);
        return x;
    }

    /// <summary>
    /// The activations of the named layers for <paramref name="images"/> (already preprocessed), computing only as far
    /// as the deepest one needs.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a layer of this model.</exception>
    public IReadOnlyDictionary<string, Tensor> Features(Tensor images, IEnumerable<string> layerNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(layerNames);
        var wanted = new HashSet<string>(layerNames, StringComparer.Ordinal);
        var names = LayerNames;
        var unknown = wanted.Where(w => !names.Contains(w)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Vgg19.Features: unknown layer(s) [{string.Join(", ", unknown)}]; layers are [{string.Join(", ", names)}].");
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (wanted.Count == 0) return result;
        if (images.Rank != 4 || images.Shape[3] != 3)
            throw new ArgumentException($"Vgg19.Features: expects NHWC images (batch, height, width, 3), got {images.Shape}.");
        // Build every layer (by tracing, no compute) so the deeper ones exist even when we stop early.
        if (!Built) Build(new Shape(-1, images.Shape[1], images.Shape[2], 3), images.DType);
        var x = images;
        using (Graph.Current?.NameScope(Name))
        {
            foreach (var l in stack)
            {
                x = l.Call(x);
                if (wanted.Contains(l.Name)) result[l.Name] = x;
                if (result.Count == wanted.Count) break;
            }
        }
        return result;
    }

    /// <summary>The activations of the named layers.</summary>
    public IReadOnlyDictionary<string, Tensor> Features(Tensor images, params string[] layerNames) => Features(images, (IEnumerable<string>)layerNames);

    /// <summary>
    /// ImageNet preprocessing for these weights: <paramref name="rgb"/> holds RGB pixels in [0, 255], NHWC. Caffe mode
    /// flips to BGR and subtracts the mean; Torch mode scales to [0, 1] and standardises. Differentiable (an affine map
    /// per channel), so gradients reach the image.
    /// </summary>
    public Tensor Preprocess(Tensor rgb) => Preprocess(rgb, Preprocessing);

    /// <summary>ImageNet preprocessing in the given mode (see <see cref="Preprocess(Tensor)"/>).</summary>
    /// <exception cref="ArgumentException">The input is not (..., 3) floating.</exception>
    public static Tensor Preprocess(Tensor rgb, ImageNetPreprocessing mode)
    {
        var (m, b) = Affine(mode);
        return Ops.Add(ChannelMap(CheckImage(rgb, "Preprocess"), Ops.Cast(Tensor.From(m, new Shape(3, 3)), rgb.DType)), Ops.Cast(Tensor.From(b), rgb.DType));
    }

    /// <summary>Undoes <see cref="Preprocess(Tensor, ImageNetPreprocessing)"/>: back to RGB in [0, 255] (not clipped).</summary>
    public static Tensor Deprocess(Tensor x, ImageNetPreprocessing mode)
    {
        var (m, b) = Affine(mode);
        // The map is y = x M + b with M a scaled permutation, so x = (y - b) M^-1; M^-1 is computed on the host.
        var inv = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (m[i * 3 + j] != 0) inv[j * 3 + i] = 1 / m[i * 3 + j];
        var bt = Ops.Cast(Tensor.From(b), x.DType);
        return ChannelMap(Ops.Subtract(CheckImage(x, "Deprocess"), bt), Ops.Cast(Tensor.From(inv, new Shape(3, 3)), x.DType));
    }

    /// <summary>x (..., 3) times a 3x3 matrix, as one (pixels, 3) product.</summary>
    private static Tensor ChannelMap(Tensor x, Tensor m) => Ops.ReshapeLike(Ops.MatMul(Ops.Reshape(x, -1, 3), m), x);

    private static Tensor CheckImage(Tensor t, string op)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Rank < 2 || t.Shape[-1] != 3 || !t.DType.IsFloating)
            throw new ArgumentException($"Vgg19.{op}: expects floating images with 3 channels last, got {t.DType.Name()}{t.Shape}.");
        return t;
    }

    /// <summary>The per-channel affine map y = x M + b of a preprocessing mode.</summary>
    private static (double[] M, double[] B) Affine(ImageNetPreprocessing mode)
    {
        if (mode == ImageNetPreprocessing.Caffe)
        {
            // RGB -> BGR permutation, then the ImageNet BGR mean.
            return ([0, 0, 1, 0, 1, 0, 1, 0, 0], [-103.939, -116.779, -123.68]);
        }
        double[] mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
        var m = new double[9];
        var b = new double[3];
        for (int c = 0; c < 3; c++) { m[c * 3 + c] = 1 / (255 * std[c]); b[c] = -mean[c] / std[c]; }
        return (m, b);
    }

    /// <summary>
    /// Loads weights from a safetensors file with Keras names ("block1_conv1/kernel", HWIO; an optional prefix such as
    /// "vgg19/" and a ":0" suffix are accepted) or torchvision names ("features.0.weight", OIHW, converted), and sets
    /// <see cref="Preprocessing"/> to match. Head weights are needed only with <see cref="IncludeTop"/>; the file may hold
    /// more. The model is built for 224x224 inputs first if needed. Nothing changes unless every weight loads.
    /// </summary>
    /// <exception cref="InvalidOperationException">A weight is missing or has the wrong shape.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors.</exception>
    public RestoreStatus LoadWeights(string path)
    {
        if (!Built) Build(new Shape(-1, 224, 224, 3));
        var names = SafeTensors.List(path).Select(e => e.Name).ToList();
        bool torch = names.Any(n => n.StartsWith("features.", StringComparison.Ordinal));
        RestoreStatus status;
        if (torch)
        {
            status = SafeTensors.LoadInto(this, path, TorchName, TorchLayout);
            Preprocessing = ImageNetPreprocessing.Torch;
        }
        else
        {
            var set = new HashSet<string>(names, StringComparer.Ordinal);
            status = SafeTensors.LoadInto(this, path, p => KerasName(p, set, names));
            Preprocessing = ImageNetPreprocessing.Caffe;
        }
        return status;
    }

    /// <summary>A VGG19 with weights from a safetensors file (see <see cref="LoadWeights"/>), kept in
    /// <paramref name="dtype"/>: float32, or bfloat16/float16 for half the weight memory (the file's weights are
    /// rounded to it; the model then takes images of that dtype).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating dtype.</exception>
    public static Vgg19 FromSafeTensors(string path, bool includeTop = false, DType dtype = DType.Float32)
    {
        if (!dtype.IsFloating) throw new ArgumentException($"Vgg19.FromSafeTensors: weights must have a floating dtype, got {dtype.Name()}.", nameof(dtype));
        var m = new Vgg19(includeTop);
        m.Build(new Shape(-1, 224, 224, 3), dtype);
        m.LoadWeights(path);
        return m;
    }

    private static string? KerasName(string path, HashSet<string> set, List<string> all)
    {
        foreach (var candidate in new[] { path, path + ":0", path.Replace('/', '.'), path.Replace('/', '.') + ":0" })
        {
            if (set.Contains(candidate)) return candidate;
            var suffixed = all.FirstOrDefault(n => n.EndsWith("/" + candidate, StringComparison.Ordinal) || n.EndsWith("." + candidate, StringComparison.Ordinal));
            if (suffixed is not null) return suffixed;
        }
        return path; // reported as missing by LoadInto
    }

    private static string? TorchName(string path)
    {
        var parts = path.Split('/');
        string kind = parts[1] == "kernel" ? "weight" : "bias";
        if (parts[0].StartsWith("block", StringComparison.Ordinal) && parts[0].Contains("_conv", StringComparison.Ordinal))
        {
            int block = parts[0][5] - '1', conv = int.Parse(parts[0][(parts[0].IndexOf("_conv", StringComparison.Ordinal) + 5)..], System.Globalization.CultureInfo.InvariantCulture) - 1;
            int index = 0;
            for (int b = 0; b < block; b++) index += BlockConvs[b];
            return $"features.{TorchConvIndex[index + conv]}.{kind}";
        }
        return parts[0] switch
        {
            "fc1" => $"classifier.0.{kind}",
            "fc2" => $"classifier.3.{kind}",
            "predictions" => $"classifier.6.{kind}",
            _ => null,
        };
    }

    /// <summary>torchvision layouts to ours: conv OIHW to HWIO; linear (out, in) to (in, out); fc1's inputs from
    /// PyTorch's (C, H, W) flattening order to our (H, W, C).</summary>
    private static Tensor TorchLayout(string path, Tensor t)
    {
        if (t.Rank == 4)
        {
            var s = t.Shape;
            var src = t.ToDoubleArray();
            int o = s[0], i = s[1], h = s[2], w = s[3];
            var dst = new double[src.Length];
            for (int a = 0; a < o; a++)
                for (int b = 0; b < i; b++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            dst[((y * w + x) * i + b) * o + a] = src[((a * i + b) * h + y) * w + x];
            return Ops.Cast(Tensor.From(dst, new Shape(h, w, i, o)), t.DType);
        }
        if (t.Rank == 2)
        {
            int outs = t.Shape[0], ins = t.Shape[1];
            var src = t.ToDoubleArray();
            var dst = new double[src.Length];
            bool fc1 = path.StartsWith("fc1/", StringComparison.Ordinal) && ins == 512 * 7 * 7;
            for (int r = 0; r < outs; r++)
                for (int c = 0; c < ins; c++)
                {
                    // PyTorch index c = ch*49 + pos; ours = pos*512 + ch.
                    int ours = fc1 ? (c % 49) * 512 + c / 49 : c;
                    dst[ours * outs + r] = src[r * ins + c];
                }
            return Ops.Cast(Tensor.From(dst, new Shape(ins, outs)), t.DType);
        }
        return t;
    }
}
