namespace Eager.Tests.Docs;

/// <summary>
/// Every C# block of README.md and docs/**/*.md compiles and runs against the built libraries (the conventions are in
/// docs/README.md). One test per page: its blocks are compiled together, then run in order in a scratch folder.
/// </summary>
[NonParallelizable]   // a page runs with the process's current directory and console redirected
public class DocsCodeBlockTests
{
    public static IEnumerable<TestCaseData> Pages()
    {
        var root = Requires.RepoRoot;
        var docs = Path.Combine(root, "docs");
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.Exists(docs) ? Directory.GetFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : []);
        foreach (var f in files)
        {
            var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
            yield return new TestCaseData(rel).SetName($"Page({rel})");
        }
    }

    [TestCaseSource(nameof(Pages))]
    public void BlocksCompileAndRun(string page)
    {
        var blocks = MarkdownBlocks.Extract(page, File.ReadAllText(Path.Combine(Requires.RepoRoot, page)));
        if (blocks.All(b => b.Mode == BlockMode.Fragment)) Assert.Pass($"{page} has no C# block to compile");
        var errors = new List<string>();
        var image = BlockCompiler.Compile("docs_" + Path.GetFileNameWithoutExtension(page), blocks, errors);
        Assert.That(errors, Is.Empty, $"{page} does not compile:\n" + string.Join('\n', errors));
        var work = Directory.CreateTempSubdirectory("eager-docs-");
        var output = new StringWriter();
        try
        {
            BlockCompiler.Run(image!, blocks, work.FullName, TimeSpan.FromMinutes(2), errors, output);
        }
        finally { work.Delete(recursive: true); }
        TestContext.Out.WriteLine(output.ToString());
        Assert.That(errors, Is.Empty, $"{page}: blocks failed:\n" + string.Join('\n', errors) + "\n--- output ---\n" + output);
    }
}

/// <summary>The block runner itself: modes, line numbers in errors, failures reported per block.</summary>
public class BlockCompilerTests
{
    private const string Page = """
        # Title

        ```csharp
        using Eager;
        var t = Tensor.From(new[] { 1f, 2f });
        Console.WriteLine(Helper.Twice(t));
        public static class Helper { public static Tensor Twice(Tensor x) => x * 2f; }
        ```

        ```csharp no-run
        throw new InvalidOperationException("never runs");
        ```

        ```csharp fragment
        var y = undefinedName;
        ```

        ```bash
        echo not C#
        ```
        """;

    [Test]
    public void ModesAndLinesAreReadFromTheFences()
    {
        var blocks = MarkdownBlocks.Extract("page.md", Page);
        Assert.That(blocks.Select(b => b.Mode), Is.EqualTo(new[] { BlockMode.Run, BlockMode.NoRun, BlockMode.Fragment }));
        Assert.That(blocks.Select(b => b.Line), Is.EqualTo(new[] { 4, 11, 15 }));
        Assert.Throws<FormatException>(() => MarkdownBlocks.Extract("p.md", "```csharp maybe\nx\n```"));
        Assert.Throws<FormatException>(() => MarkdownBlocks.Extract("p.md", "```csharp\nx\n"));
    }

    [Test]
    public void BlocksRunInOrderAndNoRunBlocksAreOnlyCompiled()
    {
        var blocks = MarkdownBlocks.Extract("page.md", Page);
        var errors = new List<string>();
        var image = BlockCompiler.Compile("t", blocks, errors);
        Assert.That(errors, Is.Empty);
        var output = new StringWriter();
        BlockCompiler.Run(image!, blocks, Path.GetTempPath(), TimeSpan.FromMinutes(1), errors, output);
        Assert.That(errors, Is.Empty);
        Assert.That(output.ToString(), Does.Contain("2").And.Contain("4"));
    }

    [Test]
    public void ACompileErrorNamesTheMarkdownLine()
    {
        var blocks = MarkdownBlocks.Extract("guide.md", "text\n\n```csharp\nusing Eager;\n\nvar a = Tensor.Scalar(1f);\nvar b = a + missing;\n```\n");
        var errors = new List<string>();
        Assert.That(BlockCompiler.Compile("t", blocks, errors), Is.Null);
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("guide.md:7: error CS0103"));
    }

    [Test]
    public void AThrowingBlockIsReportedWithItsFileAndLine()
    {
        var blocks = MarkdownBlocks.Extract("guide.md", "```csharp\nConsole.WriteLine(1);\n```\n\n```csharp\nthrow new ArgumentException(\"bad\");\n```\n");
        var errors = new List<string>();
        var image = BlockCompiler.Compile("t", blocks, errors);
        BlockCompiler.Run(image!, blocks, Path.GetTempPath(), TimeSpan.FromMinutes(1), errors, new StringWriter());
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("guide.md:6: the block threw ArgumentException: bad"));
    }
}
