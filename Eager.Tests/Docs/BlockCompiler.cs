using System.Reflection;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Eager.Tests.Docs;

/// <summary>
/// Compiles the C# blocks of one page together (in memory, with Roslyn) against the framework and the built Eager
/// assemblies, and runs them in order. Each block is a small program (top-level statements, then any types) as a
/// user would paste it into a file-based app or a console project with implicit usings; it becomes
/// <c>DocBlockN.Program.Main</c> in a tree of its own, with <c>#line</c> directives so that every diagnostic names
/// the Markdown file and line.
/// </summary>
public static class BlockCompiler
{
    // The SDK's implicit usings for a console app or a file-based app.
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var eager = Directory.GetFiles(AppContext.BaseDirectory, "Eager.*.dll").Where(f => !f.EndsWith("Eager.Tests.dll", StringComparison.Ordinal));
        return [.. Directory.GetFiles(framework, "*.dll").Concat(eager).Where(IsManaged).Select(f => MetadataReference.CreateFromFile(f))];
    });

    private static bool IsManaged(string file)
    {
        using var s = File.OpenRead(file);
        using var pe = new PEReader(s);
        return pe.HasMetadata;
    }

    /// <summary>The source tree a block becomes (exposed for the tests of this runner).</summary>
    public static string Wrap(CodeBlock block, int index)
    {
        // #: and #! lines are file-based-app directives (#:package, a shebang): blank them, keeping line numbers.
        var code = string.Join('\n', block.Code.Split('\n').Select(l => l.TrimStart().StartsWith("#:", StringComparison.Ordinal) || l.StartsWith("#!", StringComparison.Ordinal) ? "" : l));
        var unit = CSharpSyntaxTree.ParseText(code, Parse).GetCompilationUnitRoot();
        var statements = unit.Members.OfType<GlobalStatementSyntax>().ToList();
        var types = unit.Members.Where(m => m is not GlobalStatementSyntax).ToList();
        int usingsEnd = unit.Usings.Count > 0 ? unit.Usings.Last().FullSpan.End : 0;
        string file = block.File.Replace('\\', '/');
        var sb = new StringBuilder();
        sb.Append($"#line {block.Line} \"{file}\"\n").Append(code[..usingsEnd]).Append('\n');
        sb.Append($"#line default\nnamespace DocBlock{index} {{\ninternal static class Program {{\n");
        sb.Append("internal static async global::System.Threading.Tasks.Task Main() {\n");
        sb.Append("await global::System.Threading.Tasks.Task.CompletedTask;\n");
        if (statements.Count > 0) Append(sb, code, block, LineStart(code, statements[0].SpanStart), statements[^1].FullSpan.End);
        sb.Append("#line default\n}\n}\n");
        if (types.Count > 0) Append(sb, code, block, LineStart(code, types[0].SpanStart), types[^1].FullSpan.End);
        sb.Append("#line default\n}\n");
        return sb.ToString();
    }

    private static int LineStart(string code, int position) => code.LastIndexOf('\n', Math.Max(0, position - 1)) + 1;

    private static void Append(StringBuilder sb, string code, CodeBlock block, int start, int end)
    {
        int line = block.Line + code[..start].Count(c => c == '\n');
        sb.Append($"#line {line} \"{block.File.Replace('\\', '/')}\"\n").Append(code[start..end]).Append('\n');
    }

    /// <summary>Compiles the blocks (fragments excluded) into one assembly; returns its bytes, or null with the errors
    /// as "file:line: error CSxxxx: message".</summary>
    public static byte[]? Compile(string name, IReadOnlyList<CodeBlock> blocks, List<string> errors)
    {
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ImplicitUsings, Parse) };
        for (int i = 0; i < blocks.Count; i++)
            if (blocks[i].Mode != BlockMode.Fragment)
                trees.Add(CSharpSyntaxTree.ParseText(Wrap(blocks[i], i), Parse, path: blocks[i].File, encoding: Encoding.UTF8));
        var compilation = CSharpCompilation.Create(name, trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release, allowUnsafe: true));
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        foreach (var d in result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            var at = d.Location.GetMappedLineSpan();
            errors.Add($"{at.Path}:{at.StartLinePosition.Line + 1}: error {d.Id}: {d.GetMessage()}");
        }
        return result.Success ? pe.ToArray() : null;
    }

    /// <summary>Runs the blocks meant to run, in order, in a collectible context, in <paramref name="workDir"/> with
    /// console output captured; a block that throws or takes longer than <paramref name="timeout"/> is reported.</summary>
    public static void Run(byte[] image, IReadOnlyList<CodeBlock> blocks, string workDir, TimeSpan timeout, List<string> failures, StringWriter output)
    {
        var context = new AssemblyLoadContext("docs", isCollectible: true);
        var savedOut = Console.Out;
        var savedDir = Environment.CurrentDirectory;
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(image));
            Console.SetOut(output);
            Environment.CurrentDirectory = workDir;
            for (int i = 0; i < blocks.Count; i++)
            {
                if (blocks[i].Mode != BlockMode.Run) continue;
                var main = assembly.GetType($"DocBlock{i}.Program")!.GetMethod("Main", BindingFlags.NonPublic | BindingFlags.Static)!;
                var run = Task.Run(() => (Task)main.Invoke(null, null)!);
                try
                {
                    if (!run.Wait(timeout)) failures.Add($"{blocks[i].File}:{blocks[i].Line}: the block ran longer than {timeout.TotalSeconds:0} s");
                }
                catch (AggregateException e)
                {
                    var inner = e.InnerException is TargetInvocationException t ? t.InnerException! : e.InnerException!;
                    failures.Add($"{blocks[i].File}:{blocks[i].Line}: the block threw {inner.GetType().Name}: {inner.Message}\n{inner.StackTrace}");
                }
            }
        }
        finally
        {
            Console.SetOut(savedOut);
            Environment.CurrentDirectory = savedDir;
            context.Unload();
        }
    }
}
