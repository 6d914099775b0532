using Eager.Interactive;
using Eager.NN;
using Microsoft.DotNet.Interactive.Formatting;

namespace Eager.Tests.Interactive;

/// <summary>Graphs, traced functions and models as listings in a notebook.</summary>
[TestFixture]
public class ListingFormatterTests
{
    [OneTimeSetUp]
    public void RegisterFormatters() => EagerFormatters.Register();

    private static string Html(object value) => Formatter.ToDisplayString(value, HtmlFormatter.MimeType);

    private static string Text(object value) => Formatter.ToDisplayString(value, PlainTextFormatter.MimeType);

    [Test]
    public void AGraphShowsCountsThenOneLinePerNode()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
            Ops.MatMul(x, w);
        }
        var html = Html(g);
        Assert.That(html, Does.Contain("eager-listing").And.Contain($"Graph: {g.Nodes.Count} nodes, 1 variable"));
        foreach (var n in g.Nodes) Assert.That(html, Does.Contain(System.Net.WebUtility.HtmlEncode(GraphPrinter.Format(n))));
        Assert.That(Text(g), Is.EqualTo(GraphPrinter.Print(g)));
    }

    [Test]
    public void AConcreteFunctionShowsItsSignature()
    {
        var f = Function.Create((Tensor x, Tensor b) => Ops.Relu(x * b + 1f), name: "affine_relu");
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 2), DType.Float32), new TensorSpec(new Shape(-1, 2), DType.Float32));
        var html = Html(cf);
        Assert.That(html, Does.Contain("ConcreteFunction affine_relu(").And.Contain("float32(None, 2)"));
        Assert.That(html, Does.Contain("Relu("));
        Assert.That(Text(cf), Is.EqualTo(cf.ToString()));
    }

    [Test]
    public void AVeryLongListingIsCutWithANote()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(2), name: "x");
            for (int i = 0; i < ListingHtml.MaxLines + 50; i++) x = x + 1f;
        }
        var html = Html(g);
        int lines = GraphPrinter.Print(g).TrimEnd().Split('\n').Length;
        Assert.That(html, Does.Contain($"... {lines - ListingHtml.MaxLines} more lines"));
        Assert.That(html.Split('\n'), Has.Length.LessThanOrEqualTo(ListingHtml.MaxLines + 2));
    }

    [Test]
    public void ABuiltModelShowsItsSummary()
    {
        var model = new Sequential(new Dense(4, activation: Ops.Relu), new Dense(1));
        model.Build(new Shape(-1, 3));
        var html = Html(model);
        Assert.That(html, Does.Contain("Sequential").And.Contain("Total params: 21").And.Contain("Output Shape"));
        Assert.That(Text(model), Is.EqualTo(model.Summary(TextWriter.Null)));
        Assert.That(Html(model.Layers[0]), Does.Contain("Dense").And.Contain("Total params: 16"), "a single layer formats too");
    }

    [Test]
    public void AnUnbuiltModelSaysHowToBuildIt()
    {
        var model = new Sequential(new Dense(4), new Dense(1));
        var text = Text(model);
        Assert.That(text, Does.Contain("Not built yet").And.Contain("Build(inputShape)"));
        Assert.That(Html(model), Does.Contain("Not built yet"));
    }
}
