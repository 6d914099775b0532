using Eager.Tests.Conformance;

namespace Eager.Tests.Core.Passes;

/// <summary>
/// The optimised graph against the plain graph and eager execution, for every sample of every registered op
/// (<see cref="OpSamples.All"/>, float64 inputs): with the inputs fed through placeholders, with the inputs as
/// constants (so folding runs the op's own kernel at compile time), inside a chain of element-wise ops (so
/// simplification and fusion have something around the op), and for the gradient built inside the graph.
/// Tolerance: 1e-12 relative (float64).
/// </summary>
public class OptimizedConformanceTests
{
    private static IEnumerable<TestCaseData> Samples() =>
        OpSamples.All.Where(s => s.Traceable).Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    private static IEnumerable<TestCaseData> DifferentiableSamples() =>
        OpSamples.All.Where(s => s.Traceable && s.Differentiable).Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(Samples))]
    public void FedInputs(OpSample sample) => Check(sample, constants: false, chain: false);

    [TestCaseSource(nameof(Samples))]
    public void ConstantInputs(OpSample sample) => Check(sample, constants: true, chain: false);

    [TestCaseSource(nameof(Samples))]
    public void InsideAnElementwiseChain(OpSample sample) => Check(sample, constants: false, chain: true);

    [TestCaseSource(nameof(DifferentiableSamples))]
    public void GradientBuiltInTheGraph(OpSample sample)
    {
        var inputs = sample.MakeInputs();
        var g = new Graph();
        var feeds = new FeedDict();
        Tensor?[] grads;
        using (g.AsDefault())
        {
            var ph = Placeholders(inputs, feeds);
            var y = sample.Call(ph);
            if (!y.DType.IsFloating) Assert.Ignore("integer output");
            var u = Ops.Cos(Ops.Constant(Numeric.Random(y.Shape, 7)));
            grads = Ops.Gradients(Ops.ReduceSum(y * u), ph);
        }
        var fetches = grads.Where(t => t is not null).Select(t => t!).ToArray();
        if (fetches.Length == 0) Assert.Ignore("no gradient reaches the inputs");
        PassCheck.SameAsPlain(g, fetches, feeds, init: Initializer(g));
    }

    private static void Check(OpSample sample, bool constants, bool chain)
    {
        var inputs = sample.MakeInputs();
        var eager = sample.Call(inputs);
        if (chain && !eager.DType.IsFloating) Assert.Ignore("the chain is for floating-point results");
        if (chain) eager = Chain(eager);
        var g = new Graph();
        var feeds = new FeedDict();
        Tensor y;
        using (g.AsDefault())
        {
            var args = constants ? inputs.Select(t => Ops.Constant(t)).ToArray() : Placeholders(inputs, feeds);
            y = sample.Call(args);
            if (chain) y = Chain(y);
        }
        var got = PassCheck.SameAsPlain(g, [y], feeds, init: Initializer(g));
        PassCheck.AssertClose(got[0], eager, "optimised vs eager");
    }

    /// <summary>Element-wise work around the op's result: simplifiable (* 1, + 0, double negation) and fusible.</summary>
    private static Tensor Chain(Tensor y)
    {
        var one = Tensor.Scalar(1.0, y.DType);
        var zero = Tensor.Scalar(0.0, y.DType);
        var t = -(-(y * one + zero));
        return Ops.Tanh(t * 0.5 + 0.25) * t / 2.0;
    }

    private static Tensor[] Placeholders(Tensor[] inputs, FeedDict feeds)
    {
        var ph = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            ph[i] = Ops.Placeholder(inputs[i].DType, inputs[i].Shape, $"in{i}");
            feeds.Add(ph[i], inputs[i]);
        }
        return ph;
    }

    /// <summary>Samples of state ops make graph variables; they start with their initializers, as in TensorFlow 1.</summary>
    private static Operation? Initializer(Graph g)
    {
        if (g.Variables.Count == 0) return null;
        using (g.AsDefault()) return Ops.GlobalVariablesInitializer();
    }
}
