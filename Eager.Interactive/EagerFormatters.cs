using Eager.NN;
using Microsoft.DotNet.Interactive.Formatting;

namespace Eager.Interactive;

/// <summary>
/// Registers Eager's notebook display with .NET Interactive's <see cref="Formatter"/>: a <see cref="Tensor"/> or
/// <see cref="Variable"/> as a compact HTML table with its shape and dtype (summarised when large), a
/// <see cref="TensorImage"/> (from <see cref="TensorImageExtensions.AsImage"/>) as a PNG picture, a
/// <see cref="LinePlot"/> as an SVG chart, a
/// <see cref="Graph"/> or <see cref="ConcreteFunction"/> as its node listing, a <see cref="Layer"/> (a model) as its
/// layer summary, and a <see cref="Shape"/> as "(2, 3)". Loading the Eager.Interactive package in a notebook
/// (<c>#r "nuget: Eager.Interactive"</c>) calls <see cref="Register"/> by itself; call it directly in other hosts.
/// </summary>
public static class EagerFormatters
{
    /// <summary>
    /// Registers the HTML and plain-text formatters. Calling it again registers them again, which is harmless (the
    /// latest registration wins) and restores them after <see cref="Formatter.ResetToDefault"/>.
    /// </summary>
    public static void Register()
    {
        const string html = HtmlFormatter.MimeType, text = PlainTextFormatter.MimeType;
        Formatter.Register<Tensor>((t, w) => w.Write(TensorHtml.Format(t)), html);
        Formatter.Register<Tensor>((t, w) => w.Write(t.ToString()), text);
        Formatter.Register<Variable>((v, w) => w.Write(TensorHtml.Format(v)), html);
        Formatter.Register<Variable>((v, w) => w.Write(v.ToString()), text);
        Formatter.Register<Shape>((s, w) => w.Write(TensorHtml.Code(s.ToString())), html);
        Formatter.Register<Shape>((s, w) => w.Write(s.ToString()), text);
        Formatter.Register<TensorImage>((i, w) => w.Write(i.ToHtml()), html);
        Formatter.Register<TensorImage>((i, w) => w.Write(i.ToString()), text);
        Formatter.Register<TensorImage>((i, w) => w.Write(Convert.ToBase64String(i.ToPng())), "image/png");
        Formatter.Register<LinePlot>((p, w) => w.Write(p.ToSvg()), html);
        Formatter.Register<LinePlot>((p, w) => w.Write(p.ToSvg()), "image/svg+xml");
        Formatter.Register<LinePlot>((p, w) => w.Write(p.ToString()), text);
        Formatter.Register<Graph>((g, w) => w.Write(ListingHtml.Format(g)), html);
        Formatter.Register<Graph>((g, w) => w.Write(GraphPrinter.Print(g)), text);
        Formatter.Register<ConcreteFunction>((f, w) => w.Write(ListingHtml.Format(f)), html);
        Formatter.Register<ConcreteFunction>((f, w) => w.Write(f.ToString()), text);
        Formatter.Register<Layer>((l, w) => w.Write(ListingHtml.Format(l)), html);
        Formatter.Register<Layer>((l, w) => w.Write(ListingHtml.SummaryText(l)), text);
    }
}
