using System.Globalization;

namespace Eager.NN;

/// <summary>
/// Writes a TensorBoard event file (what tf.summary and PyTorch's SummaryWriter write): scalars, histograms,
/// images, text and graphs, each tagged with a step, into <c>logDir/events.out.tfevents.&lt;seconds&gt;.&lt;host&gt;.&lt;pid&gt;</c>.
/// Point TensorBoard at the folder (<c>tensorboard --logdir runs</c>). The file stays open while the writer lives and
/// every record's wall time is Unix seconds; <see cref="Flush"/> makes what was added visible to a TensorBoard that is
/// watching, and <see cref="Dispose"/> flushes and closes. Thread-safe.
/// <code>
/// using var w = new SummaryWriter("runs/exp1");
/// for (int step = 0; step &lt; 100; step++) w.AddScalar("loss", Math.Exp(-step / 20.0), step);
/// </code>
/// </summary>
public sealed class SummaryWriter : IDisposable
{
    private readonly object gate = new();
    private FileStream? stream;

    /// <summary>Creates <paramref name="logDir"/> if needed and opens a new event file in it, starting with the
    /// file-version record TensorBoard expects.</summary>
    /// <param name="logDir">The run's folder.</param>
    /// <param name="filenameSuffix">Appended to the file name (e.g. ".v2").</param>
    public SummaryWriter(string logDir, string filenameSuffix = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(logDir);
        ArgumentNullException.ThrowIfNull(filenameSuffix);
        Directory.CreateDirectory(logDir);
        LogDir = logDir;
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var baseName = string.Create(CultureInfo.InvariantCulture, $"events.out.tfevents.{seconds:D10}.{Environment.MachineName}.{Environment.ProcessId}");
        for (int i = 0; stream is null; i++)
        {
            // Two writers of one process may start in the same second in the same folder: number the later ones.
            FilePath = Path.Combine(logDir, baseName + (i == 0 ? "" : "." + i.ToString(CultureInfo.InvariantCulture)) + filenameSuffix);
            try { stream = new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read); }
            catch (IOException) when (File.Exists(FilePath) && i < 100) { }
        }
        Write(SummaryProtos.Event(WallTime(), 0, SummaryProtos.FileVersion("brain.Event:2")));
        Flush();
    }

    /// <summary>The run's folder.</summary>
    public string LogDir { get; }

    /// <summary>The event file being written.</summary>
    public string FilePath { get; } = "";

    /// <summary>Adds a scalar (the Scalars tab).</summary>
    public void AddScalar(string tag, double value, long step) =>
        Write(SummaryProtos.Event(WallTime(), step, SummaryProtos.Summary(Tag(tag), SummaryProtos.SimpleValue((float)value))));

    /// <summary>Adds a histogram of every element of <paramref name="values"/> (the Histograms and Distributions tabs);
    /// NaN and infinite values are left out.</summary>
    public void AddHistogram(string tag, Tensor values, long step, int bins = 30)
    {
        ArgumentNullException.ThrowIfNull(values);
        AddHistogram(tag, values.ToDoubleArray(), step, bins);
    }

    /// <summary>Adds a histogram of <paramref name="values"/> in <paramref name="bins"/> equal buckets between their minimum and maximum.</summary>
    /// <exception cref="ArgumentOutOfRangeException">bins is not positive.</exception>
    public void AddHistogram(string tag, ReadOnlySpan<double> values, long step, int bins = 30)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sumSquares = 0;
        long n = 0;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            (min, max, sum, sumSquares, n) = (Math.Min(min, v), Math.Max(max, v), sum + v, sumSquares + v * v, n + 1);
        }
        if (n == 0) (min, max) = (0, 0);
        if (max == min) bins = 1;
        var limits = new double[bins];
        var counts = new double[bins];
        double width = (max - min) / bins;
        for (int i = 0; i < bins; i++) limits[i] = i == bins - 1 ? max : min + width * (i + 1);
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            int b = width > 0 ? (int)((v - min) / width) : 0;
            counts[Math.Clamp(b, 0, bins - 1)]++;
        }
        Write(SummaryProtos.Event(WallTime(), step, SummaryProtos.Summary(Tag(tag),
            SummaryProtos.Histogram(min, max, n, sum, sumSquares, limits, counts))));
    }

    /// <summary>Adds an image (the Images tab), PNG-encoded: shape (height, width), (height, width, channels) or
    /// (1, height, width, channels) with 1, 3 or 4 channels. Floating values are taken as 0..1 (as tf.summary.image),
    /// integers as 0..255; both are clipped.</summary>
    /// <exception cref="ArgumentException">Another shape.</exception>
    public void AddImage(string tag, Tensor image, long step)
    {
        ArgumentNullException.ThrowIfNull(image);
        var s = image.Shape;
        (int h, int w, int c) = s.Rank switch
        {
            2 => (s[0], s[1], 1),
            3 => (s[0], s[1], s[2]),
            4 when s[0] == 1 => (s[1], s[2], s[3]),
            _ => (0, 0, 0),
        };
        if (h <= 0 || w <= 0 || c is not (1 or 3 or 4))
            throw new ArgumentException($"SummaryWriter.AddImage('{tag}'): the image is {image.DType.Name()}{s}; expected (height, width), (height, width, channels) " +
                                        "or (1, height, width, channels) with 1, 3 or 4 channels.", nameof(image));
        double scale = image.DType.IsFloating ? 255 : 1;
        var pixels = image.ToDoubleArray().Select(v => (byte)Math.Clamp(Math.Round(double.IsNaN(v) ? 0 : v * scale), 0, 255)).ToArray();
        var png = Png.Encode(pixels, w, h, c);
        Write(SummaryProtos.Event(WallTime(), step, SummaryProtos.Summary(Tag(tag), SummaryProtos.Image(h, w, c, png))));
    }

    /// <summary>Adds text (the Text tab renders it as Markdown).</summary>
    public void AddText(string tag, string text, long step)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(SummaryProtos.Event(WallTime(), step, SummaryProtos.Summary(Tag(tag), SummaryProtos.TextTensor(text))));
    }

    /// <summary>Adds a graph (the Graphs tab) as a TensorFlow GraphDef: nodes with their ops, inputs, attributes and output shapes.</summary>
    public void AddGraph(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Write(SummaryProtos.Event(WallTime(), 0, SummaryProtos.GraphDef(SummaryProtos.GraphDefOf(graph))));
    }

    /// <summary>Adds the graph of a traced function.</summary>
    public void AddGraph(ConcreteFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        AddGraph(function.Graph);
    }

    /// <summary>Writes buffered records to the file, so a watching TensorBoard sees them.</summary>
    public void Flush()
    {
        lock (gate) stream?.Flush();
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            stream?.Flush();
            stream?.Dispose();
            stream = null;
        }
    }

    private void Write(byte[] eventBytes)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(stream is null, this);
            EventRecords.Write(stream, eventBytes);
        }
    }

    private static string Tag(string tag) => !string.IsNullOrEmpty(tag) ? tag : throw new ArgumentException("SummaryWriter: a tag must not be empty.", nameof(tag));

    private static double WallTime() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
}
