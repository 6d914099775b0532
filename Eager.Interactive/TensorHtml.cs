using System.Globalization;
using System.Net;
using System.Text;

namespace Eager.Interactive;

/// <summary>
/// A tensor as a compact HTML table: a caption with dtype and shape, then the values. Rank 0 and 1 print as one
/// row, rank 2 as a grid with row and column indices, higher ranks as one grid per leading index ("[0, 1, :, :]").
/// Tensors with more than <see cref="Tensor.SummarizeThreshold"/> elements are summarised NumPy style: only the
/// first and last <see cref="EdgeItems"/> rows, columns and grids show, with an ellipsis between, and the caption
/// adds min, max and mean so a summary still tells what the data looks like.
/// </summary>
public static class TensorHtml
{
    /// <summary>Rows, columns or grids kept at each end of a summarised axis.</summary>
    public const int EdgeItems = 3;

    // One style block per output keeps the cells short; notebook front ends scope nothing, hence the class prefix.
    private const string Style = "<style>.eager-tensor{font-family:monospace}.eager-tensor table{border-collapse:collapse;font-size:0.9em;margin:0.2em 0}"
        + ".eager-tensor td,.eager-tensor th{padding:0.1em 0.6em;text-align:right}.eager-tensor th,.eager-tensor .note{color:#888;font-weight:normal}</style>";

    /// <summary>The HTML for <paramref name="tensor"/>; a symbolic tensor shows its name, shape and dtype only.</summary>
    public static string Format(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Format(tensor, "Tensor");
    }

    /// <summary>The HTML for a variable: its name, then its value as for a tensor (or a note when it has none yet).</summary>
    public static string Format(Variable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var title = $"Variable '{variable.Name}'{(variable.Trainable ? "" : " (not trainable)")}";
        if (variable.IsInitialized && !variable.Value.IsSymbolic) return Format(variable.Value, title);
        return Div(Caption(title, variable.DType, variable.Shape, variable.Graph is null ? "no value yet" : "graph variable: its value lives in a Session"));
    }

    /// <summary>Text in a &lt;code&gt; element, HTML-encoded.</summary>
    internal static string Code(string text) => "<code>" + WebUtility.HtmlEncode(text) + "</code>";

    private static string Format(Tensor t, string title)
    {
        if (t.IsSymbolic)
            return Div(Caption($"{title} \"{t.Name}\"", t.DType, t.Shape, "symbolic: no value until a Session runs it"));
        var values = t.ToDoubleArray();
        bool summarize = values.Length > Tensor.SummarizeThreshold;
        var sb = new StringBuilder();
        sb.Append(Caption(title, t.DType, t.Shape, summarize ? Stats(values, t.DType) : null));
        var dims = t.Shape.ToArray();
        if (values.Length == 0) sb.Append("<div>").Append(Code("[]")).Append("</div>");
        else if (dims.Length <= 2) AppendGrid(sb, values, 0, dims, t.DType, summarize);
        else AppendGrids(sb, values, dims, t.DType, summarize);
        return Div(sb.ToString());
    }

    private static string Div(string inner) => "<div class=\"eager-tensor\">" + Style + inner + "</div>";

    private static string Caption(string title, DType dtype, Shape shape, string? note)
    {
        var sb = new StringBuilder("<div><b>").Append(WebUtility.HtmlEncode(title)).Append("</b> ")
            .Append(dtype.Name()).Append(' ').Append(WebUtility.HtmlEncode(shape.ToString()));
        if (note is not null) sb.Append(" <span class=\"note\">").Append(WebUtility.HtmlEncode(note)).Append("</span>");
        return sb.Append("</div>").ToString();
    }

    /// <summary>One table per index of the leading axes, each showing the last two axes.</summary>
    private static void AppendGrids(StringBuilder sb, double[] v, int[] dims, DType dtype, bool summarize)
    {
        int rank = dims.Length, gridSize = dims[^1] * dims[^2];
        var lead = dims[..^2];
        int grids = v.Length / gridSize;
        foreach (int g in Kept(grids, summarize, 2))
        {
            if (g < 0) { sb.Append("<div class=\"note\">&#8942;</div>"); continue; }
            var index = new int[rank - 2];
            for (int a = rank - 3, rest = g; a >= 0; a--) { index[a] = rest % lead[a]; rest /= lead[a]; }
            sb.Append("<div class=\"note\">[")
              .Append(string.Join(", ", index)).Append(", :, :]</div>");
            AppendGrid(sb, v, g * gridSize, dims[^2..], dtype, summarize);
        }
    }

    /// <summary>A rank 0, 1 or 2 block of <paramref name="v"/> starting at <paramref name="offset"/> as one table.</summary>
    private static void AppendGrid(StringBuilder sb, double[] v, int offset, int[] dims, DType dtype, bool summarize)
    {
        int rows = dims.Length == 2 ? dims[0] : 1, cols = dims.Length == 0 ? 1 : dims[^1];
        var keptCols = Kept(cols, summarize, EdgeItems).ToArray();
        sb.Append("<table>");
        if (dims.Length == 2)
        {
            sb.Append("<tr><th></th>");
            foreach (int c in keptCols) sb.Append("<th>").Append(c < 0 ? "&#8230;" : c).Append("</th>");
            sb.Append("</tr>");
        }
        foreach (int r in Kept(rows, summarize, EdgeItems))
        {
            sb.Append("<tr>");
            if (dims.Length == 2) sb.Append("<th>").Append(r < 0 ? "&#8942;" : r).Append("</th>");
            foreach (int c in keptCols)
            {
                sb.Append("<td>");
                sb.Append(r < 0 ? (c < 0 ? "&#8945;" : "&#8942;") : c < 0 ? "&#8230;" : FormatValue(v[offset + r * cols + c], dtype));
                sb.Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</table>");
    }

    /// <summary>The indices to show along an axis of length <paramref name="n"/>; -1 marks the ellipsis.</summary>
    private static IEnumerable<int> Kept(int n, bool summarize, int edge)
    {
        if (!summarize || n <= 2 * edge + 1)
        {
            for (int i = 0; i < n; i++) yield return i;
            yield break;
        }
        for (int i = 0; i < edge; i++) yield return i;
        yield return -1;
        for (int i = n - edge; i < n; i++) yield return i;
    }

    private static string Stats(double[] v, DType dtype)
    {
        if (v.Length == 0 || dtype == DType.Bool) return $"{v.Length:N0} elements";
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        int nan = 0;
        foreach (var x in v)
        {
            if (double.IsNaN(x)) { nan++; continue; }
            min = Math.Min(min, x);
            max = Math.Max(max, x);
            sum += x;
        }
        var s = string.Create(CultureInfo.InvariantCulture, $"{v.Length:N0} elements, min {FormatValue(min, dtype)}, max {FormatValue(max, dtype)}, mean {(v.Length > nan ? sum / (v.Length - nan) : double.NaN):G5}");
        return nan > 0 ? s + string.Create(CultureInfo.InvariantCulture, $", {nan:N0} NaN") : s;
    }

    /// <summary>Numbers as the text formatter writes them: integers plainly, whole floats as "3.", others in 6 digits.</summary>
    internal static string FormatValue(double x, DType dtype) => dtype switch
    {
        DType.Bool => x != 0 ? "True" : "False",
        DType.Int32 or DType.Int64 => ((long)x).ToString(CultureInfo.InvariantCulture),
        _ => double.IsNaN(x) ? "nan" : double.IsInfinity(x) ? (x > 0 ? "inf" : "-inf")
            : x == Math.Floor(x) && Math.Abs(x) < 1e16 ? x.ToString("0", CultureInfo.InvariantCulture) + "."
            : x.ToString("G6", CultureInfo.InvariantCulture),
    };
}
