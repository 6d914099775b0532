namespace Eager.NN;

/// <summary>
/// A layer that can be trained as a whole (Keras' Model): <see cref="Compile(Optimizer, Loss, IEnumerable{Metric}?, bool)"/>
/// it with an optimizer, a loss and metrics, then <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c> or <c>TrainOnBatch</c>
/// on tensors or a <see cref="Dataset"/> of (x, y) batches. <see cref="Sequential"/> is a Model; subclass Model and
/// override <c>Forward</c> for any other architecture (sub-layers stored in fields are tracked).
/// <code>
/// var model = new Sequential(new Dense(64, activation: Ops.Relu), new Dense(10));
/// model.Compile(new Adam(1e-3), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
/// var history = model.Fit(x, y, epochs: 5, batchSize: 32, validationSplit: 0.1);
/// </code>
/// The training step (forward, loss, gradients, optimizer update) is traced into a graph with
/// <see cref="Function.Create(Func{Tensor[], Tensor[]}, string?)"/> once per batch shape and run from it afterwards;
/// <see cref="RunEagerly"/> runs it op by op instead, for debugging with breakpoints and prints.
/// </summary>
public abstract partial class Model : Layer
{
    private readonly List<Metric> metrics = [];
    private Function? trainFunction, testFunction, predictFunction;

    /// <summary>Creates a model; without a name it is named after its type.</summary>
    protected Model(string? name = null) : base(name) { }

    /// <summary>The optimizer given to Compile; null before.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to Compile; null before.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The compiled metrics (their names become log keys; validation ones get a "val_" prefix).</summary>
    public IReadOnlyList<Metric> Metrics => metrics;

    /// <summary>When true the steps run op by op instead of as traced graphs (Keras' run_eagerly).</summary>
    public bool RunEagerly { get; set; }

    /// <summary>Set (by a callback) to end <c>Fit</c> after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>The history of the last Fit; null before.</summary>
    public History? History { get; private set; }

    /// <summary>The traced training step (null until the first traced step); its ConcreteFunctions hold the graphs
    /// (what the TensorBoard callback draws).</summary>
    public Function? TrainFunction => trainFunction;

    /// <summary>Whether Compile has been called.</summary>
    public bool IsCompiled => Optimizer is not null;

    /// <summary>Configures training. Metrics must compute from (targets, predictions): accuracies, or your own
    /// <see cref="Metric"/> overriding <see cref="Metric.UpdateState"/>.</summary>
    /// <exception cref="ArgumentException">Two metrics share a name, or a metric is named "loss".</exception>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric>? metrics = null, bool runEagerly = false)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        var list = metrics?.ToList() ?? [];
        if (list.Any(m => m is null)) throw new ArgumentNullException(nameof(metrics), $"Model '{Name}'.Compile: a metric is null.");
        var dup = list.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1 || g.Key == "loss");
        if (dup is not null)
            throw new ArgumentException($"Model '{Name}'.Compile: metric name '{dup.Key}' is used twice or clashes with 'loss'; give each metric its own name.", nameof(metrics));
        (Optimizer, Loss, RunEagerly) = (optimizer, loss, runEagerly);
        this.metrics.Clear();
        this.metrics.AddRange(list);
        trainFunction = testFunction = predictFunction = null;
    }

    /// <summary>Configures training with metrics by Keras name: "accuracy" (or "acc") picks the accuracy that fits the
    /// loss (sparse categorical for integer labels, categorical for one-hot targets, binary for binary cross-entropy).</summary>
    /// <exception cref="ArgumentException">An unknown metric name.</exception>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<string> metrics, bool runEagerly = false)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Compile(optimizer, loss, metrics.Select(name => MetricByName(name, loss)).ToList(), runEagerly);
    }

    private Metric MetricByName(string name, Loss loss) => name switch
    {
        "accuracy" or "acc" => loss switch
        {
            SparseCategoricalCrossentropy => new SparseCategoricalAccuracy(name),
            CategoricalCrossentropy => new CategoricalAccuracy(name),
            BinaryCrossentropy => new BinaryAccuracy(name: name),
            _ => new Accuracy(name),
        },
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(name),
        "categorical_accuracy" => new CategoricalAccuracy(name),
        "binary_accuracy" => new BinaryAccuracy(name: name),
        _ => throw new ArgumentException($"Model '{Name}'.Compile: unknown metric '{name}'; known names are accuracy, acc, sparse_categorical_accuracy, " +
                                         "categorical_accuracy, binary_accuracy, or pass Metric objects.", nameof(name)),
    };

    /// <summary>Copies of the current values of every weight (trainable or not), in <see cref="Layer.Variables"/> order (Keras' get_weights).</summary>
    public IReadOnlyList<Tensor> GetWeights()
    {
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
            return [.. Variables.Select(v => Ops.Multiply(v.Value, Tensor.Scalar(1, v.DType)))];
    }

    /// <summary>Sets every weight from <paramref name="weights"/>, in <see cref="Layer.Variables"/> order (Keras' set_weights).</summary>
    /// <exception cref="ArgumentException">The count, a shape or a dtype differs (nothing is changed).</exception>
    public void SetWeights(IReadOnlyList<Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var vars = Variables;
        if (weights.Count != vars.Count)
            throw new ArgumentException($"Model '{Name}'.SetWeights: {weights.Count} tensors for {vars.Count} weights.", nameof(weights));
        for (int i = 0; i < vars.Count; i++)
            if (weights[i].Shape != vars[i].Shape || weights[i].DType != vars[i].DType)
                throw new ArgumentException($"Model '{Name}'.SetWeights: weight {i} '{vars[i].Name}' is {vars[i].DType.Name()}{vars[i].Shape}, the tensor is {weights[i].DType.Name()}{weights[i].Shape}; nothing was changed.", nameof(weights));
        Checkpoint.Assign(vars.Select((v, i) => (v, weights[i])));
    }

    private (Optimizer Optimizer, Loss Loss) Compiled(string op) =>
        Optimizer is { } o && Loss is { } l ? (o, l)
            : throw new InvalidOperationException($"Model '{Name}'.{op}: the model is not compiled; call Compile(optimizer, loss, metrics) first.");

    private bool Eagerly => RunEagerly || Function.RunEagerly;

    /// <summary>One training step: forward, loss, gradients and update. Returns [loss, predictions].</summary>
    private Tensor[] TrainStep(Tensor x, Tensor y)
    {
        var (optimizer, loss) = Compiled("Fit");
        if (Eagerly) return TrainStepBody(x, y, optimizer, loss);
        trainFunction ??= Function.Create(a => TrainStepBody(a[0], a[1], optimizer, loss), $"{Name}_train_step");
        return trainFunction.InvokeAll(x, y);
    }

    private Tensor[] TrainStepBody(Tensor x, Tensor y, Optimizer optimizer, Loss loss)
    {
        Tensor yPred, value;
        IReadOnlyList<Variable> vars;
        Tensor?[] grads;
        using (var tape = new GradientTape())
        {
            yPred = Call(x, training: true);
            value = loss.Call(y, yPred);
            vars = TrainableVariables;
            grads = tape.Gradient(optimizer.ScaleLoss(value), vars);
        }
        optimizer.ApplyGradients(grads, vars);
        return [value, yPred];
    }

    /// <summary>One evaluation step in inference mode. Returns [loss, predictions].</summary>
    private Tensor[] TestStep(Tensor x, Tensor y)
    {
        var (_, loss) = Compiled("Evaluate");
        if (Eagerly)
        {
            var p = Call(x);
            return [loss.Call(y, p), p];
        }
        testFunction ??= Function.Create(a =>
        {
            var yPred = Call(a[0]);
            return [loss.Call(a[1], yPred), yPred];
        }, $"{Name}_test_step");
        return testFunction.InvokeAll(x, y);
    }

    /// <summary>One prediction step in inference mode.</summary>
    private Tensor PredictStep(Tensor x)
    {
        if (Eagerly) return Call(x);
        predictFunction ??= Function.Create(a => [Call(a[0])], $"{Name}_predict_step");
        return predictFunction.Invoke(x);
    }
}
