namespace Eager.NN;

/// <summary>
/// Base of the optimizers (Keras 3's update rules). <see cref="ApplyGradients"/> updates variables with
/// <c>Variable.Assign</c>-family ops, so the same call runs eagerly, becomes graph nodes inside a traced
/// <c>Function.Create</c>, and builds a training op in a TensorFlow 1 graph (<see cref="Minimize(Tensor, IReadOnlyList{Variable}?)"/>).
/// The optimizer's own state follows the variables it trains. Eagerly and in traced functions the step counter and
/// the slot variables (Adam's moments, momentum) are eager variables created on first use with concrete values. In a
/// TensorFlow 1 graph (one that does not lift variables) they are graph variables, as in TensorFlow 1: the step counter
/// of that graph and the slots of its variables belong to the graph, so each <see cref="Session"/> holds its own
/// values, <c>Ops.GlobalVariablesInitializer()</c> (built after <c>Minimize</c>) initialises them, and two sessions of
/// one graph train independently. The learning rate is the optimizer's setting, read from an eager variable by every
/// graph, trace and session.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Dictionary<(Variable Target, string Slot), Variable> slots = [];
    private readonly List<(Variable Target, string Slot, Variable Value)> slotOrder = [];
    private readonly Dictionary<DType, Variable> learningRates = [];
    private readonly Dictionary<Graph, Variable> graphIterations = new(ReferenceEqualityComparer.Instance);
    private readonly object gate = new();
    private double learningRate;
    private Variable? iterations;

    /// <summary>Creates an optimizer with a fixed learning rate, or one following <paramref name="schedule"/> when given.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite.</exception>
    protected Optimizer(double learningRate, LearningRateSchedule? schedule, string name)
    {
        Name = name;
        Schedule = schedule;
        LearningRate = schedule is null ? learningRate : schedule.Value(0);
    }

    /// <summary>A name for messages and checkpoints ("SGD", "Adam").</summary>
    public string Name { get; }

    /// <summary>The base learning rate. Changing it takes effect at the next step, also inside traced functions
    /// (it is read from a variable). Ignored when a <see cref="Schedule"/> is set.</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            if (!double.IsFinite(value) || value < 0)
                throw new ArgumentOutOfRangeException(nameof(value), $"{GetType().Name}: the learning rate must be finite and non-negative, got {value}.");
            learningRate = value;
            lock (gate)
                foreach (var (dt, v) in learningRates)
                    using (Graph.EagerScope()) v.Assign(Tensor.Scalar(value, dt));
        }
    }

    /// <summary>A learning-rate schedule over the step count; replaces <see cref="LearningRate"/> when set.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>Clips each gradient to this L2 norm (Keras' clipnorm); null for none.</summary>
    public double? ClipNorm { get; init; }

    /// <summary>Clips all gradients together to this global L2 norm (Keras' global_clipnorm, tf.clip_by_global_norm); null for none.</summary>
    public double? GlobalClipNorm { get; init; }

    /// <summary>Clips each gradient element to [-value, value] (Keras' clipvalue); null for none.</summary>
    public double? ClipValue { get; init; }

    /// <summary>Decoupled weight decay: each step subtracts <c>lr * WeightDecay * variable</c> before the update; 0 for none.</summary>
    public double WeightDecay { get; init; }

    /// <summary>The number of steps applied so far (an int64 scalar variable, saved in checkpoints). While a TensorFlow 1
    /// graph is being built, that graph's counter (a graph variable: each session counts its own steps); outside, inside
    /// <c>session.AsDefault()</c>, the counter of the session's graph if the optimizer trains in it; otherwise the eager counter.</summary>
    public Variable Iterations
    {
        get
        {
            var g = BuildingGraph;
            if (g is null && Session.Default is { } s)
                lock (gate)
                    if (graphIterations.TryGetValue(s.Graph, out var v)) return v;
            return Counter(g);
        }
    }

    /// <summary>The TensorFlow 1 graph being built on this thread: its variables live in sessions. Null eagerly and while
    /// tracing, where the optimizer's state is eager.</summary>
    private static Graph? BuildingGraph => Graph.Current is { LiftVariables: false } g ? g : null;

    /// <summary>The step counter of <paramref name="graph"/>, or the eager one for null; created on first use.</summary>
    private Variable Counter(Graph? graph)
    {
        lock (gate)
        {
            if (graph is null)
            {
                if (iterations is null)
                    using (Graph.EagerScope()) iterations = new Variable(Tensor.Scalar(0L), name: $"{Name}/iterations", trainable: false);
                return iterations;
            }
            if (!graphIterations.TryGetValue(graph, out var counter))
                using (graph.InitScope())
                    graphIterations[graph] = counter = new Variable(Tensor.Scalar(0L), name: $"{Name}/iterations", trainable: false) { ValueBeforeInitializer = Tensor.Scalar(0L) };
            return counter;
        }
    }

    /// <summary>Slot variables created so far: (the variable they belong to, the slot name, the slot).</summary>
    public IReadOnlyList<(Variable Target, string Slot, Variable Value)> Slots { get { lock (gate) return [.. slotOrder]; } }

    /// <summary>Creates the slot variables for <paramref name="variables"/> now (otherwise they are made on the first
    /// step); used before restoring a checkpoint.</summary>
    public void Build(IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (variables.Count == 0) _ = Counter(null);
        foreach (var g in variables.Select(v => v.Graph).Distinct()) _ = Counter(g);
        foreach (var v in variables) CreateSlots(v);
    }

    /// <summary>
    /// Applies one step: <paramref name="gradients"/>[i] updates <paramref name="variables"/>[i]; null gradients are
    /// skipped (the variable did not influence the loss). Eagerly the variables change at once; while building a
    /// graph the updates become nodes and the returned operation (the step counter's increment, which runs after
    /// every update) is what a Session runs. Returns null eagerly.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a gradient's shape or dtype does not match its variable.</exception>
    public virtual Operation? ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"{GetType().Name}.ApplyGradients: {gradients.Count} gradients for {variables.Count} variables; pass one gradient (or null) per variable.");
        var pairs = new List<(Tensor Grad, Variable Var)>();
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < variables.Count; i++)
        {
            var v = variables[i] ?? throw new ArgumentNullException(nameof(variables), $"{GetType().Name}.ApplyGradients: variable {i} is null.");
            if (!seen.Add(v)) throw new ArgumentException($"{GetType().Name}.ApplyGradients: variable '{v.Name}' appears twice.");
            var g = gradients[i];
            if (g is null) continue;
            if (g.DType != v.DType || !g.Shape.IsCompatibleWith(v.Shape))
                throw new ArgumentException($"{GetType().Name}.ApplyGradients: the gradient for '{v.Name}' is {g.DType.Name()}{g.Shape}, the variable is {v.DType.Name()}{v.Shape}.");
            if (!v.DType.IsFloating) throw new ArgumentException($"{GetType().Name}.ApplyGradients: variable '{v.Name}' is {v.DType.Name()}; only floating variables can be trained.");
            pairs.Add((g, v));
        }
        // Optimizer arithmetic is not part of any model: keep it off every tape (and, in graphs, in its own name scope).
        using (GradientTape.NoGradient())
        using (Graph.Current?.NameScope(Name))
        {
            var counter = Counter(BuildingGraph);
            foreach (var (_, v) in pairs) CreateSlots(v);
            // Reads of the weights from the forward pass are garbage by now (a tape that answered let them go): one
            // young collection proves it, so the updates below write in place instead of renting fresh buffers.
            if (Graph.Current is null) Variable.ReleaseStaleReads(pairs.Select(p => p.Var));
            var grads = Clip([.. pairs.Select(p => p.Grad)]);
            var updates = new List<Tensor>(pairs.Count);
            for (int i = 0; i < pairs.Count; i++)
            {
                var v = pairs[i].Var;
                var lr = CurrentLearningRate(v.DType);
                if (WeightDecay == 0) { updates.Add(Update(grads[i], v, lr)); continue; }
                var decayed = v.AssignSub(Ops.Multiply(Ops.Multiply(v.Read(), lr), Scalar(WeightDecay, v.DType)));
                // In a TF1 graph nothing orders two assignments to one variable unless we say so.
                using (decayed.IsSymbolic && Graph.Current is { LiftVariables: false } g ? g.ControlDependencies(decayed) : null)
                    updates.Add(Update(grads[i], v, lr));
            }
            var graph = Graph.Current;
            if (graph is null || graph.LiftVariables || updates.Count == 0)
            {
                // Eagerly the order is program order; in a trace, automatic control dependencies keep it.
                var inc = counter.AssignAdd(Tensor.Scalar(1L));
                return inc.IsSymbolic ? inc.Op : null;
            }
            using (graph.ControlDependencies([.. updates.Cast<object>()]))
                return counter.AssignAdd(Tensor.Scalar(1L)).Op;
        }
    }

    /// <summary>The loss whose gradients <see cref="ApplyGradients"/> expects: the loss itself, except for a
    /// <see cref="LossScaleOptimizer"/>, which multiplies it by its loss scale. Training loops (Model.Fit,
    /// <see cref="Minimize(Func{Tensor}, IReadOnlyList{Variable})"/>) differentiate this instead of the loss.</summary>
    public virtual Tensor ScaleLoss(Tensor loss) => loss;

    /// <summary>The update for one variable; returns the tensor of its final assignment.</summary>
    /// <param name="grad">The (clipped) gradient.</param>
    /// <param name="variable">The variable to update.</param>
    /// <param name="lr">The learning rate for this step, a scalar of the variable's dtype.</param>
    protected abstract Tensor Update(Tensor grad, Variable variable, Tensor lr);

    /// <summary>Creates the slots <paramref name="variable"/> needs (with <see cref="AddSlot"/>).</summary>
    protected virtual void CreateSlots(Variable variable) { }

    /// <summary>Creates (once) a slot variable shaped like <paramref name="target"/>, filled with <paramref name="initialValue"/>:
    /// an eager variable for an eager target, a variable of the target's graph for a graph variable (its value lives in each
    /// session and is set by that session's initializer).</summary>
    protected Variable AddSlot(Variable target, string slot, double initialValue = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (gate)
        {
            if (slots.TryGetValue((target, slot), out var existing)) return existing;
            Variable s;
            if (target.Graph is { } graph)
                using (graph.InitScope())
                    s = new Variable(Ops.Fill(target.Shape, Tensor.Scalar(initialValue, target.DType)), name: $"{target.Name}/{slot}", trainable: false);
            else
                using (Graph.EagerScope()) s = new Variable(Tensor.Full(target.Shape, initialValue, target.DType), name: $"{target.Name}/{slot}", trainable: false);
            slots[(target, slot)] = s;
            slotOrder.Add((target, slot, s));
            return s;
        }
    }

    /// <summary>The slot named <paramref name="slot"/> of <paramref name="target"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such slot exists yet.</exception>
    public Variable GetSlot(Variable target, string slot)
    {
        lock (gate)
            return slots.TryGetValue((target, slot), out var s) ? s
                : throw new KeyNotFoundException($"{GetType().Name}: variable '{target?.Name}' has no slot '{slot}' (slots are created on the first step or by Build).");
    }

    /// <summary>The step number t = iterations + 1 as a scalar of <paramref name="dtype"/> (for bias corrections).</summary>
    protected Tensor StepAsFloat(DType dtype) => Ops.Cast(Ops.Add(Counter(BuildingGraph).Read(), Tensor.Scalar(1L)), dtype);

    /// <summary>A constant scalar of <paramref name="dtype"/>.</summary>
    protected static Tensor Scalar(double value, DType dtype) => Tensor.Scalar(value, dtype);

    private Tensor CurrentLearningRate(DType dtype)
    {
        if (Schedule is not null)
        {
            if (Graph.Current is null) return Tensor.Scalar(Schedule.Value(Counter(null).Value.Item<long>()), dtype);
            return Schedule.Compute(Ops.Cast(Counter(BuildingGraph).Read(), dtype));
        }
        Variable v;
        lock (gate)
        {
            if (!learningRates.TryGetValue(dtype, out v!))
                using (Graph.EagerScope()) learningRates[dtype] = v = new Variable(Tensor.Scalar(learningRate, dtype), name: $"{Name}/learning_rate", trainable: false);
        }
        return v.Read();
    }
}
