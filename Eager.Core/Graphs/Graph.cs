namespace Eager;

/// <summary>
/// A static dataflow graph (TensorFlow 1 style, and the result of tracing). Build it inside
/// <c>using (graph.AsDefault())</c>: every op call then adds a node and returns a symbolic tensor.
/// Outside every such scope op calls run eagerly. Each thread also has a <see cref="Default"/> graph that always
/// exists (TensorFlow 1's default graph): <c>new Session()</c> runs it, and TF1 code enters it with
/// <c>using (Graph.Default.AsDefault())</c> or through an <see cref="InteractiveSession"/>.
/// </summary>
public sealed partial class Graph
{
    // A null entry is an eager scope: it hides the graphs below it.
    [ThreadStatic] private static Stack<Graph?>? defaults;
    [ThreadStatic] private static Graph? threadDefault;

    private readonly List<Node> nodes = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Stack<string> nameScopes = new();
    private readonly Stack<Node[]> controlScopes = new();
    private readonly Dictionary<Tensor, Tensor> captured = new(ReferenceEqualityComparer.Instance);
    private readonly object gate = new();

    /// <summary>The graph being built on this thread, or null when running eagerly.</summary>
    public static Graph? Current => defaults is { Count: > 0 } d ? d.Peek() : null;

    /// <summary>This thread's default graph (TensorFlow 1's tf.get_default_graph() outside any scope): created on first use and
    /// kept until <see cref="ResetDefault"/>. Ops do not go into it by themselves: enter it with <c>Graph.Default.AsDefault()</c>.
    /// <c>new Session()</c> runs <see cref="Current"/> when a graph is being built, otherwise this graph.</summary>
    public static Graph Default => threadDefault ??= new Graph();

    /// <summary>Replaces this thread's <see cref="Default"/> graph with a new empty one (tf.reset_default_graph()).</summary>
    /// <exception cref="InvalidOperationException">A graph scope is open on this thread (the default graph is being built).</exception>
    public static void ResetDefault()
    {
        if (threadDefault is { } current && defaults is { } d && d.Contains(current))
            throw new InvalidOperationException("Graph.ResetDefault: the default graph is being built on this thread (an AsDefault scope or an InteractiveSession is open); close it first.");
        threadDefault = null;
    }

    /// <summary>The graph-level random seed (tf.set_random_seed): random ops created after it is set derive their seeds from it
    /// and their op seed, so a graph built the same way draws the same sequence in every session. Null: not set.</summary>
    public int? Seed { get; set; }

    /// <summary>Nodes in creation (topological) order.</summary>
    public IReadOnlyList<Node> Nodes => nodes;

    /// <summary>Variables created in this graph (their initializers run with GlobalVariablesInitializer).</summary>
    public List<Variable> Variables { get; } = [];

    /// <summary>
    /// True for graphs made by tracing a function (and for scratch graphs that only build layers): a
    /// <see cref="Variable"/> created while the graph is the default is created eagerly, with its value, and the
    /// graph reads it in place (a traced function also orders its stateful ops itself). False for a
    /// TensorFlow-1-style graph, where variables are graph nodes initialised by a Session and code that adds
    /// several assignments must order them itself (<see cref="ControlDependencies(object[])"/>).
    /// </summary>
    public bool LiftVariables { get; init; }

    /// <summary>Called for every node added (the function tracer uses it for automatic control dependencies).</summary>
    internal Action<Node>? NodeAdded { get; set; }

    /// <summary>Automatic control dependencies (used while tracing): from now on each stateful node added gets a
    /// control input on the previous one, so assignments, reads and random draws keep program order.</summary>
    internal void ChainStatefulNodes()
    {
        Node? last = null;
        NodeAdded = n =>
        {
            if (!n.Op.IsStateful) return;
            if (last is not null && Array.IndexOf(n.ControlInputs, last) < 0) n.ControlInputs = [.. n.ControlInputs, last];
            last = n;
        };
    }

    /// <summary>Makes this graph the default for op calls on this thread until disposed.</summary>
    public IDisposable AsDefault()
    {
        var stack = defaults ??= new Stack<Graph?>();
        stack.Push(this);
        return new Scope(() => Remove(stack, this));
    }

    /// <summary>Suspends graph building on this thread (TensorFlow's init_scope): ops inside run eagerly.</summary>
    public static IDisposable EagerScope()
    {
        var stack = defaults ??= new Stack<Graph?>();
        stack.Push(null);
        return new Scope(() => Remove(stack, null));
    }

    /// <summary>Pops <paramref name="g"/>: the top entry normally; scopes closed out of order (an InteractiveSession closed
    /// while a later scope is open) take out their own entry and leave the others.</summary>
    private static void Remove(Stack<Graph?> stack, Graph? g)
    {
        if (stack.Count == 0) return;
        if (stack.Peek() == g) { stack.Pop(); return; }
        var items = stack.ToArray(); // top first
        int at = Array.IndexOf(items, g);
        if (at < 0) return;
        stack.Clear();
        for (int i = items.Length - 1; i >= 0; i--)
            if (i != at) stack.Push(items[i]);
    }

    /// <summary>Nodes created inside the scope get control inputs on <paramref name="deps"/> (Tensors or Operations).</summary>
    public IDisposable ControlDependencies(params object[] deps)
    {
        var list = new List<Node>();
        foreach (var d in deps)
        {
            var n = d switch
            {
                Tensor t => t.Node ?? throw new ArgumentException("ControlDependencies: a concrete (eager) tensor cannot be a control dependency."),
                Operation o => o.Node,
                Node nd => nd,
                Variable v => v.Node ?? throw new ArgumentException($"ControlDependencies: variable '{v.Name}' is not a graph variable."),
                _ => throw new ArgumentException($"ControlDependencies: expected Tensor or Operation, got {d?.GetType().Name ?? "null"}."),
            };
            if (n.Graph != this) throw new ArgumentException($"ControlDependencies: node '{n.Name}' belongs to another graph.");
            list.Add(n);
        }
        controlScopes.Push([.. list]);
        return new Scope(() => controlScopes.Pop());
    }

    /// <summary>
    /// Makes this graph the default on this thread with no enclosing <see cref="ControlDependencies(object[])"/> or
    /// <see cref="NameScope"/> in force, until disposed (TensorFlow's init_scope inside a TF1 graph). State created on the
    /// side of the code being built, such as an optimizer's slot variables, goes here: otherwise its initializer would
    /// depend on whatever the enclosing control scope names (a training step, say) and run it.
    /// </summary>
    public IDisposable InitScope()
    {
        lock (gate)
        {
            var savedControl = controlScopes.ToArray();
            var savedNames = nameScopes.ToArray();
            controlScopes.Clear();
            nameScopes.Clear();
            var asDefault = AsDefault();
            return new Scope(() =>
            {
                asDefault.Dispose();
                lock (gate)
                {
                    // ToArray lists a stack top first: push back bottom first.
                    foreach (var c in savedControl.Reverse()) controlScopes.Push(c);
                    foreach (var n in savedNames.Reverse()) nameScopes.Push(n);
                }
            });
        }
    }

    /// <summary>Prefixes names of nodes created inside the scope with "name/".</summary>
    public IDisposable NameScope(string name)
    {
        nameScopes.Push(name);
        return new Scope(() => nameScopes.Pop());
    }

    /// <summary>A unique node name from a base name and the current name scopes.</summary>
    internal string UniqueName(string baseName)
    {
        var prefix = nameScopes.Count == 0 ? "" : string.Join("/", nameScopes.Reverse()) + "/";
        var name = prefix + baseName;
        if (names.Add(name)) return name;
        for (int i = 1; ; i++)
        {
            var candidate = $"{name}_{i}";
            if (names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Adds a node. Concrete inputs become constants; inputs of another graph are refused.</summary>
    public Node AddNode(OpDef op, Tensor[] inputs, Attrs attrs, string? name = null, TensorSpec[]? outputSpecs = null)
    {
        lock (gate)
        {
            var ins = new Tensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) ins[i] = Capture(inputs[i], op.Name);
            var specs = outputSpecs ?? InferSpecs(op, ins, attrs);
            var ctrl = controlScopes.Count == 0 ? [] : controlScopes.SelectMany(c => c).Distinct().ToArray();
            var node = new Node(this, nodes.Count, UniqueName(name ?? op.Name), op, ins, attrs, ctrl, specs);
            nodes.Add(node);
            NodeAdded?.Invoke(node);
            return node;
        }
    }

    /// <summary>The output specs of <paramref name="op"/> on <paramref name="ins"/>: its own inference, or all of unknown rank
    /// when an input's rank is unknown (see <see cref="UnknownRankSpecs"/>).</summary>
    internal static TensorSpec[] InferSpecs(OpDef op, Tensor[] ins, Attrs attrs) =>
        AnyUnknownRank(ins) ? UnknownRankSpecs(op, ins, attrs) : op.Infer(ins, attrs);

    private static bool AnyUnknownRank(Tensor[] ins)
    {
        foreach (var t in ins) if (t.Shape.IsUnknownRank) return true;
        return false;
    }

    /// <summary>Outputs of an op applied to an input of unknown rank: every output has unknown rank, and the dtypes and the
    /// number of outputs come from the op's own inference run on stand-ins of rank 0 to 4 (all dimensions unknown) for the
    /// unknown-rank inputs, the first rank the op accepts. A Session infers the real shapes once feeds give the ranks.</summary>
    private static TensorSpec[] UnknownRankSpecs(OpDef op, Tensor[] ins, Attrs attrs)
    {
        ArgumentException? first = null;
        var probeGraph = new Graph();
        for (int rank = 0; rank <= 4; rank++)
        {
            var probe = new Tensor[ins.Length];
            for (int i = 0; i < ins.Length; i++)
            {
                if (!ins[i].Shape.IsUnknownRank) { probe[i] = ins[i]; continue; }
                var shape = new Shape([.. Enumerable.Repeat(-1, rank)]);
                var ph = new Attrs { { "dtype", ins[i].DType }, { "shape", shape } };
                probe[i] = probeGraph.AddNodeExact($"probe_{rank}_{i}", GraphOps.PlaceholderDef, [], ph, [], [new TensorSpec(shape, ins[i].DType)]).Outputs[0];
            }
            try
            {
                return [.. op.Infer(probe, attrs).Select(s => new TensorSpec(Shape.Unknown, s.DType))];
            }
            catch (ArgumentException e)
            {
                first ??= e;
            }
        }
        throw new ArgumentException($"{op.Name}: an input has unknown rank and the op accepts none of ranks 0 to 4 for it ({first!.Message}). " +
            "Give the placeholder a shape: Ops.Placeholder(dtype, new Shape(...)).", first);
    }

    /// <summary>Adds a node exactly as given (name, control inputs, output specs): used to copy and load graphs.
    /// Inputs must already be tensors of this graph; the name must be unused.</summary>
    internal Node AddNodeExact(string name, OpDef op, Tensor[] inputs, Attrs attrs, Node[] controlInputs, TensorSpec[] outputSpecs)
    {
        lock (gate)
        {
            foreach (var t in inputs)
                if (t.Graph != this) throw new ArgumentException($"{op.Name} '{name}': input {(t.IsSymbolic ? "'" + t.Name + "'" : "(concrete)")} is not a tensor of this graph.");
            foreach (var c in controlInputs)
                if (c.Graph != this) throw new ArgumentException($"{op.Name} '{name}': control input '{c.Name}' is not a node of this graph.");
            if (!names.Add(name)) throw new ArgumentException($"{op.Name}: a node named '{name}' already exists in this graph.");
            var node = new Node(this, nodes.Count, name, op, inputs, attrs, controlInputs, outputSpecs);
            nodes.Add(node);
            return node;
        }
    }

    /// <summary>The graph tensor for <paramref name="t"/>: itself if it is ours, a constant if concrete.</summary>
    internal Tensor Capture(Tensor t, string opName)
    {
        if (t.IsSymbolic)
        {
            if (t.Graph == this) return t;
            if (Outer is not null && IsNestedIn(t.Graph!)) return CaptureFromOuter(t, opName);
            throw new ArgumentException($"{opName}: input '{t.Name}' belongs to a different graph than the one being built. " +
                "Tensors cannot cross graphs; pass it as an argument or rebuild it in this graph.");
        }
        if (captured.TryGetValue(t, out var c)) return c;
        var constNode = AddNode(StateOps.ConstDef, [], new Attrs { { "value", t } }, "Const");
        captured[t] = constNode.Outputs[0];
        return constNode.Outputs[0];
    }

    /// <summary>For a branch or loop body: the graph it is nested in (its captures come from there).</summary>
    internal Graph? Outer { get; init; }

    /// <summary>Outer tensors used inside this nested graph, each with the placeholder standing for it, in capture order.</summary>
    internal IReadOnlyList<(Tensor Outer, Tensor Inner)> OuterCaptures => outerCaptures;

    private readonly List<(Tensor Outer, Tensor Inner)> outerCaptures = [];

    /// <summary>True when this graph is <paramref name="g"/> or nested (through <see cref="Outer"/>) inside it.</summary>
    internal bool IsNestedIn(Graph g)
    {
        for (var cur = this; cur is not null; cur = cur.Outer)
            if (cur == g) return true;
        return false;
    }

    /// <summary>A placeholder of this nested graph standing for a tensor of an enclosing graph.</summary>
    private Tensor CaptureFromOuter(Tensor t, string opName)
    {
        lock (gate)
        {
            var fromParent = t.Graph == Outer ? t : Outer!.Capture(t, opName);
            if (captured.TryGetValue(fromParent, out var c)) return c;
            var attrs = new Attrs { { "dtype", t.DType }, { "shape", t.Shape } };
            var ph = AddNode(GraphOps.PlaceholderDef, [], attrs, "capture").Outputs[0];
            captured[fromParent] = ph;
            outerCaptures.Add((fromParent, ph));
            return ph;
        }
    }

    /// <summary>Finds a node by name.</summary>
    public Node? FindNode(string name) => nodes.FirstOrDefault(n => n.Name == name);

    /// <summary>Replaces the node list (used by optimiser passes that rebuild a graph).</summary>
    internal void ReplaceNodes(IEnumerable<Node> newNodes)
    {
        lock (gate)
        {
            var list = newNodes.ToList();
            nodes.Clear();
            nodes.AddRange(list);
        }
    }

    /// <summary>A readable listing: variables, then one node per line (see <see cref="GraphPrinter"/>).</summary>
    public override string ToString() => GraphPrinter.Print(this);

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? action = onDispose;

        public void Dispose()
        {
            action?.Invoke();
            action = null;
        }
    }
}
