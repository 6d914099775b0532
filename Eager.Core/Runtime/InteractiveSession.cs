namespace Eager;

/// <summary>
/// A <see cref="Session"/> for notebooks and shells (TensorFlow 1's tf.InteractiveSession): from construction until
/// <see cref="Session.Close"/> it is this thread's default session and its graph is this thread's current graph, so op
/// calls build nodes and <c>tensor.Eval()</c> / <c>op.Run()</c> need no session argument. Close it on the thread that
/// made it; closing restores eager execution there.
/// </summary>
public sealed class InteractiveSession : Session
{
    private readonly IDisposable graphScope;
    private readonly IDisposable sessionScope;

    /// <summary>An interactive session over the graph being built on this thread, or else <see cref="Graph.Default"/>.</summary>
    public InteractiveSession(SessionOptions? options = null) : this(Graph.Current ?? Graph.Default, options)
    {
    }

    /// <summary>An interactive session over <paramref name="graph"/>.</summary>
    public InteractiveSession(Graph graph, SessionOptions? options = null) : base(graph, options)
    {
        graphScope = graph.AsDefault();
        sessionScope = AsDefault();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!IsClosed)
        {
            sessionScope.Dispose();
            graphScope.Dispose();
        }
        base.Dispose(disposing);
    }
}
