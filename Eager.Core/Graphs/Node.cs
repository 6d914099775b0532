namespace Eager;

/// <summary>
/// One node of the graph IR: an op applied to input tensors (outputs of other nodes in the same graph)
/// with attributes, plus control inputs that must run first. Its outputs are symbolic tensors.
/// </summary>
public sealed class Node
{
    internal Node(Graph graph, int id, string name, OpDef op, Tensor[] inputs, Attrs attrs, Node[] controlInputs, TensorSpec[] outputSpecs)
    {
        Graph = graph;
        Id = id;
        Name = name;
        Op = op;
        Inputs = inputs;
        Attrs = attrs;
        ControlInputs = controlInputs;
        var outs = new Tensor[outputSpecs.Length];
        for (int i = 0; i < outs.Length; i++) outs[i] = new Tensor(this, i, outputSpecs[i].Shape, outputSpecs[i].DType);
        Outputs = outs;
    }

    /// <summary>The graph that owns this node.</summary>
    public Graph Graph { get; }

    /// <summary>Creation index, unique in the graph; creation order is a topological order.</summary>
    public int Id { get; }

    /// <summary>Unique name in the graph (with name scopes, e.g. "dense/MatMul").</summary>
    public string Name { get; }

    /// <summary>The op definition.</summary>
    public OpDef Op { get; }

    /// <summary>Data inputs: symbolic tensors of this graph.</summary>
    public Tensor[] Inputs { get; internal set; }

    /// <summary>Attributes.</summary>
    public Attrs Attrs { get; internal set; }

    /// <summary>Nodes that must run before this one.</summary>
    public Node[] ControlInputs { get; internal set; }

    /// <summary>Symbolic outputs.</summary>
    public Tensor[] Outputs { get; }

    /// <summary>"name = Op(in0, in1; attrs) ^ctrl -> dtype(shape)" (see <see cref="GraphPrinter"/>).</summary>
    public override string ToString() => GraphPrinter.Format(this);
}

/// <summary>A graph node seen as an operation to run (TensorFlow's tf.Operation): initializers, training ops, groups.</summary>
public sealed class Operation
{
    internal Operation(Node node) => Node = node;

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>The node's name.</summary>
    public string Name => Node.Name;

    /// <summary>The owning graph.</summary>
    public Graph Graph => Node.Graph;

    /// <summary>The node's outputs.</summary>
    public Tensor[] Outputs => Node.Outputs;

    /// <summary>Runs this operation in <paramref name="session"/> for its effects (TensorFlow's op.run(session=...)).</summary>
    public void Run(Session session, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Run(this, feeds);
    }

    /// <summary>Runs this operation in the default session (<see cref="Session.Default"/>), TensorFlow's op.run().</summary>
    /// <exception cref="InvalidOperationException">This thread has no default session.</exception>
    public void Run(FeedDict? feeds = null)
    {
        var s = Session.Default ?? throw new InvalidOperationException(
            $"Operation.Run: '{Name}' needs a session and this thread has no default session. Use op.Run(session), " +
            "'using (session.AsDefault())', or an InteractiveSession.");
        s.Run(this, feeds);
    }

    /// <inheritdoc/>
    public override string ToString() => Node.ToString();
}
