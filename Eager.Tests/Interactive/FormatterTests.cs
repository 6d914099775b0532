using System.Text.RegularExpressions;
using Eager.Interactive;
using Eager.NN;
using Microsoft.DotNet.Interactive.Formatting;

namespace Eager.Tests.Interactive;

/// <summary>The notebook formatters: HTML tables for tensors, listings for graphs and models, through .NET Interactive's Formatter.</summary>
[TestFixture]
public partial class FormatterTests
{
    [OneTimeSetUp]
    public void RegisterFormatters() => EagerFormatters.Register();

    private static string Html(object value) => Formatter.ToDisplayString(value, HtmlFormatter.MimeType);

    private static string Text(object value) => Formatter.ToDisplayString(value, PlainTextFormatter.MimeType);

    [GeneratedRegex("<td>([^<]*)</td>")]
    private static partial Regex Cell();

    private static string[] Cells(string html) => [.. Cell().Matches(html).Select(m => m.Groups[1].Value)];

    [Test]
    public void AMatrixShowsDtypeShapeIndicesAndEveryValueInRowMajorOrder()
    {
        var html = Html(Tensor.From(new float[,] { { 1, 2.5f, -3 }, { 4, 5, 6 } }));
        Assert.That(html, Does.Contain("eager-tensor").And.Contain("float32 (2, 3)"));
        Assert.That(Cells(html), Is.EqualTo(new[] { "1.", "2.5", "-3.", "4.", "5.", "6." }));
        Assert.That(html, Does.Contain("<th>2</th>"), "column indices head the table");
        Assert.That(html, Does.Not.Contain("elements, min"), "a small tensor is not summarised");
    }

    [Test]
    public void ScalarsVectorsAndEmptyTensorsHaveOneRowOrNone()
    {
        Assert.That(Cells(Html(Tensor.Scalar(7))), Is.EqualTo(new[] { "7" }));
        Assert.That(Html(Tensor.Scalar(7)), Does.Contain("int32 ()"));
        Assert.That(Cells(Html(Tensor.From(new[] { 1.0, 0.125 }))), Is.EqualTo(new[] { "1.", "0.125" }));
        var empty = Html(Tensor.Zeros(new Shape(0, 3)));
        Assert.That(empty, Does.Contain("float32 (0, 3)").And.Contain("[]"));
        Assert.That(Cells(empty), Is.Empty);
    }

    [Test]
    public void BoolsIntsAndSpecialFloatsPrintLikeTheTextFormatter()
    {
        Assert.That(Cells(Html(Tensor.From(new[] { true, false }))), Is.EqualTo(new[] { "True", "False" }));
        Assert.That(Cells(Html(Tensor.From(new long[] { -5, 1L << 40 }))), Is.EqualTo(new[] { "-5", "1099511627776" }));
        var special = Tensor.From(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-7f });
        Assert.That(Cells(Html(special)), Is.EqualTo(new[] { "nan", "inf", "-inf", "1E-07" }));
    }

    [Test]
    public void ATransposedViewShowsItsOwnOrderNotItsStorageOrder()
    {
        var t = Ops.Transpose(Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }), [1, 0]);
        Assert.That(Cells(Html(t)), Is.EqualTo(new[] { "1.", "4.", "2.", "5.", "3.", "6." }));
    }

    [Test]
    public void HigherRanksShowOneGridPerLeadingIndex()
    {
        var html = Html(Tensor.Arange(12).Reshape(2, 3, 2));
        Assert.That(html, Does.Contain("[0, :, :]").And.Contain("[1, :, :]"));
        Assert.That(Cells(html), Is.EqualTo(Enumerable.Range(0, 12).Select(i => i + ".").ToArray()));
    }

    [Test]
    public void ALargeTensorIsSummarisedWithEdgesAndStatistics()
    {
        var t = Tensor.Arange(40 * 50).Reshape(40, 50);
        var html = Html(t);
        Assert.That(html, Does.Contain("2,000 elements, min 0., max 1999., mean 999.5"));
        var cells = Cells(html);
        int edge = 2 * TensorHtml.EdgeItems + 1;
        Assert.That(cells, Has.Length.EqualTo(edge * edge), "first and last rows and columns plus the ellipses");
        Assert.That(cells[0], Is.EqualTo("0."));
        Assert.That(cells[^1], Is.EqualTo("1999."));
        Assert.That(cells[TensorHtml.EdgeItems], Is.EqualTo("&#8230;"));
        Assert.That(html, Does.Contain("<th>49</th>").And.Not.Contain("<th>25</th>"));
    }

    [Test]
    public void ALargeHighRankTensorShowsTheFirstAndLastGrids()
    {
        var html = Html(Tensor.Zeros(new Shape(1, 20, 20, 3)));
        Assert.That(html, Does.Contain("[0, 0, :, :]").And.Contain("[0, 1, :, :]").And.Contain("[0, 19, :, :]"));
        Assert.That(html, Does.Not.Contain("[0, 2, :, :]"));
        Assert.That(html, Does.Contain("1,200 elements"));
    }

    [Test]
    public void StatisticsSkipNaNAndCountIt()
    {
        var v = Enumerable.Range(0, 2000).Select(i => i == 5 ? float.NaN : 1f).ToArray();
        Assert.That(Html(Tensor.From(v)), Does.Contain("min 1., max 1., mean 1, 1 NaN"));
    }

    [Test]
    public void ASymbolicTensorShowsItsNameAndNoValues()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var html = Html(x);
            Assert.That(html, Does.Contain("x:0").And.Contain("float32 (None, 2)").And.Contain("symbolic"));
            Assert.That(Cells(html), Is.Empty);
        }
    }

    [Test]
    public void PlainTextIsTheTensorsToString()
    {
        var t = Tensor.From(new[] { 1f, 2f });
        Assert.That(Text(t), Is.EqualTo(t.ToString()));
        Assert.That(Text(new Shape(2, 3)), Is.EqualTo("(2, 3)"));
        Assert.That(Html(new Shape(2, 3)), Does.Contain("(2, 3)"));
    }

    [Test]
    public void AVariableShowsItsNameAndValue()
    {
        var v = new Variable(Tensor.From(new[] { 3f, 4f }), name: "w");
        var html = Html(v);
        Assert.That(html, Does.Contain("Variable &#39;w&#39;").And.Contain("float32 (2,)"));
        Assert.That(Cells(html), Is.EqualTo(new[] { "3.", "4." }));
        Assert.That(Html(new Variable(Tensor.Zeros(new Shape(1)), name: "frozen", trainable: false)), Does.Contain("not trainable"));
    }

    [Test]
    public void AGraphVariableSaysWhereItsValueLives()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var v = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "gw");
            Assert.That(Html(v), Does.Contain("gw").And.Contain("Session"));
        }
    }

    [Test]
    public void EagerInteractiveReadsTensorsThroughCoreNeverTheKernels()
    {
        var refs = typeof(EagerFormatters).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(refs, Does.Contain("Eager.Core").And.Contain("Microsoft.DotNet.Interactive.Formatting"));
        Assert.That(refs, Does.Not.Contain("Eager.Kernels"));
    }

    [Test]
    public void TextIsHtmlEncoded()
    {
        var v = new Variable(Tensor.Zeros(new Shape(1)), name: "<b>&");
        Assert.That(Html(v), Does.Contain("&lt;b&gt;&amp;").And.Not.Contain("<b>&"));
    }
}
