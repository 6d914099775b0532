namespace Eager.Tests.Docs;

/// <summary>How a C# block in the docs is checked, from its fence's info string (see docs/README.md).</summary>
public enum BlockMode
{
    /// <summary><c>```csharp</c>: compiled and run.</summary>
    Run,

    /// <summary><c>```csharp no-run</c>: compiled, not run (it needs a file, a network or minutes).</summary>
    NoRun,

    /// <summary><c>```csharp fragment</c>: an excerpt that cannot stand alone (a notebook directive, a
    /// signature); neither compiled nor run.</summary>
    Fragment,
}

/// <summary>One fenced C# block: its text and the 1-based line of its first code line in the file.</summary>
public sealed record CodeBlock(string File, int Line, string Code, BlockMode Mode);

/// <summary>Finds the fenced C# blocks of a Markdown file.</summary>
public static class MarkdownBlocks
{
    /// <summary>The <c>```csharp</c> (or <c>```cs</c>) blocks of <paramref name="markdown"/>, in order.</summary>
    /// <exception cref="FormatException">A block is never closed, or its fence names an unknown mode.</exception>
    public static List<CodeBlock> Extract(string file, string markdown)
    {
        var blocks = new List<CodeBlock>();
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimStart();
            if (!fence.StartsWith("```", StringComparison.Ordinal)) continue;
            var info = fence[3..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int open = i;
            int close = Array.FindIndex(lines, open + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
            if (close < 0) throw new FormatException($"{file}:{open + 1}: a code block is opened and never closed.");
            i = close;
            if (info.Length == 0 || info[0] is not ("csharp" or "cs" or "c#")) continue;
            var mode = info.Length == 1 ? BlockMode.Run : info[1] switch
            {
                "no-run" => BlockMode.NoRun,
                "fragment" => BlockMode.Fragment,
                _ => throw new FormatException($"{file}:{open + 1}: unknown block mode '{info[1]}' (use no-run or fragment; see docs/README.md)."),
            };
            blocks.Add(new CodeBlock(file, open + 2, string.Join('\n', lines[(open + 1)..close]), mode));
        }
        return blocks;
    }
}
