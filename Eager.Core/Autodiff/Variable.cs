using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>
/// Mutable state holding a tensor: model weights, optimizer slots, counters. Reading it (the implicit
/// conversion to <see cref="Tensor"/>) gives its current value; trainable variables read inside a
/// <see cref="GradientTape"/> are watched by themselves. Created while a graph is being built, it is a
/// graph variable: it has no value of its own. Each <see cref="Session"/> of the graph holds its own value, set when
/// the initializer runs in that session (TensorFlow 1), so two sessions of one graph train independently.
/// </summary>
public sealed partial class Variable
{
    private static readonly ConditionalWeakTable<Tensor, Variable> ReadsOf = new();
    private static int counter;

    /// <summary>Creates a variable starting at <paramref name="initialValue"/>.</summary>
    public Variable(Tensor initialValue, string? name = null, bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        Trainable = trainable;
        Shape = initialValue.Shape;
        DType = initialValue.DType;
        var graph = Graph.Current;
        if (graph is not null && graph.LiftVariables)
        {
            // Variables made while tracing a function live outside it (TensorFlow's init_scope).
            if (initialValue.IsSymbolic)
                throw new InvalidOperationException($"Variable '{name}': inside Function.Create a variable needs a concrete initial value; create it outside the function or from a concrete tensor.");
            graph = null;
        }
        Name = graph is null ? (name ?? $"Variable_{Interlocked.Increment(ref counter)}") : graph.UniqueName(name ?? "Variable");
        if (graph is null)
        {
            if (!Shape.IsFullyDefined) throw new ArgumentException($"Variable '{Name}': an eager variable needs a fully defined shape, got {Shape}.");
            if (initialValue.IsSymbolic) throw new ArgumentException($"Variable '{Name}': the initial value is a graph tensor but no graph is being built.");
            SetValue(initialValue, "Variable");
        }
        else
        {
            Graph = graph;
            InitializedValue = graph.Capture(initialValue, "Variable");
            graph.Variables.Add(this);
            Initializer = Ops.Assign(this, InitializedValue).Op;
            Node = Initializer.Node;
        }
    }

    /// <summary>A variable restored from a graph file, without nodes: a graph variable (non-null <paramref name="graph"/>)
    /// gets its initializer from <see cref="BindInitializer"/> once the file's nodes exist.</summary>
    internal Variable(string name, Shape shape, DType dtype, bool trainable, Graph? graph)
    {
        Name = name;
        Shape = shape;
        DType = dtype;
        Trainable = trainable;
        Graph = graph;
        graph?.Variables.Add(this);
    }

    /// <summary>Sets a restored graph variable's initializer (an Assign node whose input is the initial value).</summary>
    internal void BindInitializer(Operation initializer)
    {
        Initializer = initializer;
        Node = initializer.Node;
        InitializedValue = initializer.Node.Inputs[0];
    }

    /// <summary>The variable's name (unique within its graph).</summary>
    public string Name { get; }

    /// <summary>Whether tapes watch it by themselves and optimizers update it.</summary>
    public bool Trainable { get; }

    /// <summary>Shape (fixed).</summary>
    public Shape Shape { get; }

    /// <summary>Element type (fixed).</summary>
    public DType DType { get; }

    /// <summary>For a graph variable: its graph; null for an eager variable.</summary>
    public Graph? Graph { get; }

    /// <summary>For a graph variable: the initial value tensor (TensorFlow's initialized_value).</summary>
    public Tensor? InitializedValue { get; private set; }

    /// <summary>For a graph variable: the op that assigns the initial value.</summary>
    public Operation? Initializer { get; private set; }

    /// <summary>For a graph variable: its initializer node (used for control dependencies).</summary>
    internal Node? Node { get; private set; }

    /// <summary>True once a value has been assigned: for a graph variable, in the session running on this thread or else the
    /// default session (<see cref="Session.AsDefault"/>); false when neither runs its graph.</summary>
    public bool IsInitialized => Graph is null ? own is not null : RunContext.For(this) is { } s && s.Contains(this);

    /// <summary>The current value without notifying tapes. A graph variable's value is the one of the session running on this
    /// thread, or else of the default session.</summary>
    /// <exception cref="InvalidOperationException">The variable is uninitialised (TensorFlow's FailedPrecondition; in that
    /// session for a graph variable), or it is a graph variable and no session of its graph is running or default.</exception>
    public Tensor Value
    {
        get
        {
            if (Graph is null) return Shown() ?? throw Uninitialized("");
            var s = RunContext.For(this) ?? throw NoSession();
            if (s.TryGet(this, out var v)) return v;
            if (ValueBeforeInitializer is not { } start) throw Uninitialized(" in this session");
            lock (s)
            {
                if (!s.TryGet(this, out v)) s.Set(this, v = start);
                return v;
            }
        }
    }

    /// <summary>
    /// For a graph variable: the value a session starts it from when it is read before its initializer ran, instead
    /// of failing. Optimizers set it on their step counters: TensorFlow 1's optimizers keep no counter, so a program
    /// written for them runs <c>global_variables_initializer()</c> before building the training op and never
    /// initialises one. Null (the default) keeps TensorFlow's FailedPrecondition.
    /// </summary>
    /// <exception cref="ArgumentException">The value's shape or dtype differs from the variable's, or it is a graph tensor.</exception>
    public Tensor? ValueBeforeInitializer
    {
        get => valueBeforeInitializer;
        set
        {
            if (value is not null && (value.IsSymbolic || value.Shape != Shape || value.DType != DType))
                throw new ArgumentException($"Variable '{Name}': ValueBeforeInitializer must be a concrete {DType.Name()}{Shape} tensor; got {(value.IsSymbolic ? "a graph tensor" : value.DType.Name() + value.Shape)}.", nameof(value));
            valueBeforeInitializer = value;
        }
    }

    private Tensor? valueBeforeInitializer;

    private InvalidOperationException Uninitialized(string where) => new(
        $"FailedPrecondition: attempting to use uninitialized value of variable '{Name}'{where}. Run its initializer (Ops.GlobalVariablesInitializer()) first.");

    private InvalidOperationException NoSession() => new(
        $"Variable '{Name}' is a graph variable: each Session of its graph holds its own value. Read it with session.Run(variable), " +
        "or inside 'using (session.AsDefault())'.");

    /// <summary>Sets the value directly (kernels of Assign ops and checkpoint restore); shape and dtype are checked.
    /// The variable holds a fresh tensor object over the same storage, so a later read is never mistaken for the tensor
    /// that was assigned: gradients do not flow through an assignment, as in TensorFlow. The storage stays shared with
    /// the assigned tensor, so the variable's next in-place update writes a buffer of its own instead.</summary>
    internal Tensor SetValue(Tensor t, string op)
    {
        if (t.IsSymbolic)
            throw new InvalidOperationException($"{op}: variable '{Name}' can only hold a concrete value; got the graph tensor '{t.Name}'.");
        if (t.DType != DType || !Shape.IsCompatibleWith(t.Shape) || !t.Shape.IsFullyDefined)
            throw new ArgumentException($"{op}: variable '{Name}' is {DType.Name()}{Shape}; cannot assign a {t.DType.Name()}{t.Shape} value. Shapes and dtypes must match.");
        if (Graph is null)
        {
            Hold(t, owns: false);
            return Shown()!;
        }
        var held = t.View(t.Shape, t.StridesArray, t.Offset);
        (RunContext.For(this) ?? throw NoSession()).Set(this, held);
        ReadsOf.AddOrUpdate(held, this);
        return held;
    }

    /// <summary>The variable a tensor was read from, if any.</summary>
    internal static Variable? ReadFrom(Tensor t) => ReadsOf.TryGetValue(t, out var v) ? v : null;

    internal static void MarkRead(Tensor t, Variable v) => ReadsOf.AddOrUpdate(t, v);

    /// <summary>Reads the value (a graph read while building, the current value eagerly) and tells active tapes.</summary>
    public Tensor Read() => Ops.ReadVariable(this);

    /// <summary>Assigns a new value (same shape and dtype); returns the new value.</summary>
    /// <exception cref="ArgumentException">The shape or dtype differs from the variable's.</exception>
    public Tensor Assign(Tensor newValue) => Ops.Assign(this, newValue);

    /// <summary>Adds to the value in place; returns the new value.</summary>
    /// <exception cref="ArgumentException">The shape or dtype differs from the variable's, or the dtype is bool.</exception>
    public Tensor AssignAdd(Tensor delta) => Ops.AssignAdd(this, delta);

    /// <summary>Subtracts from the value in place; returns the new value.</summary>
    /// <exception cref="ArgumentException">The shape or dtype differs from the variable's, or the dtype is bool.</exception>
    public Tensor AssignSub(Tensor delta) => Ops.AssignSub(this, delta);

    /// <summary>Reads the variable (see <see cref="Read"/>).</summary>
    public static implicit operator Tensor(Variable v) => v.Read();

    /// <summary>Adds through the read value.</summary>
    public static Tensor operator +(Variable a, Tensor b) => Ops.Add(a, b);

    /// <summary>Subtracts through the read value.</summary>
    public static Tensor operator -(Variable a, Tensor b) => Ops.Subtract(a, b);

    /// <summary>Multiplies through the read value.</summary>
    public static Tensor operator *(Variable a, Tensor b) => Ops.Multiply(a, b);

    /// <summary>Divides through the read value.</summary>
    public static Tensor operator /(Variable a, Tensor b) => Ops.Divide(a, b);

    /// <summary>Scalar multiply through the read value.</summary>
    public static Tensor operator *(Variable a, double b) => a.Read() * b;

    /// <summary>Scalar multiply through the read value.</summary>
    public static Tensor operator *(double a, Variable b) => a * b.Read();

    /// <summary>Scalar add through the read value.</summary>
    public static Tensor operator +(Variable a, double b) => a.Read() + b;

    /// <summary>Scalar add through the read value.</summary>
    public static Tensor operator +(double a, Variable b) => a + b.Read();

    /// <summary>Scalar subtract through the read value.</summary>
    public static Tensor operator -(Variable a, double b) => a.Read() - b;

    /// <summary>Scalar subtract through the read value.</summary>
    public static Tensor operator -(double a, Variable b) => a - b.Read();

    /// <summary>Scalar divide through the read value.</summary>
    public static Tensor operator /(Variable a, double b) => a.Read() / b;

    /// <summary>Scalar divide through the read value.</summary>
    public static Tensor operator /(double a, Variable b) => a / b.Read();

    /// <summary>Negation through the read value.</summary>
    public static Tensor operator -(Variable a) => -a.Read();

    /// <inheritdoc/>
    public override string ToString() => $"<Variable '{Name}' shape={Shape} dtype={DType.Name()}{(Graph is not null || own is null ? "" : " " + own)}>";
}
