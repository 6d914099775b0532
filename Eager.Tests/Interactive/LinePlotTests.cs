using System.Globalization;
using System.Xml.Linq;
using Eager.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Eager.Tests.Interactive;

/// <summary>The SVG line chart notebooks use for loss curves.</summary>
[TestFixture]
public class LinePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [OneTimeSetUp]
    public void RegisterFormatters() => EagerFormatters.Register();

    private static XElement Parse(LinePlot plot) => XDocument.Parse(plot.ToSvg()).Root!;

    private static List<(double X, double Y)[]> Lines(XElement svg) =>
        [.. svg.Descendants(Svg + "polyline").Select(p => p.Attribute("points")!.Value.Split(' ')
            .Select(xy => xy.Split(','))
            .Select(a => (double.Parse(a[0], CultureInfo.InvariantCulture), double.Parse(a[1], CultureInfo.InvariantCulture))).ToArray())];

    [Test]
    public void OneSeriesIsOnePolylineFromLeftToRightWithLargerValuesHigher()
    {
        var svg = Parse(new LinePlot("loss").Add("loss", [3.0, 2.0, 1.0, 0.5]));
        var line = Lines(svg).Single();
        Assert.That(line, Has.Length.EqualTo(4));
        Assert.That(line.Select(p => p.X), Is.Ordered.Ascending);
        Assert.That(line.Select(p => p.Y), Is.Ordered.Ascending, "SVG y grows downwards, so a falling loss has growing y");
        Assert.That(svg.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("loss").And.Contain("step").And.Contain("3"));
    }

    [Test]
    public void SeveralSeriesShareTheAxesAndGetALegend()
    {
        var svg = Parse(new LinePlot().Add("train", [1f, 2f]).Add("test", [2f, 4f, 3f]));
        var lines = Lines(svg);
        Assert.That(lines, Has.Count.EqualTo(2));
        Assert.That(lines[0][1].X, Is.LessThan(lines[1][2].X), "x is the index; the longer series reaches further");
        Assert.That(lines[0][0].Y, Is.GreaterThan(lines[1][1].Y), "1 sits below 4 on the shared axis");
        Assert.That(svg.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("train").And.Contain("test"));
    }

    [Test]
    public void NonFiniteValuesAndNonPositiveValuesOnALogAxisLeaveGaps()
    {
        var plot = new LinePlot(logY: true).Add("y", [1, 10, double.NaN, 100, 0, -1, 1000, 10000]);
        var svg = Parse(plot);
        Assert.That(Lines(svg).Select(l => l.Length), Is.EqualTo(new[] { 2, 2 }));
        Assert.That(svg.Descendants(Svg + "circle").Count(), Is.EqualTo(1), "100 stands alone between NaN and 0");
        Assert.That(svg.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("1000").And.Contain("1"));
        var single = Parse(new LinePlot().Add("y", [1, double.PositiveInfinity, 2]));
        Assert.That(single.Descendants(Svg + "circle").Count(), Is.EqualTo(2), "isolated points show as dots");
    }

    [Test]
    public void EmptyAndConstantPlotsStillDraw()
    {
        Assert.That(Lines(Parse(new LinePlot("empty"))), Is.Empty);
        Assert.That(Lines(Parse(new LinePlot().Add("flat", [5, 5, 5])))[0].Select(p => p.Y).Distinct().Count(), Is.EqualTo(1));
        Assert.That(Lines(Parse(new LinePlot().Add("one", [5]))), Is.Empty);
    }

    [Test]
    public void TextIsEscapedAndFormattersAreRegistered()
    {
        var plot = new LinePlot("a < b & c").Add("x<y", [1, 2]).Add("z", [2, 1]);
        Assert.That(Parse(plot).Descendants(Svg + "text").Select(t => t.Value), Does.Contain("a < b & c").And.Contain("x<y"));
        Assert.That(Formatter.ToDisplayString(plot, HtmlFormatter.MimeType), Does.StartWith("<svg"));
        Assert.That(Formatter.ToDisplayString(plot, "image/svg+xml"), Does.StartWith("<svg"));
        Assert.That(Formatter.ToDisplayString(plot, PlainTextFormatter.MimeType), Is.EqualTo("LinePlot 'a < b & c': x<y (2 points), z (2 points)"));
    }
}
