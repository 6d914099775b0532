using System.Globalization;
using System.Net;
using System.Text;
using Eager.NN;

namespace Eager.Interactive;

/// <summary>
/// Graphs, traced functions and models as preformatted listings: the text <see cref="GraphPrinter"/> and
/// <see cref="Layer.Summary"/> print, under a one-line heading, in a scrolling box. Very long listings are cut
/// after <see cref="MaxLines"/> lines (saved notebooks stay small) with a note saying how many lines were left out.
/// </summary>
public static class ListingHtml
{
    /// <summary>Lines shown before a listing is cut.</summary>
    public const int MaxLines = 300;

    private const string PreStyle = "max-height:32em;overflow:auto;font-size:0.9em;margin:0.2em 0";

    /// <summary>A graph: node and variable counts, then one line per node.</summary>
    public static string Format(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int vars = GraphPrinter.Variables(graph).Count;
        var heading = string.Create(CultureInfo.InvariantCulture,
            $"Graph: {graph.Nodes.Count} {(graph.Nodes.Count == 1 ? "node" : "nodes")}, {vars} {(vars == 1 ? "variable" : "variables")}");
        return Listing(heading, GraphPrinter.Print(graph));
    }

    /// <summary>A traced function: its signature, then its graph.</summary>
    public static string Format(ConcreteFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var inputs = string.Join(", ", function.InputSpecs.Select(s => $"{s.Name}: {s.DType.Name()}{s.Shape}"));
        var outputs = string.Join(", ", function.OutputSpecs.Select(s => $"{s.DType.Name()}{s.Shape}"));
        return Listing($"ConcreteFunction {function.Name}({inputs}) -> {outputs}", GraphPrinter.Print(function.Graph));
    }

    /// <summary>A layer or model: its Keras-style summary once built, otherwise what it is and how to build it.</summary>
    public static string Format(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Listing($"{layer.GetType().Name} '{layer.Name}'", SummaryText(layer));
    }

    /// <summary>The summary table of a built layer, or a line saying it is not built yet.</summary>
    public static string SummaryText(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Built) return layer.Summary(TextWriter.Null);
        var sb = new StringBuilder(layer.ToString()).AppendLine();
        sb.AppendLine("Not built yet: call it once, or call Build(inputShape), to see output shapes and parameter counts.");
        foreach (var l in layer.Layers) sb.Append("  ").Append(l.Name).Append(" (").Append(l.GetType().Name).AppendLine(")");
        return sb.ToString().TrimEnd();
    }

    private static string Listing(string heading, string text)
    {
        var lines = text.TrimEnd().Split('\n');
        var shown = lines.Length > MaxLines ? string.Join('\n', lines.Take(MaxLines)) : string.Join('\n', lines);
        var sb = new StringBuilder("<div class=\"eager-listing\"><div style=\"font-family:monospace\"><b>")
            .Append(WebUtility.HtmlEncode(heading)).Append("</b></div><pre style=\"").Append(PreStyle).Append("\">")
            .Append(WebUtility.HtmlEncode(shown));
        if (lines.Length > MaxLines)
            sb.Append('\n').Append(WebUtility.HtmlEncode(string.Create(CultureInfo.InvariantCulture, $"... {lines.Length - MaxLines} more lines (ToString() gives them all)")));
        return sb.Append("</pre></div>").ToString();
    }
}
