using static Eager.Ops;
using static Eager.GraphOps;

namespace Eager;

/// <summary>Graph-building ops (TensorFlow 1 style): placeholders, no-ops, groups and variable initialisation.</summary>
public static partial class Ops
{
    /// <summary>
    /// A graph input that takes its value from the <see cref="FeedDict"/> of <see cref="Session.Run(Tensor, FeedDict?)"/>.
    /// Dimensions of -1 are unknown and accept any size (e.g. a free batch dimension).
    /// </summary>
    /// <exception cref="InvalidOperationException">No graph is being built on this thread (eager code passes tensors directly).</exception>
    public static Tensor Placeholder(DType dtype, Shape shape, string? name = null)
    {
        var g = RequireGraph(PlaceholderName, "in eager code pass the tensor itself instead of a placeholder");
        return g.AddNode(PlaceholderDef, [], new Attrs { { "dtype", dtype }, { "shape", shape } }, name ?? PlaceholderName).Outputs[0];
    }

    /// <summary>A placeholder of unknown rank (TensorFlow's <c>tf.placeholder(tf.float32)</c> without a shape): any tensor of
    /// <paramref name="dtype"/> can be fed. Ops built on it have outputs of unknown rank (<see cref="Shape.Unknown"/>); each
    /// Session run infers the real shapes from the fed rank (one compiled plan per rank).</summary>
    /// <exception cref="InvalidOperationException">No graph is being built on this thread.</exception>
    public static Tensor Placeholder(DType dtype, string? name = null) => Placeholder(dtype, Shape.Unknown, name);

    /// <summary>An operation that does nothing; with control dependencies it is a synchronisation point.</summary>
    /// <exception cref="InvalidOperationException">No graph is being built on this thread.</exception>
    public static Operation NoOp(string? name = null)
    {
        var g = RequireGraph(NoOpName, "eager code runs every op at once and needs no NoOp");
        return new Operation(g.AddNode(NoOpDef, [], Attrs.Empty, name ?? NoOpName));
    }

    /// <summary>An operation that runs after all of <paramref name="deps"/> (Tensors, Operations or graph Variables' initializers).</summary>
    /// <exception cref="InvalidOperationException">No graph is being built on this thread.</exception>
    /// <exception cref="ArgumentException">A dependency is concrete or belongs to another graph.</exception>
    public static Operation Group(params object[] deps) => Group(deps, null);

    /// <summary>An operation named <paramref name="name"/> that runs after all of <paramref name="deps"/>.</summary>
    public static Operation Group(IEnumerable<object> deps, string? name)
    {
        ArgumentNullException.ThrowIfNull(deps);
        var g = RequireGraph("Group", "eager code runs every op at once and needs no group");
        using (g.ControlDependencies([.. deps]))
            return new Operation(g.AddNode(NoOpDef, [], Attrs.Empty, name ?? "group_deps"));
    }

    /// <summary>One operation that runs the initializer of every variable of the current graph (TensorFlow's
    /// global_variables_initializer). Variables are initialised in creation order, so one may start from
    /// another's value.</summary>
    /// <exception cref="InvalidOperationException">No graph is being built on this thread.</exception>
    public static Operation GlobalVariablesInitializer()
    {
        var g = RequireGraph("GlobalVariablesInitializer", "eager variables are initialised when they are created");
        var inits = g.Variables.Where(v => v.Initializer is not null).Select(v => (object)v.Initializer!).ToArray();
        return Group(inits, "init");
    }

    /// <summary>One operation that runs the initializers of <paramref name="variables"/> (graph variables only).</summary>
    public static Operation VariablesInitializer(IEnumerable<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var g = RequireGraph("VariablesInitializer", "eager variables are initialised when they are created");
        var inits = new List<object>();
        foreach (var v in variables)
        {
            if (v.Initializer is null || v.Graph != g)
                throw new ArgumentException($"VariablesInitializer: variable '{v.Name}' is not a variable of the current graph.");
            inits.Add(v.Initializer);
        }
        return Group(inits, "init");
    }
}

internal static partial class GraphOps
{
    internal const string PlaceholderName = "Placeholder";
    internal static readonly OpDef PlaceholderDef = new(PlaceholderName,
        (_, a) => [new TensorSpec(a.Get<Shape>("shape"), a.Get<DType>("dtype"))],
        (_, a) => throw new InvalidOperationException(
            $"Placeholder ({a.Get<DType>("dtype").Name()}{a.Get<Shape>("shape")}) was not fed: give it a value in the FeedDict passed to Session.Run."))
    { NoOnnx = "a fed value: the exporter writes a function's inputs as graph inputs, and a placeholder that is not one cannot be exported" };

    internal const string NoOpName = "NoOp";
    internal static readonly OpDef NoOpDef = new(NoOpName, (_, _) => [], (_, _) => []) { NoOnnx = "it computes nothing and only orders other nodes (control dependencies), which ONNX graphs do not have" };

    internal static Graph RequireGraph(string op, string hint) => Graph.Current ?? throw new InvalidOperationException(
        $"{op}: no graph is being built on this thread; use it inside 'using (graph.AsDefault())' or Function.Create ({hint}).");
}
