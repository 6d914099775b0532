using Eager;

namespace StyleTransfer;

/// <summary>Command-line options. Users and scripts rely on these names.</summary>
internal sealed class Options
{
    public string Content { get; set; } = Path.Combine(AppContext.BaseDirectory, "images", "chelsea.png");
    public string Style { get; set; } = Path.Combine(AppContext.BaseDirectory, "images", "starry_night.jpg");
    public string Out { get; set; } = Path.Combine("out", "stylized.png");
    public int Size { get; set; } = 256;
    public int Steps { get; set; } = 100;
    public string? Weights { get; set; }
    public string Optimizer { get; set; } = "adam";
    public bool Eager { get; set; }
    public int SaveEvery { get; set; }
    public double ContentWeight { get; set; } = 1;
    public double StyleWeight { get; set; } = 1e5;
    public double TvWeight { get; set; } = 1e-4;
    public double LearningRate { get; set; } = 10;
    public bool Help { get; set; }
    public bool Tf1 { get; set; }
    public double Noise { get; set; }
    public int Seed { get; set; } = 1;
    public DType WeightsDType { get; set; } = DType.Float32;

    public const string Usage = """
        Neural style transfer (Gatys, Ecker and Bethge) with Eager.

        Usage: StyleTransfer [options]
          --content PATH      content image (JPEG/PNG); default: the bundled chelsea.png
          --style PATH        style image; default: the bundled starry_night.jpg
          --out PATH          output PNG (default out/stylized.png); a loss plot is written beside it
          --size N            pixels of the longer side (default 256)
          --steps N           optimisation steps (default 100)
          --weights PATH      pretrained VGG19: a safetensors file (torchvision or Keras names) or an ONNX file;
                              without it the pretrained ResNet-18 from the NuGet package
                              Microsoft.ML.DnnImageFeaturizer.ResNet18 provides the features;
                              'random' uses VGG19 with seeded random weights (for timing only)
          --precision P       fp32 (default) or bf16: keep VGG19's weights in bfloat16 (half the memory) and
                              compute its features in bfloat16 with float32 accumulation (with --weights)
          --optimizer NAME    adam (default) or lbfgs
          --eager             run the step eagerly instead of as a traced graph (and report both speeds)
          --tf1               build it TensorFlow 1 style: placeholders, a Session, an initializer, feed_dict (adam, VGG19)
          --noise X           start from the content image plus uniform noise of +-X (default 0)
          --seed N            seed of that noise (default 1); the same seed gives the same image in both styles
          --save-every N      also write the image every N steps
          --content-weight X, --style-weight X, --tv-weight X, --lr X   loss weights and Adam's learning rate
          --help              this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            int NextInt() => int.TryParse(Next(), out var v) && v > 0 ? v : throw new ArgumentException($"Option {args[i - 1]} needs a positive integer.");
            double NextDouble() => double.TryParse(Next(), System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"Option {args[i - 1]} needs a non-negative number.");
            switch (args[i])
            {
                case "--content": o.Content = Next(); break;
                case "--style": o.Style = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--size": o.Size = NextInt(); break;
                case "--steps": o.Steps = NextInt(); break;
                case "--weights": o.Weights = Next(); break;
                case "--optimizer":
                    o.Optimizer = Next().ToLowerInvariant();
                    if (o.Optimizer is not ("adam" or "lbfgs")) throw new ArgumentException($"--optimizer must be adam or lbfgs, got '{o.Optimizer}'.");
                    break;
                case "--eager": o.Eager = true; break;
                case "--tf1": o.Tf1 = true; break;
                case "--noise": o.Noise = NextDouble(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--precision":
                    o.WeightsDType = Next() switch
                    {
                        "fp32" or "float32" => DType.Float32,
                        "bf16" or "bfloat16" => DType.BFloat16,
                        var p => throw new ArgumentException($"--precision must be fp32 or bf16, got '{p}'."),
                    };
                    break;
                case "--save-every": o.SaveEvery = NextInt(); break;
                case "--content-weight": o.ContentWeight = NextDouble(); break;
                case "--style-weight": o.StyleWeight = NextDouble(); break;
                case "--tv-weight": o.TvWeight = NextDouble(); break;
                case "--lr": o.LearningRate = NextDouble(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Run with --help for the list.");
            }
        }
        if (o.WeightsDType != DType.Float32 && o.Weights is null)
            throw new ArgumentException("--precision bf16 applies to VGG19: pass --weights PATH (or 'random').");
        return o;
    }
}
