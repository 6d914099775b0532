using System.Globalization;

namespace Eager.NN;

/// <summary>
/// Writes one row per epoch to a CSV file (Keras' CSVLogger): an "epoch" column (0-based, as Keras) and one column
/// per logged metric, sorted by name. The file stays open during training and is flushed after every row, so it
/// can be watched while training runs. With <c>append</c> an existing file is continued without a second header.
/// </summary>
public sealed class CSVLogger(string filename, char separator = ',', bool append = false) : Callback, IDisposable
{
    private StreamWriter? writer;
    private string[]? keys;

    /// <summary>The file written.</summary>
    public string FileName { get; } = !string.IsNullOrEmpty(filename) ? filename : throw new ArgumentException("CSVLogger: give a file name.", nameof(filename));

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs)
    {
        Dispose();
        bool continuing = append && File.Exists(FileName) && new FileInfo(FileName).Length > 0;
        if (continuing)
        {
            using var reader = new StreamReader(FileName);
            keys = reader.ReadLine()?.Split(separator).Skip(1).ToArray();
        }
        else keys = null;
        var dir = Path.GetDirectoryName(Path.GetFullPath(FileName));
        if (dir is not null) Directory.CreateDirectory(dir);
        writer = new StreamWriter(FileName, continuing);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if (writer is null) return;
        if (keys is null)
        {
            keys = [.. logs.Keys.Order(StringComparer.Ordinal)];
            writer.WriteLine(string.Join(separator, ["epoch", .. keys]));
        }
        var row = keys.Select(k => logs.TryGetValue(k, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        writer.WriteLine(string.Join(separator, [epoch.ToString(CultureInfo.InvariantCulture), .. row]));
        writer.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(Dictionary<string, double> logs) => Dispose();

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        writer?.Dispose();
        writer = null;
    }
}
