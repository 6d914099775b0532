using System.Diagnostics;
using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>
/// The layout pass on real models (ResNet-18 and the three PaddleOCR models): the traced graph with and without it
/// matches ONNX Runtime, and the pass removes transposes. The test output gives the transpose counts and run times
/// of both beside ONNX Runtime's in the same process (medians of <c>EAGER_LAYOUT_RUNS</c> runs, default 3, taken in
/// turns so that load on the machine hits all of them alike).
/// </summary>
[TestFixture]
[Category("Slow")]
[NonParallelizable] // switches the process-wide pass pipeline while a function compiles
public class LayoutRealModelTests
{
    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData("resnet18", new[] { 1, 3, 224, 224 }).SetName("Layout_ResNet18");
        yield return new TestCaseData("ch_PP-OCRv4_det_infer.onnx", new[] { 1, 3, 160, 224 }).SetName("Layout_PaddleOcr_Detection");
        yield return new TestCaseData("ch_PP-OCRv4_rec_infer.onnx", new[] { 1, 3, 48, 192 }).SetName("Layout_PaddleOcr_Recognition");
        yield return new TestCaseData("ch_ppocr_mobile_v2.0_cls_infer.onnx", new[] { 2, 3, 48, 192 }).SetName("Layout_PaddleOcr_DirectionClassifier");
    }

    [TestCaseSource(nameof(Models))]
    public void LayoutPassRemovesTransposesAndMatchesOnnxRuntime(string file, int[] dims)
    {
        var path = file == "resnet18" ? ResNet18Tests.ModelPath : Path.Combine(PaddleOcrTests.ModelDir, file);
        Requires.That(File.Exists(path), $"the model {path}", "scripts/setup.sh");
        var shape = new Shape(dims);
        var x = Tensor.RandomUniform(shape, -2, 2, seed: 11);
        var want = OrtRunner.Run(path, x)[0];
        double maxRef = want.ToDoubleArray().Max(Math.Abs);
        double Diff(Tensor t) => t.ToDoubleArray().Zip(want.ToDoubleArray()).Max(p => Math.Abs(p.First - p.Second));

        var (without, withoutTransposes, withoutImportMs) = Traced(path, shape, x, PassPipeline.Default.Without("LayoutPropagation"));
        var (with, withTransposes, withImportMs) = Traced(path, shape, x, PassPipeline.Default);
        var eager = OnnxModel.Load(path);
        var clock = Stopwatch.StartNew();
        eager.Run(x);
        double eagerFirstMs = clock.Elapsed.TotalMilliseconds;

        int runs = int.TryParse(Environment.GetEnvironmentVariable("EAGER_LAYOUT_RUNS"), out var r) && r > 0 ? r : 3;
        var times = new List<double>[4];
        for (int i = 0; i < times.Length; i++) times[i] = [];
        double Time(Action a) { clock.Restart(); a(); return clock.Elapsed.TotalMilliseconds; }
        for (int i = 0; i < runs; i++)
        {
            times[0].Add(Time(() => without.Invoke(x)));
            times[1].Add(Time(() => with.Invoke(x)));
            times[2].Add(Time(() => eager.Run(x)));
        }
        var (_, ortMs) = OrtRunner.Time(path, x, runs);
        static string Spread(List<double> t) { var s = t.Order().ToList(); return $"{s[s.Count / 2]:F0} ms ({s[0]:F0}-{s[^1]:F0})"; }

        var a = without.Invoke(x);
        var b = with.Invoke(x);
        TestContext.Out.WriteLine($"{Path.GetFileName(path)} {shape}: transposes {withoutTransposes} -> {withTransposes}; " +
            $"import (trace + compile) {withoutImportMs:F0} -> {withImportMs:F0} ms; max diff vs ONNX Runtime {Diff(a):G3} -> {Diff(b):G3} (max |ref| {maxRef:G3}); " +
            $"traced run {Spread(times[0])} -> {Spread(times[1])}; eager run {Spread(times[2])} (first {eagerFirstMs:F0} ms); ONNX Runtime 1 thread {ortMs:F0} ms; {runs} runs");
        TestContext.Out.WriteLine("  time by op without the pass: " + ProfileByOp(without, x, pipeline: PassPipeline.Default.Without("LayoutPropagation")));
        TestContext.Out.WriteLine("  time by op with the pass: " + ProfileByOp(with, x, pipeline: PassPipeline.Default));
        Assert.That(withTransposes, Is.LessThan(withoutTransposes));
        Assert.That(Diff(a), Is.LessThan(1e-3 * Math.Max(1, maxRef)), "without the layout pass");
        Assert.That(Diff(b), Is.LessThan(1e-3 * Math.Max(1, maxRef)), "with the layout pass");
    }

    /// <summary>Milliseconds per op over the optimised graph, each node's kernel called in order on the values before it
    /// (no memory planning, so a little slower than a Session); the median of a few passes, top ops first.</summary>
    private static string ProfileByOp(ConcreteFunction f, Tensor x, PassPipeline pipeline)
    {
        var graph = GraphOptimizer.Optimize(f.Graph, [.. f.Outputs], pipeline);
        var input = f.Inputs[0].Node!.Name;
        var passes = new List<Dictionary<string, double>>();
        var clock = new Stopwatch();
        for (int pass = 0; pass < 3; pass++)
        {
            var values = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
            var ms = new Dictionary<string, double>();
            foreach (var n in graph.Nodes)
            {
                Tensor[] outs;
                if (n.Name == input) outs = [x];
                else
                {
                    var ins = n.Inputs.Select(t => values[t]).ToArray();
                    clock.Restart();
                    outs = n.Op.Compute(ins, n.Attrs);
                    ms[n.Op.Name] = ms.GetValueOrDefault(n.Op.Name) + clock.Elapsed.TotalMilliseconds;
                }
                for (int i = 0; i < outs.Length; i++) values[n.Outputs[i]] = outs[i];
            }
            passes.Add(ms);
        }
        var median = passes[0].Keys.ToDictionary(k => k, k => passes.Select(p => p[k]).Order().ElementAt(1));
        double total = median.Values.Sum();
        return $"total {total:F0} ms; " + string.Join(", ", median.OrderByDescending(p => p.Value).Take(8).Select(p => $"{p.Key} {p.Value:F1} ({100 * p.Value / total:F0}%)"));
    }

    /// <summary>The model traced and compiled under <paramref name="pipeline"/>: the function, the transposes its
    /// optimised graph runs, and the milliseconds from import to the end of the first call.</summary>
    private static (ConcreteFunction F, int Transposes, double ImportMs) Traced(string path, Shape shape, Tensor x, PassPipeline pipeline)
    {
        var saved = GraphOptimizer.Pipeline;
        GraphOptimizer.Pipeline = pipeline;
        try
        {
            var clock = Stopwatch.StartNew();
            var f = OnnxImporter.Import(path, new TensorSpec(shape, DType.Float32));
            f.Invoke(x);
            double ms = clock.Elapsed.TotalMilliseconds;
            var optimised = GraphOptimizer.Optimize(f.Graph, [.. f.Outputs], pipeline);
            var left = optimised.Nodes.Where(n => n.Op.Name == "Transpose").ToList();
            var readers = optimised.Nodes.SelectMany(n => n.Inputs.Select(t => (t.Node!, n.Op.Name))).ToLookup(p => p.Item1, p => p.Name, ReferenceEqualityComparer.Instance);
            TestContext.Out.WriteLine($"  {left.Count} transposes: " + string.Join(", ", left
                .GroupBy(t => $"{t.Inputs[0].Node!.Op.Name} -> {string.Join("/", readers[t].Distinct().Order())}")
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Count()}x {g.Key}")));
            return (f, left.Count, ms);
        }
        finally { GraphOptimizer.Pipeline = saved; }
    }
}
