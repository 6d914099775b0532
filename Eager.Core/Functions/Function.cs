namespace Eager;

/// <summary>
/// A C# function traced into graphs (TensorFlow's tf.function). The C# body runs only while tracing: once per
/// input signature (each argument's dtype and shape); later calls with that signature run the cached graph.
/// A graph traced for a <see cref="TensorSpec"/> with -1 dimensions accepts any size there. Variables the body
/// uses are read and updated in place; stateful ops keep program order; a <see cref="GradientTape"/> inside
/// the body gives symbolic gradients. Reading a tensor's data inside the body throws <see cref="TracerException"/>.
/// </summary>
public sealed class Function
{
    private static volatile bool runEagerly;
    private readonly Func<Tensor[], Tensor[]> body;
    private readonly int arity;
    private readonly string[] parameterNames;
    private readonly Dictionary<string, ConcreteFunction> bySignature = new(StringComparer.Ordinal);
    private readonly List<ConcreteFunction> traces = [];
    private readonly object gate = new();

    private Function(Func<Tensor[], Tensor[]> body, int arity, string[] parameterNames, string name)
    {
        this.body = body;
        this.arity = arity;
        this.parameterNames = parameterNames;
        Name = name;
    }

    /// <summary>Runs every function's C# body eagerly instead of its graph (TensorFlow's run_functions_eagerly), for debugging.</summary>
    public static bool RunEagerly { get => runEagerly; set => runEagerly = value; }

    /// <summary>Traces of one function beyond this count are reported through <see cref="WarningHandler"/>.</summary>
    public static int RetraceWarningThreshold { get; set; } = 5;

    /// <summary>Receives retracing warnings; writes to standard error by default.</summary>
    public static Action<string> WarningHandler { get; set; } = message => Console.Error.WriteLine(message);

    /// <summary>The function's name (used for graph node scopes and messages).</summary>
    public string Name { get; }

    /// <summary>How many times the body has been traced.</summary>
    public int TraceCount { get { lock (gate) return traces.Count; } }

    /// <summary>The graphs traced so far, oldest first.</summary>
    public IReadOnlyList<ConcreteFunction> ConcreteFunctions { get { lock (gate) return [.. traces]; } }

    /// <summary>Traces a function of one tensor.</summary>
    public static Function Create(Func<Tensor, Tensor> f, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(a => [f(a[0])], 1, Names(f, 1), name ?? "function");
    }

    /// <summary>Traces a function of two tensors.</summary>
    public static Function Create(Func<Tensor, Tensor, Tensor> f, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(a => [f(a[0], a[1])], 2, Names(f, 2), name ?? "function");
    }

    /// <summary>Traces a function of three tensors.</summary>
    public static Function Create(Func<Tensor, Tensor, Tensor, Tensor> f, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(a => [f(a[0], a[1], a[2])], 3, Names(f, 3), name ?? "function");
    }

    /// <summary>Traces a function of four tensors.</summary>
    public static Function Create(Func<Tensor, Tensor, Tensor, Tensor, Tensor> f, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(a => [f(a[0], a[1], a[2], a[3])], 4, Names(f, 4), name ?? "function");
    }

    /// <summary>Traces a function from any number of tensors to any number of tensors; use <see cref="InvokeAll"/> for several results.</summary>
    public static Function Create(Func<Tensor[], Tensor[]> f, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(f, -1, [], name ?? "function");
    }

    /// <summary>Calls the function and returns its single result (tracing first for a new input signature).</summary>
    /// <exception cref="ArgumentException">Wrong number of arguments, or a null/symbolic argument outside a graph.</exception>
    /// <exception cref="InvalidOperationException">The function returns other than one tensor (use <see cref="InvokeAll"/>).</exception>
    public Tensor Invoke(params Tensor[] args)
    {
        var r = InvokeAll(args);
        if (r.Length != 1)
            throw new InvalidOperationException($"Function '{Name}' returns {r.Length} tensors; Invoke returns exactly one. Use InvokeAll.");
        return r[0];
    }

    /// <summary>Calls the function and returns all its results.</summary>
    public Tensor[] InvokeAll(params Tensor[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        CheckArity(args.Length);
        for (int i = 0; i < args.Length; i++)
            if (args[i] is null) throw new ArgumentNullException(nameof(args), $"Function '{Name}': argument {i} is null.");
        // Inside another trace the body is inlined; with RunEagerly it runs op by op. An active tape also runs
        // the body eagerly so the tape sees every op (a graph call has no gradient of its own yet).
        if (RunEagerly || Graph.Current is not null || GradientTape.ActiveHere) return Results(body(args));
        var specs = args.Select(TensorSpec.Of).ToArray();
        return Concrete(specs, exactOnly: false).InvokeAll(args);
    }

    /// <summary>The graph for <paramref name="specs"/> (tracing it if new). A -1 dimension accepts any size;
    /// later calls whose arguments fit these specs reuse this graph.</summary>
    public ConcreteFunction GetConcreteFunction(params TensorSpec[] specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        CheckArity(specs.Length);
        return Concrete(specs, exactOnly: true);
    }

    private ConcreteFunction Concrete(TensorSpec[] specs, bool exactOnly)
    {
        var key = string.Join(";", specs.Select(s => s.DType.Name() + s.Shape));
        lock (gate)
        {
            if (bySignature.TryGetValue(key, out var cf)) return cf;
            if (!exactOnly)
            {
                // A graph traced for relaxed shapes (-1 dims) serves every signature it accepts.
                foreach (var t in traces)
                {
                    if (!t.Accepts(specs)) continue;
                    bySignature[key] = t;
                    return t;
                }
            }
            cf = ConcreteFunction.Trace(Name, body, specs, parameterNames);
            traces.Add(cf);
            bySignature[key] = cf;
            if (traces.Count > RetraceWarningThreshold)
                WarningHandler($"Function '{Name}' has been traced {traces.Count} times (latest signature: {string.Join(", ", specs.Select(s => s.DType.Name() + s.Shape))}). " +
                               "Each new input shape traces again; pass a TensorSpec with -1 for dimensions that vary (GetConcreteFunction) to trace once.");
            return cf;
        }
    }

    private void CheckArity(int count)
    {
        if (arity >= 0 && count != arity)
            throw new ArgumentException($"Function '{Name}' takes {arity} tensor{(arity == 1 ? "" : "s")}; got {count}.");
    }

    private Tensor[] Results(Tensor[]? results)
    {
        if (results is null) throw new InvalidOperationException($"Function '{Name}' returned null; return an empty array for no results.");
        for (int i = 0; i < results.Length; i++)
            if (results[i] is null) throw new InvalidOperationException($"Function '{Name}' returned null as result {i}.");
        return results;
    }

    private static string[] Names(Delegate f, int n)
    {
        var ps = f.Method.GetParameters();
        var offset = ps.Length - n;
        return [.. Enumerable.Range(0, n).Select(i => offset >= 0 && ps[offset + i].Name is { Length: > 0 } s ? s : $"arg{i}")];
    }

    /// <inheritdoc/>
    public override string ToString() => $"<Function '{Name}' traces={TraceCount}>";
}
