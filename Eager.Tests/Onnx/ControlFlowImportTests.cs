using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Hand-built ONNX If and Loop models: imported eagerly and traced they match ONNX Runtime; malformed or
/// unsupported ones are refused with an error that names what is wrong.</summary>
[TestFixture]
public class ControlFlowImportTests
{
    /// <summary>Loop(trip, cond, y): y += table[i] * scale (scale read from the outer graph), stopping early once
    /// the body's condition (y &lt; limit) fails; every y is also a scan output.</summary>
    private static OnnxGraphBuilder LoopModel(int yDim = 1, DType bodyYType = DType.Float32)
    {
        var body = new OnnxGraphBuilder().Named("body")
            .Input("i", DType.Int64).Input("c_in", DType.Bool).Input("y_in", bodyYType, yDim)
            .Node("Constant", [], ["table"], ("value", Tensor.From(new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f })))
            .Node("Gather", ["table", "i"], ["g"])
            .Node("Mul", ["g", "scale"], ["step"])
            .Node("Add", ["y_in", "step"], ["y_out"])
            .Node("ReduceMax", ["y_out"], ["top"], ("keepdims", 0L))
            .Node("Less", ["top", "limit"], ["c_out"])
            .Node("Identity", ["y_out"], ["row"])
            .Output("c_out", DType.Bool).Output("y_out").Output("row");
        return new OnnxGraphBuilder()
            .Input("trip", DType.Int64).Input("cond", DType.Bool).Input("y", DType.Float32, yDim).Input("scale", DType.Float32, 1)
            .Init("limit", Tensor.Scalar(20f))
            .Node("Loop", ["trip", "cond", "y"], ["y_final", "rows"], ("body", body))
            .Output("y_final").Output("rows");
    }

    private static Tensor[] LoopInputs(long trip, bool cond, float y0, float scale) =>
        [Tensor.Scalar(trip), Tensor.Scalar(cond), Tensor.From(new[] { y0 }), Tensor.From(new[] { scale })];

    [TestCase(5L, true, -2f, 1f, TestName = "Loop_TripCount")]
    [TestCase(7L, true, 0f, 2f, TestName = "Loop_ConditionStopsIt")]
    [TestCase(4L, false, 1f, 1f, TestName = "Loop_NoIterations")]
    public void LoopMatchesOnnxRuntime(long trip, bool cond, float y0, float scale)
    {
        var path = LoopModel().Save();
        try
        {
            var inputs = LoopInputs(trip, cond, y0, scale);
            var want = OrtRunner.Run(path, inputs);
            AssertAll(OnnxModel.Load(path).Run(inputs), want, "eager import");
            var traced = OnnxImporter.Import(path);
            Assert.That(traced.Graph.Nodes.Select(n => n.Op.Name), Has.Some.EqualTo("While"));
            AssertAll(traced.InvokeAll(inputs), want, "traced import");
        }
        finally { File.Delete(path); }
    }

    [TestCase(true, TestName = "If_Then")]
    [TestCase(false, TestName = "If_Else")]
    public void IfReadsOuterValuesAndMatchesOnnxRuntime(bool which)
    {
        var then = new OnnxGraphBuilder().Named("then").Node("Add", ["a", "b"], ["s"]).Output("s");
        var els = new OnnxGraphBuilder().Named("else").Node("Mul", ["a", "b"], ["p"]).Node("Neg", ["p"], ["q"]).Output("q");
        var path = new OnnxGraphBuilder()
            .Input("c", DType.Bool, 1).Input("a", DType.Float32, 2, 3).Input("b", DType.Float32, 3)
            .Node("If", ["c"], ["r"], ("then_branch", then), ("else_branch", els))
            .Output("r").Save();
        try
        {
            Tensor[] inputs = [Tensor.From(new[] { which }), Tensor.RandomNormal(new Shape(2, 3), seed: 3), Tensor.From(new[] { 1f, -2f, 0.5f })];
            var want = OrtRunner.Run(path, inputs);
            AssertAll(OnnxModel.Load(path).Run(inputs), want, "eager import");
            AssertAll(OnnxImporter.Import(path).InvokeAll(inputs), want, "traced import");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ScanRowsOfUnknownSizeRunEagerlyButAreRefusedWhenTraced()
    {
        var path = LoopModel(yDim: -1).Save();
        try
        {
            var inputs = LoopInputs(3, true, 1f, 1f);
            AssertAll(OnnxModel.Load(path).Run(inputs), OrtRunner.Run(path, inputs), "eager import");
            var e = Assert.Throws<NotSupportedException>(() => OnnxImporter.Import(path));
            Assert.That(e!.Message, Does.Contain("Loop").And.Contain("scan output 0").And.Contain("run time"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void BadLoopsAreRefusedNamingTheProblem()
    {
        Assert.Multiple(() =>
        {
            var wrongType = Refused<InvalidDataException>(LoopModel(bodyYType: DType.Int64), LoopInputs(2, true, 0f, 1f));
            Assert.That(wrongType, Does.Contain("subgraph 'body'").And.Contain("'y_in'").And.Contain("int64").And.Contain("float32"));

            var endless = new OnnxGraphBuilder().Input("y", DType.Float32, 1)
                .Node("Loop", ["", "", "y"], ["z"], ("body", new OnnxGraphBuilder().Named("body")
                    .Input("i", DType.Int64).Input("c", DType.Bool).Input("v", DType.Float32, 1).Output("c", DType.Bool).Output("v")))
                .Output("z");
            Assert.That(Refused<NotSupportedException>(endless, [Tensor.From(new[] { 1f })]), Does.Contain("neither a trip count nor a condition"));

            var shortBody = new OnnxGraphBuilder().Input("n", DType.Int64).Input("y", DType.Float32, 1)
                .Node("Loop", ["n", "", "y"], ["z"], ("body", new OnnxGraphBuilder().Named("body")
                    .Input("i", DType.Int64).Input("v", DType.Float32, 1).Output("v")))
                .Output("z");
            Assert.That(Refused<InvalidDataException>(shortBody, [Tensor.Scalar(2L), Tensor.From(new[] { 1f })]), Does.Contain("Loop node").And.Contain("body of 3 inputs"));

            var badCond = new OnnxGraphBuilder().Input("c", DType.Float32).Input("a", DType.Float32, 2)
                .Node("If", ["c"], ["r"], ("then_branch", new OnnxGraphBuilder().Node("Identity", ["a"], ["t"]).Output("t")),
                                          ("else_branch", new OnnxGraphBuilder().Node("Neg", ["a"], ["e"]).Output("e")))
                .Output("r");
            Assert.That(Refused<InvalidDataException>(badCond, [Tensor.Scalar(1f), Tensor.From(new[] { 1f, 2f })]), Does.Contain("If node").And.Contain("one-element bool"));
        });
    }

    [Test]
    public void UnsupportedOperatorsInsideABranchAreNamedAtLoad()
    {
        var path = new OnnxGraphBuilder().Input("c", DType.Bool).Input("a", DType.Float32, 2)
            .Node("If", ["c"], ["r"], ("then_branch", new OnnxGraphBuilder().Node("SequenceConstruct", ["a"], ["t"]).Output("t")),
                                      ("else_branch", new OnnxGraphBuilder().Node("Neg", ["a"], ["e"]).Output("e")))
            .Output("r").Save();
        try
        {
            var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
            Assert.That(e!.Message, Does.Contain("SequenceConstruct"));
        }
        finally { File.Delete(path); }
    }

    /// <summary>The message of the <typeparamref name="T"/> that running the model eagerly throws.</summary>
    private static string Refused<T>(OnnxGraphBuilder model, Tensor[] inputs) where T : Exception
    {
        var path = model.Save();
        try { return Assert.Throws<T>(() => OnnxModel.Load(path).Run(inputs))!.Message; }
        finally { File.Delete(path); }
    }

    private static void AssertAll(Tensor[] got, Tensor[] want, string what)
    {
        Assert.That(got, Has.Length.EqualTo(want.Length), what);
        for (int i = 0; i < want.Length; i++) NodeConformanceTests.AssertClose(got[i], want[i], $"{what}, output {i}");
    }
}
