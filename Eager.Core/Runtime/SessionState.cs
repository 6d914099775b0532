using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>
/// What one <see cref="Session"/> owns of its graph, as in TensorFlow 1: the values of the graph's variables and how
/// many times each random op has drawn. Two sessions of one graph therefore train independently, each must run the
/// initializers, and both draw the same random sequence from the same seeds. Eager variables keep their value on the
/// <see cref="Variable"/> itself and never come here.
/// </summary>
internal sealed class SessionState
{
    private readonly ConcurrentDictionary<Variable, Tensor> values = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<(Graph, string), StrongBox<long>> draws = new();

    public SessionState(Session owner) => Owner = owner;

    public Session Owner { get; }

    public bool TryGet(Variable v, out Tensor value) => values.TryGetValue(v, out value!);

    public void Set(Variable v, Tensor value) => values[v] = value;

    public bool Contains(Variable v) => values.ContainsKey(v);

    /// <summary>The number of earlier draws of the random node <paramref name="node"/> of <paramref name="source"/>, counting this one.</summary>
    public long NextDraw(Graph source, string node)
    {
        var box = draws.GetOrAdd((source, node), static _ => new StrongBox<long>(-1));
        return Interlocked.Increment(ref box.Value);
    }

    /// <summary>Drops every value (Session.Close): the buffers go back to the pool once nothing else holds them.</summary>
    public void Clear()
    {
        values.Clear();
        draws.Clear();
    }
}

/// <summary>
/// Where a kernel is running: the session state and plan step of the run on this thread (null outside Session runs).
/// Kernels of variables and random ops read it; every other kernel ignores it.
/// </summary>
internal static class RunContext
{
    [ThreadStatic] private static SessionState? state;
    [ThreadStatic] private static Graph? source;
    [ThreadStatic] private static string? step;

    /// <summary>The state of the session running on this thread, if any.</summary>
    public static SessionState? State => state;

    /// <summary>Sets this thread's run context; returns the previous one for <see cref="Restore"/>.</summary>
    public static (SessionState?, Graph?, string?) Enter(SessionState? s, Graph? src)
    {
        var saved = (state, source, step);
        state = s;
        source = src;
        step = null;
        return saved;
    }

    public static void Restore((SessionState? State, Graph? Source, string? Step) saved) => (state, source, step) = saved;

    /// <summary>Marks the step about to run (its name keys the random op's draw count).</summary>
    public static void AtStep(string name) => step = name;

    /// <summary>How many times the running random node drew before in this session: 0 for an eager call (each eager call is a
    /// fresh op), and 0, 1, 2, ... for the runs of one graph node in one session.</summary>
    public static long NextDraw() => state is { } s && source is { } g && step is { } n ? s.NextDraw(g, n) : 0;

    /// <summary>The state that holds graph variable <paramref name="v"/>'s value: the running session's, else the default
    /// session's (<see cref="Session.AsDefault"/>) when it runs <paramref name="v"/>'s graph.</summary>
    public static SessionState? For(Variable v)
    {
        if (state is { } s && s.Owner.Graph == v.Graph) return s;
        if (Session.Default is { } d && d.Graph == v.Graph) return d.State;
        return state;
    }
}
