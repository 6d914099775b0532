using System.Globalization;
using System.Net;
using System.Text;

namespace Eager.Interactive;

/// <summary>
/// A small line chart drawn as SVG, for loss curves and the like in a notebook without a plotting library:
/// <c>new LinePlot("loss").Add("train", losses)</c>. The x axis is the index (step) of each value; several series
/// share the axes and get a legend; <c>logY</c> plots positive values on a log scale. NaN and infinite values
/// (and, on a log scale, values &lt;= 0) leave a gap.
/// </summary>
public sealed class LinePlot
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    private readonly List<(string Name, double[] Values)> series = [];

    /// <summary>An empty plot; add series with <see cref="Add"/>.</summary>
    public LinePlot(string? title = null, bool logY = false, string xLabel = "step")
    {
        Title = title;
        LogY = logY;
        XLabel = xLabel;
    }

    /// <summary>The heading, if any.</summary>
    public string? Title { get; }

    /// <summary>Whether the y axis is logarithmic.</summary>
    public bool LogY { get; }

    /// <summary>The x axis label.</summary>
    public string XLabel { get; }

    /// <summary>The series, in the order added.</summary>
    public IReadOnlyList<(string Name, double[] Values)> Series => series;

    /// <summary>Adds a series (copied) and returns this plot.</summary>
    public LinePlot Add(string name, IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        series.Add((name, values.ToArray()));
        return this;
    }

    /// <summary>Adds a series of float values and returns this plot.</summary>
    public LinePlot Add(string name, IEnumerable<float> values) => Add(name, values.Select(v => (double)v));

    /// <summary>The chart as an SVG document of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public string ToSvg(int width = 480, int height = 260)
    {
        const int left = 64, right = 16, bottom = 36;
        int top = Title is null ? 12 : 30;
        double plotW = width - left - right, plotH = height - top - bottom;
        var ys = series.SelectMany(s => s.Values).Where(Usable).Select(Map).ToList();
        int n = Math.Max(2, series.Count == 0 ? 2 : series.Max(s => s.Values.Length));
        double lo = ys.Count > 0 ? ys.Min() : 0, hi = ys.Count > 0 ? ys.Max() : 1;
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi))) { lo -= 0.5; hi += 0.5; }
        double X(int i) => left + plotW * i / (n - 1);
        double Y(double v) => top + plotH * (1 - (Map(v) - lo) / (hi - lo));

        var sb = new StringBuilder();
        sb.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">"));
        sb.Append(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        if (Title is not null) sb.Append(F($"<text x=\"{width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">{Esc(Title)}</text>"));
        foreach (var (value, label) in YTicks(lo, hi))
        {
            double y = top + plotH * (1 - (value - lo) / (hi - lo));
            sb.Append(F($"<line x1=\"{left}\" x2=\"{left + plotW}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>"));
            sb.Append(F($"<text x=\"{left - 4}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{label}</text>"));
        }
        foreach (int i in new[] { 0, (n - 1) / 2, n - 1 }.Distinct())
            sb.Append(F($"<text x=\"{X(i):0.#}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">{i}</text>"));
        sb.Append(F($"<text x=\"{left + plotW / 2:0.#}\" y=\"{height - 4}\" text-anchor=\"middle\">{Esc(XLabel)}</text>"));
        sb.Append(F($"<rect x=\"{left}\" y=\"{top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>"));
        for (int s = 0; s < series.Count; s++)
        {
            var color = Colors[s % Colors.Length];
            foreach (var run in Runs(series[s].Values))
            {
                var points = string.Join(' ', run.Select(i => F($"{X(i):0.##},{Y(series[s].Values[i]):0.##}")));
                sb.Append(run.Count == 1
                    ? F($"<circle cx=\"{X(run[0]):0.##}\" cy=\"{Y(series[s].Values[run[0]]):0.##}\" r=\"2\" fill=\"{color}\"/>")
                    : $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{points}\"/>");
            }
            if (series.Count > 1)
            {
                double ly = top + 12 + 14 * s;
                sb.Append(F($"<line x1=\"{left + plotW - 110}\" x2=\"{left + plotW - 92}\" y1=\"{ly - 4}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"/>"));
                sb.Append(F($"<text x=\"{left + plotW - 88}\" y=\"{ly}\">{Esc(series[s].Name)}</text>"));
            }
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>"LinePlot 'loss': train (100 points)".</summary>
    public override string ToString() =>
        $"LinePlot{(Title is null ? "" : $" '{Title}'")}: " + string.Join(", ", series.Select(s => $"{s.Name} ({s.Values.Length} points)"));

    private bool Usable(double v) => double.IsFinite(v) && (!LogY || v > 0);

    private double Map(double v) => LogY ? Math.Log10(v) : v;

    /// <summary>Index runs of usable values: the pieces of the line between gaps.</summary>
    private List<List<int>> Runs(double[] v)
    {
        var runs = new List<List<int>>();
        List<int>? current = null;
        for (int i = 0; i < v.Length; i++)
        {
            if (!Usable(v[i])) { current = null; continue; }
            if (current is null) runs.Add(current = []);
            current.Add(i);
        }
        return runs;
    }

    /// <summary>About five ticks at round values (1, 2 or 5 times a power of ten; powers of ten on a log axis).</summary>
    private IEnumerable<(double Value, string Label)> YTicks(double lo, double hi)
    {
        if (LogY)
        {
            int step = Math.Max(1, (int)Math.Ceiling((hi - lo) / 5));
            for (int e = (int)Math.Ceiling(lo); e <= hi; e += step) yield return (e, Number(Math.Pow(10, e)));
            yield break;
        }
        double raw = (hi - lo) / 5, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double tick = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double t = Math.Ceiling(lo / tick) * tick; t <= hi + tick * 1e-9; t += tick) yield return (t, Number(Math.Abs(t) < tick * 1e-9 ? 0 : t));
    }

    private static string Number(double v) => v.ToString(Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-3) ? "0.##E+0" : "G4", CultureInfo.InvariantCulture);

    private static string Esc(string s) => WebUtility.HtmlEncode(s);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
