using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>Square float32 matrix products.</summary>
public class MatMulBenchmarks : IPaired, IWork
{
    private Tensor a = null!, b = null!;
    private OrtRunner? ort;

    [Params(256, 1024)]
    public int N { get; set; }

    public (double Amount, string Unit) Work(string method) => (2.0 * N * N * N, "GFLOP/s");

    [GlobalSetup]
    public void Setup()
    {
        a = Data.Uniform(1, 1, N, N);
        b = Data.Uniform(2, 1, N, N);
        var g = new OnnxGraph();
        var y = g.Node("MatMul", [g.Input("a", N, N), g.Input("b", N, N)]);
        g.Output(y);
        ort = new OrtRunner(g.ToBytes(), [("a", a.ToArray<float>(), Data.Dims(N, N)), ("b", b.ToArray<float>(), Data.Dims(N, N))], [y], [Data.Dims(N, N)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public Tensor Eager() => Ops.MatMul(a, b);

    public double Compare() => Data.CompareOnce(Setup, () => Eager().ToArray<float>(), () => { OnnxRuntime(); return ort!; }, Cleanup);
}
