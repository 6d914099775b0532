using System.Collections.Concurrent;

namespace Eager;

/// <summary>A graph-to-graph rewrite run on every plan's pruned graph before lowering. It must keep the nodes
/// named in <paramref name="keep"/> (fetches, feeds and targets) with their output dtypes and shapes.</summary>
public delegate Graph GraphRewriter(Graph graph, IReadOnlySet<string> keep);

/// <summary>How a <see cref="Session"/> compiles plans.</summary>
public sealed class SessionOptions
{
    /// <summary>The optimiser step run on each pruned graph: by default <see cref="GraphOptimizer.Rewriter"/> (the pass
    /// pipeline, unless <see cref="GraphOptimizer.Enabled"/> is off); null runs the graph as built.</summary>
    public GraphRewriter? Rewriter { get; init; } = GraphOptimizer.Rewriter;

    /// <summary>Memory planning (default true): each intermediate buffer goes back to the pool right after its last reader,
    /// and fused element-wise nodes may write into a dying input's buffer. Off, buffers return when the GC finds them.</summary>
    public bool PlanMemory { get; init; } = true;

    /// <summary>Verify each compiled graph's IR invariants (cheap next to compiling; on by default).</summary>
    public bool VerifyGraphs { get; init; } = true;

    /// <summary>Whether independent nodes run on several threads (by default only when two or more expensive ones can).</summary>
    public InterOpParallelism InterOpParallelism { get; init; } = InterOpParallelism.Auto;
}

/// <summary>When a Session runs independent nodes in parallel.</summary>
public enum InterOpParallelism
{
    /// <summary>When two or more expensive nodes (large or unknown outputs, control flow) are independent and the machine has at
    /// least four cores (with fewer, each large kernel already uses them all).</summary>
    Auto,

    /// <summary>Never: nodes run one after another in graph order.</summary>
    Off,

    /// <summary>Whenever the plan has two or more nodes (for tests).</summary>
    Always,
}

/// <summary>
/// Runs a <see cref="Graph"/> (TensorFlow 1 style). Each distinct request of fetches, targets and fed tensors is
/// compiled once into an execution plan (pruned to what it needs, rewritten, verified, lowered) and cached.
/// <see cref="Run(Tensor, FeedDict?)"/> is thread-safe: concurrent runs share the session's variables but each has
/// its own feeds and intermediate values. As in TensorFlow 1, the session owns the values of its graph's variables:
/// each session must run the initializers, two sessions of one graph train independently, and
/// <see cref="Close"/> drops the values. Random ops draw the same sequence in every session of a seeded graph.
/// </summary>
public class Session : IDisposable
{
    [ThreadStatic] private static Stack<Session>? defaults;

    private readonly ConcurrentDictionary<PlanKey, ExecutionPlan> plans = new();
    private volatile bool disposed;

    /// <summary>A session over <paramref name="graph"/>; nodes added to the graph later can be run too.</summary>
    public Session(Graph graph, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Options = options ?? new SessionOptions();
        State = new SessionState(this);
    }

    /// <summary>A session over the graph being built on this thread (<see cref="Graph.Current"/>), or else this thread's
    /// <see cref="Graph.Default"/> graph (TensorFlow 1's <c>tf.Session()</c>).</summary>
    public Session(SessionOptions? options = null) : this(Graph.Current ?? Graph.Default, options)
    {
    }

    /// <summary>This thread's default session (innermost <see cref="AsDefault"/> scope or open <see cref="InteractiveSession"/>), or
    /// null. <see cref="Tensor.Eval(FeedDict?)"/> and <see cref="Operation.Run(FeedDict?)"/> run in it.</summary>
    public static Session? Default => defaults is { Count: > 0 } d ? d.Peek() : null;

    /// <summary>Makes this session the default one on this thread until disposed (TensorFlow's sess.as_default()). It does not
    /// change where ops go: build nodes inside <c>graph.AsDefault()</c>.</summary>
    public IDisposable AsDefault()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var stack = defaults ??= new Stack<Session>();
        stack.Push(this);
        return new PopScope(stack, this);
    }

    /// <summary>The variable values and random-op draw counts this session owns.</summary>
    internal SessionState State { get; }

    /// <summary>The graph this session runs.</summary>
    public Graph Graph { get; }

    /// <summary>Compilation options.</summary>
    public SessionOptions Options { get; }

    /// <summary>Number of cached plans (one per distinct request).</summary>
    public int CachedPlanCount => plans.Count;

    /// <summary>Computes <paramref name="fetch"/>.</summary>
    /// <exception cref="ArgumentException">A fetch or feed is not a tensor of this graph; a needed placeholder is not fed;
    /// a feed has the wrong dtype or shape.</exception>
    /// <exception cref="InvalidOperationException">An uninitialised variable is read (TensorFlow's FailedPrecondition).</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed, before or during the run.</exception>
    public Tensor Run(Tensor fetch, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        return Run([fetch], [], feeds)[0];
    }

    /// <summary>Computes several tensors in one run (shared work is done once); results in fetch order.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> fetches, FeedDict? feeds = null) => Run(fetches, [], feeds);

    /// <summary>Runs an operation (an initializer, a training op, a group) for its effects.</summary>
    public void Run(Operation target, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        Run([], [target], feeds);
    }

    /// <summary>Reads a graph variable's current value.</summary>
    public Tensor Run(Variable variable, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (variable.Graph != Graph) throw new ArgumentException($"Session.Run: variable '{variable.Name}' is not a variable of this session's graph.");
        Tensor read;
        using (Graph.AsDefault()) read = variable.Read();
        return Run(read, feeds);
    }

    /// <summary>Runs <paramref name="targets"/> for their effects and returns the values of <paramref name="fetches"/>.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> fetches, IReadOnlyList<Operation> targets, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        ArgumentNullException.ThrowIfNull(targets);
        ObjectDisposedException.ThrowIf(disposed, this);
        var fetchArr = new Tensor[fetches.Count];
        for (int i = 0; i < fetchArr.Length; i++)
        {
            var t = fetches[i] ?? throw new ArgumentNullException(nameof(fetches), $"Session.Run: fetch {i} is null.");
            if (!t.IsSymbolic) throw new ArgumentException($"Session.Run: fetch {i} is a concrete (eager) tensor {t.DType.Name()}{t.Shape}; fetch graph tensors.");
            if (t.Graph != Graph) throw new ArgumentException($"Session.Run: fetch '{t.Name}' belongs to another graph than this session's; a session runs only its own graph.");
            fetchArr[i] = t;
        }
        var targetArr = new Node[targets.Count];
        for (int i = 0; i < targetArr.Length; i++)
        {
            var op = targets[i] ?? throw new ArgumentNullException(nameof(targets), $"Session.Run: target {i} is null.");
            if (op.Graph != Graph) throw new ArgumentException($"Session.Run: operation '{op.Name}' belongs to another graph than this session's.");
            targetArr[i] = op.Node;
        }
        var (feedKeys, feedValues) = CheckFeeds(feeds);
        var key = new PlanKey(fetchArr, targetArr, feedKeys, FeedRanks(feedKeys, feedValues));
        if (!plans.TryGetValue(key, out var plan))
        {
            plan = PlanBuilder.Build(Graph, key, Options);
            plan = plans.GetOrAdd(key, plan);
        }
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            return plan.Run(feedValues, State);
        }
        catch (Exception e) when (disposed)
        {
            // Close dropped the variable values under this run: say so instead of blaming an uninitialised variable.
            throw new ObjectDisposedException($"Session.Run: the session was closed on another thread while this run was in progress ({e.Message})", e);
        }
    }

    /// <summary>The compiled graph for a request (for tests and debugging: what actually runs).</summary>
    public Graph CompiledGraph(IReadOnlyList<Tensor> fetches, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        ObjectDisposedException.ThrowIf(disposed, this);
        var (feedKeys, feedValues) = CheckFeeds(feeds);
        return PlanBuilder.Build(Graph, new PlanKey([.. fetches], [], feedKeys, FeedRanks(feedKeys, feedValues)), Options).Graph;
    }

    /// <summary>The fed ranks of unknown-rank tensors (-1 for the others), or null when every fed tensor has a known rank.</summary>
    private static int[]? FeedRanks(Tensor[] keys, Tensor[] values)
    {
        int[]? ranks = null;
        for (int i = 0; i < keys.Length; i++)
        {
            if (!keys[i].Shape.IsUnknownRank) continue;
            if (ranks is null) { ranks = new int[keys.Length]; Array.Fill(ranks, -1); }
            ranks[i] = values[i].Rank;
        }
        return ranks;
    }

    /// <summary>Feeds in canonical order, each checked against its tensor's dtype and shape.</summary>
    private (Tensor[] Keys, Tensor[] Values) CheckFeeds(FeedDict? feeds)
    {
        if (feeds is null || feeds.Count == 0) return ([], []);
        var pairs = new KeyValuePair<Tensor, Tensor>[feeds.Count];
        int n = 0;
        foreach (var kv in feeds) pairs[n++] = kv;
        if (pairs.Length > 1) Array.Sort(pairs, ByNodeThenOutput);
        var keys = new Tensor[pairs.Length];
        var values = new Tensor[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            var (k, v) = (pairs[i].Key, pairs[i].Value);
            if (k.Graph != Graph) throw new ArgumentException($"Session.Run: the fed {What(k)} belongs to another graph than this session's.");
            if (v.DType != k.DType)
                throw new ArgumentException($"Session.Run: the feed for {What(k)} is {v.DType.Name()}{v.Shape}, but {What(k)} is {k.DType.Name()}{k.Shape}: dtypes differ (use Ops.Cast or Tensor.From with the right element type).");
            if (!k.Shape.IsCompatibleWith(v.Shape))
                throw new ArgumentException($"Session.Run: the feed for {What(k)} has shape {v.Shape}, but {What(k)} has shape {k.Shape} (None matches any size).");
            keys[i] = k;
            values[i] = v;
        }
        return (keys, values);
    }

    // Built only for an error message: a run's feed checks must not allocate strings.
    private static string What(Tensor k) => k.Node!.Op == GraphOps.PlaceholderDef ? $"placeholder '{k.Node.Name}'" : $"tensor '{k.Name}'";

    private static readonly Comparison<KeyValuePair<Tensor, Tensor>> ByNodeThenOutput = (a, b) =>
        a.Key.Node!.Id != b.Key.Node!.Id ? a.Key.Node.Id.CompareTo(b.Key.Node.Id) : a.Key.OutputIndex.CompareTo(b.Key.OutputIndex);

    /// <summary>True once <see cref="Close"/> or <see cref="Dispose()"/> ran.</summary>
    public bool IsClosed => disposed;

    /// <summary>Closes the session (TensorFlow's sess.close(); the same as <see cref="Dispose()"/>): drops its variable values and
    /// cached plans, so their buffers go back to the pool once nothing else holds them. Later runs throw
    /// <see cref="ObjectDisposedException"/>; closing twice is harmless.</summary>
    public void Close() => Dispose();

    /// <summary>Closes the session (see <see cref="Close"/>).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the session's plans and variable values; a subclass adds what it holds (and calls this).</summary>
    protected virtual void Dispose(bool disposing)
    {
        disposed = true;
        plans.Clear();
        State.Clear();
    }

    /// <summary>Pops one default-session entry (its own, even when closed out of order).</summary>
    private protected sealed class PopScope(Stack<Session> stack, Session session) : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            if (stack.Count == 0) return;
            if (stack.Peek() == session) { stack.Pop(); return; }
            var items = stack.ToArray();
            int at = Array.IndexOf(items, session);
            if (at < 0) return;
            stack.Clear();
            for (int i = items.Length - 1; i >= 0; i--)
                if (i != at) stack.Push(items[i]);
        }
    }
}
