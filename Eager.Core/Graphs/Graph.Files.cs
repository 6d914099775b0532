namespace Eager;

public sealed partial class Graph
{
    /// <summary>
    /// Writes the graph and its variables (with their current values, where initialised) to <paramref name="path"/>
    /// in the Eager graph format (docs/graph-format.md). The file is written to a temporary name and renamed into
    /// place, so a crash never leaves a half-written file under <paramref name="path"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A node holds an attribute a file cannot store (a runtime object such as a queue).</exception>
    public void Save(string path) => GraphFile.Save(path, this, null);

    /// <summary>
    /// Reads a graph saved with <see cref="Save"/> (or a function file's graph). Variables come back with the values
    /// they had when saved, so a loaded graph runs without initialising them again. The file is treated as untrusted.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest file accepted.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a graph file, is truncated or corrupted, is too large, or uses an unknown op.</exception>
    public static Graph Load(string path, long maxBytes = GraphFile.DefaultMaxBytes) => GraphFile.Load(path, maxBytes).Graph;
}
