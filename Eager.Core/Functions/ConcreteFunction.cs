namespace Eager;

/// <summary>
/// One traced graph of a <see cref="Function"/>: placeholders for the inputs, the output tensors, and a cached
/// execution plan. Every stateful node (variable reads and assignments, random ops, queue ops) runs on each call,
/// in program order, whether or not an output depends on it. Save it to a file and load it back with
/// <see cref="Save"/> and <see cref="Load"/>.
/// </summary>
public sealed class ConcreteFunction
{
    private readonly Tensor[] inputs;
    private readonly Tensor[] outputs;
    private readonly Operation[] targets;
    private readonly Session session;

    internal ConcreteFunction(string name, Graph graph, Tensor[] inputs, Tensor[] outputs)
    {
        Name = name;
        Graph = graph;
        this.inputs = inputs;
        this.outputs = outputs;
        targets = [.. graph.Nodes.Where(n => n.Op.IsStateful).Select(n => new Operation(n))];
        session = new Session(graph);
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>The traced graph.</summary>
    public Graph Graph { get; }

    /// <summary>The input placeholders, in argument order.</summary>
    public IReadOnlyList<Tensor> Inputs => inputs;

    /// <summary>The result tensors.</summary>
    public IReadOnlyList<Tensor> Outputs => outputs;

    /// <summary>What each argument must be (-1 dims accept any size); named after the parameters.</summary>
    public IReadOnlyList<TensorSpec> InputSpecs => [.. inputs.Select(t => new TensorSpec(t.Shape, t.DType, t.Node!.Name))];

    /// <summary>Dtype and (possibly partial) shape of each result.</summary>
    public IReadOnlyList<TensorSpec> OutputSpecs => [.. outputs.Select(TensorSpec.Of)];

    /// <summary>The variables the graph reads or assigns.</summary>
    public IReadOnlyList<Variable> Variables => GraphPrinter.Variables(Graph);

    /// <summary>
    /// Traces <paramref name="body"/> once for arguments of <paramref name="specs"/> into a new graph (what
    /// <see cref="Function"/> does per input signature, for callers whose arity is known only at run time, such
    /// as model importers). The body receives one symbolic placeholder per spec, named by the spec's
    /// <see cref="TensorSpec.Name"/> or <c>arg0</c>, <c>arg1</c> ..., and returns the results.
    /// </summary>
    /// <exception cref="InvalidOperationException">The body returns null or a tensor of another graph.</exception>
    public static ConcreteFunction Trace(string name, Func<Tensor[], Tensor[]> body, params TensorSpec[] specs)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(specs);
        return Trace(name, body, specs, []);
    }

    /// <summary>Traces <paramref name="body"/> for <paramref name="specs"/> into a new graph.</summary>
    internal static ConcreteFunction Trace(string name, Func<Tensor[], Tensor[]> body, TensorSpec[] specs, string[] parameterNames)
    {
        var g = new Graph { LiftVariables = true };
        g.ChainStatefulNodes();
        Tensor[] ins, outs;
        using (g.AsDefault())
        {
            ins = new Tensor[specs.Length];
            for (int i = 0; i < specs.Length; i++)
                ins[i] = Ops.Placeholder(specs[i].DType, specs[i].Shape, specs[i].Name ?? (i < parameterNames.Length ? parameterNames[i] : $"arg{i}"));
            var results = body(ins) ?? throw new InvalidOperationException($"Function '{name}' returned null; return an empty array for no results.");
            outs = new Tensor[results.Length];
            for (int i = 0; i < results.Length; i++)
            {
                var r = results[i] ?? throw new InvalidOperationException($"Function '{name}' returned null as result {i}.");
                if (r.IsSymbolic && r.Graph != g)
                    throw new InvalidOperationException($"Function '{name}': result {i} ('{r.Name}') belongs to another graph; return tensors computed inside the function.");
                outs[i] = g.Capture(r, name);
            }
        }
        g.NodeAdded = null;
        return new ConcreteFunction(name, g, ins, outs);
    }

    /// <summary>True when arguments of these specs can be passed (same dtypes, compatible shapes).</summary>
    internal bool Accepts(IReadOnlyList<TensorSpec> specs)
    {
        if (specs.Count != inputs.Length) return false;
        for (int i = 0; i < specs.Count; i++)
            if (specs[i].DType != inputs[i].DType || !Covers(inputs[i].Shape, specs[i].Shape)) return false;
        return true;
    }

    /// <summary>True when every shape matching <paramref name="specific"/> matches <paramref name="general"/>.</summary>
    private static bool Covers(Shape general, Shape specific)
    {
        if (general.Rank != specific.Rank) return false;
        for (int i = 0; i < general.Rank; i++)
            if (general[i] >= 0 && general[i] != specific[i]) return false;
        return true;
    }

    /// <summary>Runs the graph and returns its single result.</summary>
    /// <exception cref="ArgumentException">Wrong number of arguments, or an argument's dtype or shape does not fit its spec.</exception>
    /// <exception cref="InvalidOperationException">The function has other than one result (use <see cref="InvokeAll"/>).</exception>
    public Tensor Invoke(params Tensor[] args)
    {
        var r = InvokeAll(args);
        if (r.Length != 1)
            throw new InvalidOperationException($"ConcreteFunction '{Name}' returns {r.Length} tensors; Invoke returns exactly one. Use InvokeAll.");
        return r[0];
    }

    /// <summary>Runs the graph and returns all results. Inside a graph being built, the function's nodes are
    /// added to that graph instead (inlined) and symbolic results are returned.</summary>
    public Tensor[] InvokeAll(params Tensor[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != inputs.Length)
            throw new ArgumentException($"ConcreteFunction '{Name}' takes {inputs.Length} tensor{(inputs.Length == 1 ? "" : "s")}; got {args.Length}.");
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i] ?? throw new ArgumentNullException(nameof(args), $"ConcreteFunction '{Name}': argument {i} is null.");
            var p = inputs[i];
            if (a.DType != p.DType || !p.Shape.IsCompatibleWith(a.Shape))
                throw new ArgumentException($"ConcreteFunction '{Name}': argument {i} ('{p.Node!.Name}') is {a.DType.Name()}{a.Shape}; expected {p.DType.Name()}{p.Shape} (None matches any size).");
        }
        if (Graph.Current is { } outer) return GraphCopy.Inline(Graph, inputs, outputs, args, outer, Name);
        foreach (var a in args)
            if (a.IsSymbolic) throw new ArgumentException($"ConcreteFunction '{Name}': argument '{a.Name}' is a graph tensor but no graph is being built on this thread.");
        var feeds = new FeedDict();
        for (int i = 0; i < args.Length; i++) feeds.Add(inputs[i], args[i]);
        return session.Run(outputs, targets, feeds);
    }

    /// <summary>Writes the function (graph, signature, and the current values of the variables it uses) to
    /// <paramref name="path"/> atomically, in the format of docs/graph-format.md.</summary>
    /// <exception cref="NotSupportedException">A node holds an attribute a file cannot store.</exception>
    public void Save(string path) => GraphFile.Save(path, Graph, new GraphSignature(Name, inputs, outputs));

    /// <summary>Reads a function saved with <see cref="Save"/>. Its variables are new eager variables holding the saved values.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a function file, is truncated or corrupted, is too large, or uses an unknown op.</exception>
    public static ConcreteFunction Load(string path, long maxBytes = GraphFile.DefaultMaxBytes)
    {
        var (graph, signature) = GraphFile.Load(path, maxBytes);
        if (signature is null) throw new InvalidDataException($"'{path}' holds a graph, not a function; load it with Graph.Load.");
        return new ConcreteFunction(signature.Name, graph, signature.Inputs, signature.Outputs);
    }

    /// <summary>The graph as text, with its signature.</summary>
    public override string ToString() =>
        $"ConcreteFunction {Name}({string.Join(", ", InputSpecs.Select(s => $"{s.Name}: {s.DType.Name()}{s.Shape}"))}) -> " +
        $"[{string.Join(", ", outputs.Select(o => o.Name))}]\n{GraphPrinter.Print(Graph)}";
}
