using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>
/// Cond and WhileLoop through ONNX: traced functions export as If and Loop, run in ONNX Runtime like eager, and come
/// back through our importer (eagerly and traced); hand-built If and Loop models import, and bad ones are refused
/// with an error naming the node.
/// </summary>
[TestFixture]
public class ControlFlowOnnxTests
{
    /// <summary>A branch on the input's sign, a counter loop, and a loop whose trip count depends on the values.</summary>
    private static Tensor[] BranchAndLoops(Tensor[] xs)
    {
        var x = xs[0];
        var y = Ops.Cond(Ops.Greater(Ops.ReduceSum(x), Tensor.Scalar(0f)), () => x * 2.0, () => Ops.Negate(x) + 1.0);
        var counted = Ops.WhileLoop(
            v => Ops.Less(v[0], Tensor.Scalar(5)),
            v => [v[0] + 1.0, v[1] + y * Ops.Cast(v[0], DType.Float32)],
            [Tensor.Scalar(0), Ops.ZerosLike(y)]);
        var halved = Ops.WhileLoop(
            v => Ops.Greater(Ops.ReduceMax(Ops.Abs(v[0])), Tensor.Scalar(1f)),
            v => [v[0] * 0.5, v[1] + 1.0],
            [counted[1], Tensor.Scalar(0)]);
        return [halved[0], halved[1], counted[0]];
    }

    /// <summary>A loop whose body branches on an outer tensor and the loop variable, with an iteration limit.</summary>
    private static Tensor[] NestedWithLimit(Tensor[] xs)
    {
        var (x, scale) = (xs[0], xs[1]);
        var r = Ops.WhileLoop(
            v => Ops.Less(Ops.ReduceSum(v[0]), Tensor.Scalar(100f)),
            v => [Ops.Cond(Ops.Greater(v[1], Tensor.Scalar(0f)), () => v[0] * scale + x, () => v[0] - scale), v[1] - 1.0],
            [x, Tensor.Scalar(3f)], maximumIterations: 6);
        return [r[0], r[1]];
    }

    /// <summary>A loop variable that grows each iteration (its length becomes unknown in the graph).</summary>
    private static Tensor[] Growing(Tensor[] xs) =>
        [Ops.WhileLoop(v => Ops.Less(Ops.ReduceSum(Ops.OnesLike(v)), Tensor.Scalar(20f)), v => Ops.Concat([v, v * 0.5], 0), xs[0])];

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("positive", (Func<Tensor[], Tensor[]>)BranchAndLoops, new[] { Tensor.From(new[] { 0.5f, 1.5f, -0.25f, 3f }) });
        yield return new TestCaseData("negative", (Func<Tensor[], Tensor[]>)BranchAndLoops, new[] { Tensor.From(new[] { -0.5f, -1.5f, 0.25f, -30f }) });
        yield return new TestCaseData("small", (Func<Tensor[], Tensor[]>)BranchAndLoops, new[] { Tensor.From(new[] { 0.01f, 0f, 0f, 0f }) });
        yield return new TestCaseData("nested", (Func<Tensor[], Tensor[]>)NestedWithLimit, new[] { Tensor.From(new[] { 1f, 2f, 3f }), Tensor.From(new[] { 1.5f, 1f, 2f }) });
        yield return new TestCaseData("limit", (Func<Tensor[], Tensor[]>)NestedWithLimit, new[] { Tensor.From(new[] { 0.01f, 0f, 0f }), Tensor.From(new[] { 1.01f, 1f, 1f }) });
        yield return new TestCaseData("growing", (Func<Tensor[], Tensor[]>)Growing, new[] { Tensor.From(new[] { 1f, 2f, 3f }) });
    }

    [TestCaseSource(nameof(Cases))]
    public void ExportsRunsInOnnxRuntimeAndImportsBack(string label, Func<Tensor[], Tensor[]> fn, Tensor[] inputs)
    {
        var want = fn(inputs);
        var specs = inputs.Select((t, i) => new TensorSpec(new Shape(-1), t.DType, $"x{i}")).ToArray();
        var cf = Function.Create(fn).GetConcreteFunction(specs);
        var path = Path.Combine(Path.GetTempPath(), $"eager-cf-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(cf, path);
            var ops = OnnxFiles.ReadModel(path).Graph.Node.Select(n => n.OpType).ToList();
            Assert.That(ops, Has.Some.EqualTo("Loop"), label);
            Assert.Multiple(() =>
            {
                AssertAll(OrtRunner.Run(path, inputs), want, $"{label}: ONNX Runtime");
                AssertAll(OnnxModel.Load(path).Run(inputs), want, $"{label}: imported, eager");
                AssertAll(OnnxImporter.Import(path).InvokeAll(inputs), want, $"{label}: imported, traced");
            });
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ImportedLoopTracesIntoAWhileNode()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-cf-{Guid.NewGuid():N}.onnx");
        try
        {
            var cf = Function.Create(BranchAndLoops).GetConcreteFunction(new TensorSpec(new Shape(4), DType.Float32, "x"));
            OnnxExporter.Export(cf, path);
            var back = OnnxImporter.Import(path);
            var ops = back.Graph.Nodes.Select(n => n.Op.Name).ToList();
            Assert.That(ops, Has.Some.EqualTo("While").And.Some.EqualTo("If"), "the loops and the branch stay in the graph rather than unrolling");
        }
        finally { File.Delete(path); }
    }

    private static void AssertAll(Tensor[] got, Tensor[] want, string what)
    {
        Assert.That(got, Has.Length.EqualTo(want.Length), what);
        for (int i = 0; i < want.Length; i++) NodeConformanceTests.AssertClose(got[i], want[i], $"{what}, output {i}");
    }
}
