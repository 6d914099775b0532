namespace Eager.NN;

/// <summary>What <see cref="Checkpoint.Restore"/> did: the names it assigned, the variables the file lacked and the
/// file's entries nothing matched.</summary>
public sealed record RestoreStatus(IReadOnlyList<string> Restored, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected)
{
    /// <summary>True when every variable was restored and every entry used.</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0;
}

/// <summary>
/// Saves and restores a model's variables and an optimizer's state by name (TensorFlow 2's tf.train.Checkpoint).
/// Names: "model/" + the layer path of each weight ("model/dense_1/kernel"), "optimizer/iterations", and
/// "optimizer/" + slot + "/" + the weight's path for slot variables ("optimizer/m/dense_1/kernel"); extra
/// variables added with <see cref="Add"/> keep their given names. The file format is <see cref="TensorFile"/>.
/// Restoring checks everything first (names, shapes, dtypes, the checksum) and assigns only when all is well:
/// a refused restore leaves every variable as it was.
/// </summary>
public sealed class Checkpoint
{
    private readonly Layer? model;
    private readonly Optimizer? optimizer;
    private readonly List<KeyValuePair<string, Variable>> extra = [];

    /// <summary>A checkpoint of <paramref name="model"/> and, optionally, <paramref name="optimizer"/>.</summary>
    public Checkpoint(Layer? model = null, Optimizer? optimizer = null)
    {
        this.model = model;
        this.optimizer = optimizer;
    }

    /// <summary>Adds a variable under <paramref name="name"/> (for state outside the model, such as an epoch counter).</summary>
    public Checkpoint Add(string name, Variable variable)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(variable);
        extra.Add(new(name, variable));
        return this;
    }

    /// <summary>Every variable by its checkpoint name.</summary>
    /// <exception cref="InvalidOperationException">The model is not built yet (its variables do not exist).</exception>
    public IReadOnlyList<KeyValuePair<string, Variable>> Variables()
    {
        var list = new List<KeyValuePair<string, Variable>>();
        var modelNames = new Dictionary<Variable, string>(ReferenceEqualityComparer.Instance);
        if (model is not null)
        {
            if (!model.Built)
                throw new InvalidOperationException($"Checkpoint: the model '{model.Name}' is not built, so its variables do not exist yet; call it once or call Build(inputShape) first.");
            foreach (var (path, v) in model.NamedVariables())
            {
                list.Add(new("model/" + path, v));
                modelNames[v] = path;
            }
        }
        if (optimizer is not null)
        {
            // Built first: for a graph model that makes the graph's step counter, which Iterations then finds.
            if (model is not null) optimizer.Build(model.TrainableVariables);
            list.Add(new("optimizer/iterations", optimizer.Iterations));
            foreach (var (target, slot, value) in optimizer.Slots)
            {
                var targetName = modelNames.TryGetValue(target, out var p) ? p : target.Name;
                list.Add(new($"optimizer/{slot}/{targetName}", value));
            }
        }
        list.AddRange(extra);
        var dup = list.GroupBy(kv => kv.Key).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvalidOperationException($"Checkpoint: two variables share the name '{dup.Key}'; give layers unique names.");
        return list;
    }

    /// <summary>Writes every variable's current value to <paramref name="path"/> (atomically).</summary>
    public void Save(string path)
    {
        var values = Variables().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, ValueOf(kv.Value))).ToList();
        TensorFile.Write(path, values);
    }

    /// <summary>
    /// Reads <paramref name="path"/> and assigns every variable found in it by name. Names present on one side only
    /// are reported in the result; with <paramref name="strict"/> they make the restore fail instead.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated or corrupted (nothing is changed).</exception>
    /// <exception cref="InvalidOperationException">A shape or dtype differs, or (strict) names do not match (nothing is changed).</exception>
    public RestoreStatus Restore(string path, bool strict = false)
    {
        var file = TensorFile.Read(path).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var vars = Variables();
        var missing = new List<string>();
        var plan = new List<(string Name, Variable Var, Tensor Value)>();
        var problems = new List<string>();
        foreach (var (name, v) in vars)
        {
            if (!file.TryGetValue(name, out var t)) { missing.Add(name); continue; }
            if (t.DType != v.DType || t.Shape != v.Shape)
                problems.Add($"'{name}': the file holds {t.DType.Name()}{t.Shape}, the variable is {v.DType.Name()}{v.Shape}");
            else plan.Add((name, v, t));
        }
        var known = new HashSet<string>(vars.Select(kv => kv.Key), StringComparer.Ordinal);
        var unexpected = file.Keys.Where(k => !known.Contains(k)).ToList();
        if (problems.Count > 0)
            throw new InvalidOperationException($"Checkpoint.Restore('{path}'): shapes or dtypes differ, nothing was restored: {string.Join("; ", problems)}.");
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidOperationException($"Checkpoint.Restore('{path}', strict): nothing was restored. Missing from the file: [{string.Join(", ", missing)}]; " +
                                                $"in the file but not in the model: [{string.Join(", ", unexpected)}].");
        Assign(plan.Select(p => (p.Var, p.Value)));
        return new RestoreStatus([.. plan.Select(p => p.Name)], missing, unexpected);
    }

    /// <summary>The current value of a variable: eager, or a graph variable in the default session (save and restore graph models
    /// inside <c>using (session.AsDefault())</c>: each session holds its own values).</summary>
    internal static Tensor ValueOf(Variable v) => v.Value;

    /// <summary>Sets variables eagerly, off every tape (also graph variables: their value is what Sessions read).</summary>
    internal static void Assign(IEnumerable<(Variable Var, Tensor Value)> values)
    {
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
        {
            foreach (var (v, t) in values) v.Assign(t);
        }
    }
}
