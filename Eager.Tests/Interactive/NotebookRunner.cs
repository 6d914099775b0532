using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;
using DocumentKernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;

namespace Eager.Tests.Interactive;

/// <summary>A cell that failed: its index among the notebook's cells, its first line and the kernel's message.</summary>
internal sealed record CellFailure(int Cell, string FirstLine, string Message)
{
    public override string ToString() => $"cell {Cell} ({FirstLine}): {Message}";
}

/// <summary>
/// Runs a Jupyter notebook's C# cells in order on a real .NET Interactive C# kernel hosted in this process, as
/// Polyglot Notebooks would: <c>#r "nuget: ..."</c> restores packages (their assemblies are referenced and a
/// package's <c>interactive-extensions/dotnet/extension.dib</c> runs after the cell, as dotnet-interactive does),
/// the working directory is the notebook's folder, and every cell's displays, return values, console output and
/// errors are recorded as the cell's outputs so the executed notebook can be saved.
/// </summary>
internal static class NotebookRunner
{
    private static readonly KernelInfoCollection Kernels = CreateKernelInfos();

    private const string DefaultUsings =
        "using System; using System.Collections.Generic; using System.Linq; using System.Text; using System.Threading.Tasks; using System.Net.Http;";

    private static KernelInfoCollection CreateKernelInfos()
    {
        var infos = new KernelInfoCollection
        {
            new DocumentKernelInfo("csharp", "C#", ["c#", "C#"]),
            new DocumentKernelInfo("markdown", "Markdown", ["md"]),
        };
        infos.DefaultKernelName = "csharp";
        return infos;
    }

    /// <summary>Reads <paramref name="path"/>, runs every C# cell (stopping at the first failure) and returns the executed document.</summary>
    public static async Task<(InteractiveDocument Document, List<CellFailure> Failures)> RunAsync(string path, TimeSpan cellTimeout)
    {
        var document = Notebook.Parse(await File.ReadAllTextAsync(path), Kernels);
        var failures = new List<CellFailure>();
        var previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            using var kernel = CreateKernel();
            // dotnet-interactive's C# kernel starts with these namespaces imported; notebooks may rely on them.
            await kernel.SubmitCodeAsync(DefaultUsings).WaitAsync(cellTimeout);
            var extensionsRun = new HashSet<string>();
            int order = 0;
            for (int i = 0; i < document.Elements.Count; i++)
            {
                var cell = document.Elements[i];
                if (cell.KernelName is not ("csharp" or "c#" or "C#")) continue;
                var result = await kernel.SubmitCodeAsync(cell.Contents).WaitAsync(cellTimeout);
                cell.ExecutionOrder = ++order;
                cell.Outputs.Clear();
                cell.Outputs.AddRange(Outputs(result.Events, order));
                var failure = Failure(result.Events);
                foreach (var added in result.Events.OfType<PackageAdded>())
                {
                    var dib = Path.Combine(added.PackageReference.PackageRoot, "interactive-extensions", "dotnet", "extension.dib");
                    if (File.Exists(dib) && extensionsRun.Add(dib)) failure ??= await RunExtensionAsync(kernel, dib, cellTimeout);
                }
                if (failure is not null)
                {
                    failures.Add(new CellFailure(i, cell.Contents.Split('\n')[0].Trim(), failure));
                    break;      // later cells depend on this one; their errors would only repeat it
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
        return (document, failures);
    }

    /// <summary>Writes the executed notebook (with its outputs) back as Jupyter JSON.</summary>
    public static Task SaveAsync(InteractiveDocument document, string path)
    {
        // The writer cannot reuse the metadata parsing left as plain JSON data; a new document gets it written afresh.
        var fresh = new InteractiveDocument();
        foreach (var element in document.Elements) fresh.Add(element);
        return File.WriteAllTextAsync(path, WithoutMachinePaths(Notebook.ToJupyterJson(fresh, "C#"), RepositoryRoot(path)));
    }

    /// <summary>Outputs name folders of the machine that ran them (the package source, above all): saved notebooks
    /// show them relative to the repository instead.</summary>
    public static string WithoutMachinePaths(string json, string root) =>
        json.Replace(root.TrimEnd('/') + "/", "", StringComparison.Ordinal).Replace(root, ".", StringComparison.Ordinal);

    private static string RepositoryRoot(string path)
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(path))!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Eager.sln"))) return d.FullName;
        return Path.GetDirectoryName(Path.GetFullPath(path))!;
    }

    private static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, refs) =>
            {
                k.AddAssemblyReferences(refs.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            }, false)
            .UseKernelHelpers()
            .UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        return composite;
    }

    /// <summary>Runs a package's extension script cell by cell, as dotnet-interactive does after loading the package.</summary>
    private static async Task<string?> RunExtensionAsync(Kernel kernel, string dib, TimeSpan timeout)
    {
        var script = CodeSubmission.Parse(await File.ReadAllTextAsync(dib), Kernels);
        foreach (var element in script.Elements.Where(e => e.KernelName == "csharp"))
        {
            var result = await kernel.SubmitCodeAsync(element.Contents).WaitAsync(timeout);
            if (Failure(result.Events) is { } message) return $"extension script {dib} failed: {message}";
        }
        return null;
    }

    private static string? Failure(IEnumerable<KernelEvent> events)
    {
        var messages = events.Select(e => e switch
        {
            CommandFailed f => f.Message,
            ErrorProduced er => er.Message,
            _ => null,
        }).Where(m => m is not null).Distinct().ToList();
        return messages.Count > 0 ? string.Join("\n", messages) : null;
    }

    /// <summary>The events as notebook outputs; a display later updated (package restore progress) keeps its final value.</summary>
    private static List<InteractiveDocumentOutputElement> Outputs(IEnumerable<KernelEvent> events, int order)
    {
        var outputs = new List<InteractiveDocumentOutputElement>();
        var byId = new Dictionary<string, int>();
        foreach (var e in events)
        {
            switch (e)
            {
                case DisplayedValueUpdated update when update.ValueId is not null && byId.TryGetValue(update.ValueId, out var at):
                    outputs[at] = new DisplayElement(Data(update));
                    break;
                case ReturnValueProduced value:
                    var element = new ReturnValueElement { ExecutionOrder = order };
                    foreach (var kv in Data(value)) element.Data[kv.Key] = kv.Value;
                    outputs.Add(element);
                    break;
                case StandardOutputValueProduced stdout:
                    outputs.Add(new TextElement(Text(stdout), "stdout"));
                    break;
                case StandardErrorValueProduced stderr:
                    outputs.Add(new TextElement(Text(stderr), "stderr"));
                    break;
                case DisplayedValueProduced display:
                    if (display.ValueId is not null) byId[display.ValueId] = outputs.Count;
                    outputs.Add(new DisplayElement(Data(display)));
                    break;
                case CommandFailed failed:
                    outputs.Add(new ErrorElement(failed.Exception?.GetType().Name ?? "Error", failed.Message, []));
                    break;
            }
        }
        return outputs;
    }

    private static Dictionary<string, object> Data(DisplayEvent e) =>
        e.FormattedValues.GroupBy(f => f.MimeType).ToDictionary(g => g.Key, g => (object)g.First().Value);

    private static string Text(DisplayEvent e) => e.FormattedValues.FirstOrDefault()?.Value ?? "";
}
