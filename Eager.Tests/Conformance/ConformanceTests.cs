namespace Eager.Tests.Conformance;

/// <summary>
/// The registry-driven op checks. Ops come from <see cref="OpRegistry.All"/> and cases from
/// <see cref="OpSamples.All"/>; nothing here lists ops by hand. Each sample is its own test case, named after it.
/// Graph-against-eager checks over the same samples are in GraphConformanceTests.cs; see the end of this file.
/// </summary>
[TestFixture]
public partial class ConformanceTests
{
    private const double FiniteDifferenceStep = 1e-5;
    private const int PerElementLimit = 48;

    /// <summary>Every sample, one test case each.</summary>
    public static IEnumerable<TestCaseData> Samples() => OpSamples.All.Select(Case);

    /// <summary>The samples of differentiable ops.</summary>
    public static IEnumerable<TestCaseData> DifferentiableSamples() => OpSamples.All.Where(s => s.Differentiable).Select(Case);

    /// <summary>The samples that also run on float32.</summary>
    public static IEnumerable<TestCaseData> Float32Samples() => OpSamples.All.Where(s => s.Float32).Select(Case);

    private static TestCaseData Case(OpSample s) => new TestCaseData(s).SetArgDisplayNames(s.ToString());

    [Test]
    public void EveryRegisteredOpHasASample()
    {
        var sampled = OpSamples.All.Select(s => s.Op).ToHashSet(StringComparer.Ordinal);
        var missing = OpRegistry.All.Select(o => o.Name).Where(n => !sampled.Contains(n)).Order(StringComparer.Ordinal).ToList();
        Assert.That(missing, Is.Empty,
            $"Ops without an OpSample: {string.Join(", ", missing)}. Add one to your family's file in Eager.Tests/Conformance/Samples/.");
    }

    [Test]
    public void EverySampleNamesARegisteredOp()
    {
        var unknown = OpSamples.All.Select(s => s.Op).Where(n => !OpRegistry.TryGet(n, out _)).Distinct().ToList();
        Assert.That(unknown, Is.Empty, $"Samples name ops that are not registered: {string.Join(", ", unknown)}.");
    }

    /// <summary>Shape inference (run by building the call in a graph on placeholders of the inputs' shapes) equals
    /// the eager output exactly, and the sample really calls the op it names.</summary>
    [TestCaseSource(nameof(Samples))]
    public void InferSpecMatchesEager(OpSample sample)
    {
        var inputs = sample.MakeInputs();
        var eager = sample.Call(inputs);
        Assert.That(eager.IsSymbolic, Is.False);
        if (!sample.Traceable) Assert.Ignore($"{sample} is marked not traceable; only the eager run was checked.");

        var (g, symbolic) = BuildInGraph(sample, inputs.Select(t => t.Shape).ToArray());
        var nodes = g.Nodes.Where(n => n.Op.Name == sample.Op).ToList();
        Assert.That(nodes, Is.Not.Empty, $"Sample {sample} never calls {sample.Op}. Graph:\n{g}");
        foreach (var n in nodes)
        {
            foreach (var o in n.Outputs)
                Assert.That(o.Shape.IsFullyDefined || sample.ShapeFromData, Is.True, $"{sample.Op} inferred {o.Shape} from fully defined inputs: {n}");
        }
        Assert.That(symbolic.DType, Is.EqualTo(eager.DType), $"inferred dtype of {sample}");
        if (sample.ShapeFromData) Assert.That(symbolic.Shape.IsCompatibleWith(eager.Shape), Is.True, $"inferred shape {symbolic.Shape} of {sample} vs eager {eager.Shape}");
        else Assert.That(symbolic.Shape, Is.EqualTo(eager.Shape), $"inferred shape of {sample}");
    }

    /// <summary>With every input dimension unknown (-1), as in a traced function with no fixed shapes, shape
    /// inference either infers a spec the eager output fits or refuses with an ArgumentException that says a
    /// dimension is unknown. A wrong guess fails.</summary>
    [TestCaseSource(nameof(Samples))]
    public void InferSpecAcceptsUnknownDimensions(OpSample sample)
    {
        if (!sample.Traceable || !sample.UnknownDims) Assert.Ignore($"{sample} is marked as needing known shapes.");
        var inputs = sample.MakeInputs();
        var eager = sample.Call(inputs);
        var shapes = inputs.Select(t => Shape.Wrap(Enumerable.Repeat(-1, t.Rank).ToArray())).ToArray();
        Tensor symbolic;
        try { (_, symbolic) = BuildInGraph(sample, shapes); }
        catch (ArgumentException e) when (e.Message.Contains("unknown", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Pass($"{sample} needs known dimensions and says so: {e.Message}");
            return;
        }
        Assert.That(symbolic.DType, Is.EqualTo(eager.DType), $"inferred dtype of {sample} with unknown input shapes");
        Assert.That(symbolic.Shape.IsCompatibleWith(eager.Shape), Is.True,
            $"{sample}: inferred {symbolic.Shape} from unknown input shapes; the eager output is {eager.Shape}.");
    }

    /// <summary>The sample's call built in a new graph on placeholders of the given shapes (float64).</summary>
    internal static (Graph Graph, Tensor Output) BuildInGraph(OpSample sample, Shape[] shapes)
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var ph = shapes.Select((s, i) => Ops.Placeholder(DType.Float64, s, name: $"x{i}")).ToArray();
            return (g, sample.Call(ph));
        }
    }

    /// <summary>JAX's check_vjp: &lt;u, J v&gt; by central differences equals &lt;J^T u, v&gt; from the tape, along
    /// a random direction v and cotangent u; and per input element when the inputs are small.</summary>
    [TestCaseSource(nameof(DifferentiableSamples))]
    public void GradientMatchesFiniteDifferences(OpSample sample)
    {
        var x = sample.MakeInputs();
        Assert.That(x, Is.Not.Empty, $"{sample} is marked differentiable but has no inputs.");
        var (y, grads) = VectorJacobian(sample, x, out var u);
        Assert.That(y.DType, Is.EqualTo(DType.Float64), $"{sample}: a differentiable sample must give a float64 output for float64 inputs.");
        Assert.That(grads.Any(gr => gr is not null), Is.True, $"{sample}: the tape gave no gradient for any input; is the op's Gradient rule set?");
        var g = grads.Select((gr, i) => gr ?? Tensor.Zeros(x[i].Shape, DType.Float64)).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(g[i].Shape, Is.EqualTo(x[i].Shape), $"{sample}: gradient shape of input {i}");
            Assert.That(g[i].DType, Is.EqualTo(DType.Float64), $"{sample}: gradient dtype of input {i}");
        }

        var v = x.Select((t, i) => Numeric.Random(t.Shape, 1000 + i)).ToArray();
        double analytic = x.Select((_, i) => Numeric.Dot(g[i], v[i])).Sum();
        double numeric = Numeric.DirectionalDerivative(sample.Call, x, v, u, FiniteDifferenceStep);
        double atol = sample.GradTolerance * (1 + Numeric.MaxAbs(Numeric.Values(y))) * Math.Sqrt(y.Shape.Size + 1);
        Assert.That(Numeric.Close(analytic, numeric, sample.GradTolerance * 10, atol), Is.True,
            $"{sample}: along a random direction the tape gives {analytic:R}, finite differences {numeric:R}.");

        if (x.Sum(t => t.Shape.Size) > PerElementLimit) return;
        for (int i = 0; i < x.Length; i++)
        {
            var gi = g[i].ToDoubleArray();
            for (int k = 0; k < gi.Length; k++)
            {
                var dir = x.Select((t, j) => j == i ? Numeric.Nudge(Tensor.Zeros(t.Shape, DType.Float64), k, 1) : Tensor.Zeros(t.Shape, DType.Float64)).ToArray();
                double fd = Numeric.DirectionalDerivative(sample.Call, x, dir, u, FiniteDifferenceStep);
                Assert.That(Numeric.Close(gi[k], fd, sample.GradTolerance * 10, atol), Is.True,
                    $"{sample}: d/d input{i}[{k}] is {gi[k]:R} from the tape, {fd:R} by finite differences.");
            }
        }
    }

    /// <summary>The forward value on float32 inputs agrees with float64 to float32 precision.</summary>
    [TestCaseSource(nameof(Float32Samples))]
    public void Float32AgreesWithFloat64(OpSample sample)
    {
        var x64 = sample.MakeInputs();
        var y64 = sample.Call(x64);
        var y32 = sample.Call(x64.Select(Numeric.ToFloat32).ToArray());
        Assert.That(y32.Shape, Is.EqualTo(y64.Shape), $"{sample}: float32 and float64 shapes");
        var want = y64.ToDoubleArray();
        var got = y32.ToDoubleArray();
        double atol = 1e-5 * (1 + Numeric.MaxAbs(want));
        int bad = Numeric.FirstMismatch(got, want, 1e-4, atol);
        Assert.That(bad, Is.EqualTo(-1), bad < 0 ? "" : $"{sample}: element {bad} is {got[bad]:R} in float32, {want[bad]:R} in float64.");
    }

    /// <summary>y = f(x) under a tape and the vector-Jacobian product J^T u for a random cotangent u.</summary>
    internal static (Tensor Y, Tensor?[] Grads) VectorJacobian(OpSample sample, Tensor[] x, out Tensor u)
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = sample.Call(x);
        u = Numeric.Random(y.Shape, 7);
        if (y.DType != DType.Float64) return (y, new Tensor?[x.Length]);
        return (y, tape.Gradient(y, x, outputGradients: u));
    }

    // ---- Further checks ---------------------------------------------------------------------------------
    // Graph plus Session against eager lives in GraphConformanceTests.cs. New checks over every sample
    // (optimised against plain graphs, ONNX round trips) go in sibling files as [TestCaseSource] methods over
    // OpSamples.All, one test case per sample, honouring the OpSample flags (Traceable, UnknownDims, Float32).
}
