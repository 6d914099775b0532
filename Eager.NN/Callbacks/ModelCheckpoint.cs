using System.Globalization;
using System.Text.RegularExpressions;

namespace Eager.NN;

/// <summary>
/// Saves the model (and, unless <c>saveWeightsOnly</c>, its optimizer's state) after epochs, in the
/// <see cref="Checkpoint"/> format, atomically (a temporary file renamed into place, so a crash never leaves a
/// half-written checkpoint). The path may hold Keras-style fields filled from the epoch (1-based) and the logs:
/// <c>"ckpt/weights.{epoch:02d}-{val_loss:.2f}.ckpt"</c>. With <c>saveBestOnly</c> it saves only when the monitored
/// metric improves. Restore with <c>new Checkpoint(model, optimizer).Restore(path)</c>.
/// </summary>
public sealed partial class ModelCheckpoint : Callback
{
    private readonly Monitor monitor;

    /// <summary>Creates the callback.</summary>
    /// <param name="filepath">Where to save; may contain {epoch} and {metric} fields with Python-style formats (02d, .4f).</param>
    /// <param name="monitor">The quantity that decides "best".</param>
    /// <param name="saveBestOnly">Save only when the monitored quantity improves.</param>
    /// <param name="saveWeightsOnly">Leave the optimizer's state out.</param>
    /// <param name="mode">Whether smaller or larger is better; Auto infers it from the name.</param>
    /// <param name="saveFreq">Save every this many epochs (1: every epoch).</param>
    /// <param name="verbose">Prints a line for each save.</param>
    /// <param name="initialValueThreshold">A value the monitored quantity must beat before the first save (Keras' initial_value_threshold).</param>
    public ModelCheckpoint(string filepath, string monitor = "val_loss", bool saveBestOnly = false, bool saveWeightsOnly = false,
                           MonitorMode mode = MonitorMode.Auto, int saveFreq = 1, bool verbose = false, double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filepath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(saveFreq);
        this.monitor = new Monitor(monitor, mode, 0, "ModelCheckpoint");
        (FilePath, SaveBestOnly, SaveWeightsOnly, SaveFreq, Verbose, InitialValueThreshold) =
            (filepath, saveBestOnly, saveWeightsOnly, saveFreq, verbose, initialValueThreshold);
    }

    /// <summary>The path template.</summary>
    public string FilePath { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Whether the optimizer is left out.</summary>
    public bool SaveWeightsOnly { get; }

    /// <summary>Epochs between saves.</summary>
    public int SaveFreq { get; }

    /// <summary>Whether each save is reported.</summary>
    public bool Verbose { get; }

    /// <summary>The value the first saved epoch must beat, if any.</summary>
    public double? InitialValueThreshold { get; }

    /// <summary>The best monitored value so far.</summary>
    public double Best => monitor.Best;

    /// <summary>The path of the last file written; null before the first save.</summary>
    public string? LastSaved { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(Dictionary<string, double> logs)
    {
        monitor.Reset();
        if (InitialValueThreshold is { } t) monitor.Update(t);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if ((epoch + 1) % SaveFreq != 0) return;
        var path = FormatPath(FilePath, epoch, logs);
        if (SaveBestOnly)
        {
            if (monitor.Read(logs) is not { } current) return;
            double before = monitor.Best;
            if (!monitor.Update(current))
            {
                if (Verbose) Console.WriteLine($"Epoch {epoch + 1}: {monitor.Name} did not improve from {before:0.#####}");
                return;
            }
            if (Verbose) Console.WriteLine($"Epoch {epoch + 1}: {monitor.Name} improved from {before:0.#####} to {current:0.#####}, saving the model to {path}");
        }
        else if (Verbose) Console.WriteLine($"Epoch {epoch + 1}: saving the model to {path}");
        var model = AttachedModel;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        new Checkpoint(model, SaveWeightsOnly ? null : model.Optimizer).Save(path);
        LastSaved = path;
    }

    /// <summary>Fills "{epoch:02d}" (1-based) and "{name:.4f}" fields of <paramref name="template"/> from <paramref name="logs"/>.</summary>
    /// <exception cref="KeyNotFoundException">A field names nothing in the logs.</exception>
    internal static string FormatPath(string template, int epoch, IReadOnlyDictionary<string, double> logs) =>
        Field().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            var spec = m.Groups[2].Success ? m.Groups[2].Value : "";
            double value = name == "epoch" ? epoch + 1 : logs.TryGetValue(name, out var v) ? v
                : throw new KeyNotFoundException($"ModelCheckpoint: the path '{template}' names '{{{name}}}', which is not in the logs (they have: epoch, {string.Join(", ", logs.Keys)}).");
            return Format(value, spec, name == "epoch");
        });

    private static string Format(double value, string spec, bool integer)
    {
        var c = CultureInfo.InvariantCulture;
        if (spec.Length == 0) return integer ? ((long)value).ToString(c) : value.ToString(c);
        char kind = spec[^1];
        var body = spec[..^1];
        switch (kind)
        {
            case 'd':
                int width = body.Length > 0 ? int.Parse(body.TrimStart('0').PadLeft(1, '0'), c) : 0;
                var digits = ((long)Math.Round(value)).ToString(c);
                return body.StartsWith('0') ? digits.PadLeft(width, '0') : digits.PadLeft(width);
            case 'f' or 'e':
                int precision = body.StartsWith('.') ? int.Parse(body[1..], c) : 6;
                return value.ToString((kind == 'f' ? "F" : "e") + precision, c);
            default:
                return value.ToString(spec, c);
        }
    }

    [GeneratedRegex(@"\{(\w+)(?::([^}]*))?\}")]
    private static partial Regex Field();
}
