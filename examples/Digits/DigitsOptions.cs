using System.Globalization;

/// <summary>Command-line options of the digits example.</summary>
internal sealed class DigitsOptions
{
    public int Epochs { get; private set; } = 8;
    public int BatchSize { get; private set; } = 64;
    public double LearningRate { get; private set; } = 2e-3;
    public int Seed { get; private set; } = 1;
    public bool Fashion { get; private set; }
    public bool Traced { get; private set; } = true;
    public bool Help { get; private set; }
    public bool Distributed { get; private set; }
    public int? TrainLimit { get; private set; }
    public string Precision { get; private set; } = "fp32";
    public string? DataDir { get; private set; }
    public string OutDir { get; private set; } = Path.Combine(RepoRoot(), "out", "digits");

    /// <summary>The fraction of the training images Fit holds out for EarlyStopping and ModelCheckpoint to watch.</summary>
    public const double ValidationSplit = 0.1;

    public const string Usage = """
        Digits: a small CNN on real hand-written digits.
          --epochs N       passes over the training set (default 8)
          --batch N        batch size (default 64)
          --lr X           peak learning rate of Adam with cosine decay (default 0.002)
          --seed N         seed for initial weights, split and shuffling (default 1)
          --fashion        train and report on Fashion-MNIST instead
          --eager          run the training step eagerly (default: a traced Function, about 2.5x faster)
          --limit N        use only N training images (quick runs)
          --precision P    fp32 (default), bf16 (mixed_bfloat16) or fp16 (mixed_float16 with loss scaling); prints
                           the activation memory of a training step in float32 and in P
          --data DIR       data folder (default data/mnist, or the Debian Fashion-MNIST folder)
          --out DIR        where the best checkpoint, the TensorBoard logs and the PNG go (default out/digits)
          --distributed    data-parallel on the ranks of an MPI job: scripts/mpirun.sh -np 2 dotnet Digits.dll --distributed
        """;

    public static DigitsOptions? Parse(string[] args)
    {
        var o = new DigitsOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--epochs": o.Epochs = Positive(Next()); break;
                    case "--batch": o.BatchSize = Positive(Next()); break;
                    case "--lr": o.LearningRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--limit": o.TrainLimit = Positive(Next()); break;
                    case "--precision":
                        o.Precision = Next();
                        if (o.Precision is not ("fp32" or "bf16" or "fp16")) throw new ArgumentException($"--precision takes fp32, bf16 or fp16, not '{o.Precision}'");
                        break;
                    case "--data": o.DataDir = Next(); break;
                    case "--out": o.OutDir = Next(); break;
                    case "--fashion": o.Fashion = true; break;
                    case "--eager": o.Traced = false; break;
                    case "--distributed": o.Distributed = true; break;
                    case "--help" or "-h": o.Help = true; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"digits: {e.Message}\n{Usage}");
                return null;
            }
        }
        return o;
    }

    private static int Positive(string s)
    {
        int v = int.Parse(s, CultureInfo.InvariantCulture);
        return v > 0 ? v : throw new ArgumentException($"expected a positive number, got {s}");
    }

    /// <summary>The repository root: the nearest folder above the binary holding Eager.sln (else the current folder).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Eager.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }
}
