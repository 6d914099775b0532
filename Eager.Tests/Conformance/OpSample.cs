namespace Eager.Tests.Conformance;

/// <summary>
/// One conformance case for a registered op: float64 inputs of the given shapes and a call through the
/// public API. The conformance suite checks every registered op has at least one sample, compares the
/// analytic gradient with central finite differences, graph against eager, and so on.
/// </summary>
/// <param name="Op">Registered op name this sample exercises (OpRegistry name).</param>
/// <param name="Shapes">Shapes of the float64 inputs.</param>
/// <param name="Call">The op applied to the inputs (through Ops or operators).</param>
/// <param name="Differentiable">False for ops without gradients (comparisons, ArgMax, state).</param>
/// <param name="Domain">Maps a standard-normal draw into the op's domain (e.g. Math.Abs(v)+0.5 for Log).</param>
public sealed record OpSample(
    string Op,
    Shape[] Shapes,
    Func<Tensor[], Tensor> Call,
    bool Differentiable = true,
    Func<double, double>? Domain = null)
{
    /// <summary>Label for test names.</summary>
    public string Label { get; init; } = "";

    /// <summary>False when the op cannot run on float32 inputs (the float32-vs-float64 check is skipped).</summary>
    public bool Float32 { get; init; } = true;

    /// <summary>False when the call cannot be built in a graph (the shape-inference check then runs eagerly only).
    /// Use sparingly: ops are expected to trace.</summary>
    public bool Traceable { get; init; } = true;

    /// <summary>False when the op's shape inference needs some input dimensions known (the unknown-dimension
    /// check is skipped). Use sparingly: traced functions often have unknown batch sizes.</summary>
    public bool UnknownDims { get; init; } = true;

    /// <summary>True when the output's shape depends on the input's values (NonZero): static shapes may then hold
    /// unknown dimensions, which must still be compatible with the eager result.</summary>
    public bool ShapeFromData { get; init; }

    /// <summary>Relative tolerance of the finite-difference gradient check (float64).</summary>
    public double GradTolerance { get; init; } = 1e-6;

    /// <summary>Deterministic float64 inputs for this sample.</summary>
    public Tensor[] MakeInputs(int seed = 1)
    {
        var result = new Tensor[Shapes.Length];
        for (int i = 0; i < Shapes.Length; i++)
        {
            var t = Tensor.RandomNormal(Shapes[i], seed: seed * 31 + i, dtype: DType.Float64);
            if (Domain is not null) t = Tensor.From(t.ToArray<double>().Select(Domain).ToArray(), Shapes[i]);
            result[i] = t;
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Op}{(Label.Length > 0 ? "/" + Label : "")}({string.Join(", ", Shapes.Select(s => s.ToString()))})";
}

/// <summary>
/// Samples for every op, one file per op family under Samples/ (MathSamples.cs, ArraySamples.cs ...):
/// each file adds a public static method returning IEnumerable&lt;OpSample&gt; to this partial class;
/// <see cref="All"/> collects every such method by reflection.
/// </summary>
public static partial class OpSamples
{
    /// <summary>Every sample from every family file.</summary>
    public static IReadOnlyList<OpSample> All { get; } = typeof(OpSamples)
        .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(m => m.ReturnType == typeof(IEnumerable<OpSample>) && m.GetParameters().Length == 0)
        .SelectMany(m => (IEnumerable<OpSample>)m.Invoke(null, null)!)
        .ToList();
}
