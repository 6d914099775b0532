using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Eager;
using Eager.NN;
using Eager.Onnx;

// Deployment without a JIT: a model is traced into a graph, saved as a graph file and as ONNX, loaded back and
// run, and every result is checked against eager execution. The same file runs as a Native AOT executable
// (dotnet publish -r linux-x64 -p:PublishAot=true), as a file-based app (dynamic code off) and under the JIT.
// Usage: AotInference [--iterations N]   (N timed calls per measurement; the median is printed)
int iterations = 20;
for (int i = 0; i + 1 < args.Length; i++)
    if (args[i] == "--iterations") iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture);

Console.WriteLine($"runtime: {RuntimeMode()}; vectors: {VectorInfo()}; {Environment.ProcessorCount} cores");
var dir = Path.Combine(Path.GetTempPath(), $"eager-aot-{Environment.ProcessId}");
Directory.CreateDirectory(dir);
int failures = 0;
try
{
    // LayerNorm over the last axis, then the tanh GELU, written op by op: about twenty element-wise and
    // reduction ops that tracing fuses into a few loops.
    var x = Tensor.RandomNormal(new Shape(1024, 1024), seed: 1);
    var gamma = Tensor.RandomNormal(new Shape(1024), seed: 2) * 0.1f + 1f;
    var beta = Tensor.RandomNormal(new Shape(1024), seed: 3) * 0.1f;
    Tensor LayerNormGelu(Tensor t)
    {
        var mean = Ops.ReduceMean(t, -1, keepDims: true);
        var centered = t - mean;
        var variance = Ops.ReduceMean(centered * centered, -1, keepDims: true);
        var y = centered * Ops.Rsqrt(variance + 1e-5f) * gamma + beta;
        var inner = (y + Ops.Pow(y, 3f) * 0.044715f) * 0.7978845608f;
        return y * 0.5f * (Ops.Tanh(inner) + 1f);
    }
    failures += Deploy("layernorm_gelu", "LayerNorm+GELU [1024,1024]", LayerNormGelu, x, dir, iterations);

    // An MLP's inference (784-512-512-10, batch 128).
    var mlp = new Sequential(new Dense(512, activation: Ops.Relu), new Dense(512, activation: Ops.Relu), new Dense(10));
    var images = Tensor.RandomUniform(new Shape(128, 784), seed: 4);
    failures += Deploy("mlp_forward", "MLP 784-512-512-10 forward [128]", t => mlp.Call(t), images, dir, iterations);

    // One SGD training step of that MLP (forward, tape gradients, update), eagerly and traced.
    failures += TrainStep(mlp, images, iterations);
}
finally
{
    Directory.Delete(dir, recursive: true);
}
Console.WriteLine(failures == 0 ? "ok: traced, graph-file and ONNX results agree with eager" : $"FAILED: {failures} checks");
return failures == 0 ? 0 : 1;

// Traces f, saves and reloads it both ways, checks all four results against eager and prints the medians.
static int Deploy(string key, string title, Func<Tensor, Tensor> f, Tensor input, string dir, int iterations)
{
    var traced = Function.Create(f, key).GetConcreteFunction(new TensorSpec(input.Shape, input.DType));
    var graphPath = Path.Combine(dir, key + ".eagergraph");
    var onnxPath = Path.Combine(dir, key + ".onnx");
    traced.Save(graphPath);
    OnnxExporter.Export(traced, onnxPath);
    var loaded = ConcreteFunction.Load(graphPath);
    var imported = OnnxImporter.Import(onnxPath);

    var want = f(input).ToArray<float>();
    int failed = 0;
    foreach (var (what, run) in new (string, Func<Tensor, Tensor>)[] { ("traced", t => traced.Invoke(t)), ("graph file", t => loaded.Invoke(t)), ("ONNX", t => imported.Invoke(t)) })
    {
        double err = RelativeError(run(input).ToArray<float>(), want);
        if (!(err < 1e-4)) { failed++; Console.WriteLine($"  not ok: {title}: {what} differs from eager (relative error {err:G3})"); }
    }
    var (eager, tracedMs) = WarmThenTime(() => f(input), () => traced.Invoke(input), iterations);
    double loadedMs = Median(() => loaded.Invoke(input), iterations), importedMs = Median(() => imported.Invoke(input), iterations);
    Console.WriteLine($"{title}: eager {eager:F2} ms, traced {tracedMs:F2} ms ({eager / tracedMs:F2}x), graph file {loadedMs:F2} ms, ONNX import {importedMs:F2} ms (median of {iterations})");
    Console.WriteLine(Row(key, eager, tracedMs));
    return failed;
}

// The traced step must leave the same loss and weights as the eager step from the same start.
static int TrainStep(Sequential model, Tensor x, int iterations)
{
    var rng = new Random(5);
    var labels = Tensor.From(Enumerable.Range(0, x.Shape[0]).Select(_ => rng.Next(10)).ToArray());
    var opt = new SGD(0.01);
    Tensor Step(Tensor images, Tensor y)
    {
        using var tape = new GradientTape();
        var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: y, logits: model.Call(images, training: true)));
        var vars = model.TrainableVariables;
        opt.ApplyGradients(tape.Gradient(loss, vars), vars);
        return loss;
    }
    var traced = Function.Create(Step, "mlp_step");
    var vars = model.TrainableVariables;
    var start = vars.Select(v => v.Value).ToArray();
    float eagerLoss = Step(x, labels).Item<float>();
    var eagerWeights = vars.Select(v => v.Value.ToArray<float>()).ToArray();
    for (int i = 0; i < vars.Count; i++) vars[i].Assign(start[i]);
    float tracedLoss = traced.Invoke(x, labels).Item<float>();
    int failed = 0;
    double err = Math.Abs(tracedLoss - eagerLoss) / Math.Max(1e-6, Math.Abs(eagerLoss));
    for (int i = 0; i < vars.Count; i++) err = Math.Max(err, RelativeError(vars[i].Value.ToArray<float>(), eagerWeights[i]));
    if (!(err < 1e-4)) { failed++; Console.WriteLine($"  not ok: MLP step: traced loss and weights differ from eager (relative error {err:G3})"); }
    var (eager, tracedMs) = WarmThenTime(() => Step(x, labels), () => traced.Invoke(x, labels), iterations);
    Console.WriteLine($"MLP 784-512-512-10 SGD step [128]: eager {eager:F2} ms, traced {tracedMs:F2} ms ({eager / tracedMs:F2}x) (median of {iterations})");
    Console.WriteLine(Row("mlp_step", eager, tracedMs));
    return failed;
}

// One machine-readable line per workload (bench.sh --deploy collects them).
static string Row(string key, double eager, double traced) =>
    string.Create(CultureInfo.InvariantCulture, $"row\t{key}\t{eager:F3}\t{traced:F3}");

// Eager and traced each timed back to back (as a loop runs them), after both were warmed: the first seconds of a fresh
// process (tiered compilation, the pool and the heap still growing) would otherwise land on whichever is timed first.
static (double A, double B) WarmThenTime(Func<Tensor> a, Func<Tensor> b, int iterations)
{
    Median(a, 1);
    Median(b, 1);
    return (Median(a, iterations), Median(b, iterations));
}

static double MedianOf(double[] ms)
{
    Array.Sort(ms);
    return ms.Length % 2 == 1 ? ms[ms.Length / 2] : (ms[ms.Length / 2 - 1] + ms[ms.Length / 2]) / 2;
}

static double Median(Func<Tensor> call, int iterations)
{
    // Warm up for at least three calls and half a second: under the JIT, tiered compilation needs both.
    long warm = Stopwatch.GetTimestamp();
    for (int i = 0; i < 3 || Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500; i++) call();
    var ms = new double[Math.Max(1, iterations)];
    for (int i = 0; i < ms.Length; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        call();
        ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    return MedianOf(ms);
}

static double RelativeError(float[] got, float[] want)
{
    if (got.Length != want.Length) return double.PositiveInfinity;
    double num = 0, den = 0;
    for (int i = 0; i < got.Length; i++) { num += Math.Pow(got[i] - want[i], 2); den += Math.Pow(want[i], 2); }
    return Math.Sqrt(num / Math.Max(den, 1e-30));
}

// Only the CoreCLR host hands the runtime a list of platform assemblies; a native executable has none.
static string RuntimeMode() =>
    AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is null ? "Native AOT"
    : RuntimeFeature.IsDynamicCodeCompiled ? "JIT" : "JIT, dynamic code off (PublishAot=true, as file-based apps default)";

static string VectorInfo() =>
    System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" :
    System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128";
