using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>
/// Per-op overhead: 100,000 ops of <c>x * 1.0001 + 0.5</c> on 16 floats. Times are per op. ONNX Runtime runs
/// a two-node model (Mul, Add) 50,000 times, its best case for the same ops.
/// </summary>
public class TinyOpBenchmarks : IPaired, IWork
{
    private const int Ops2 = 50_000;
    private Tensor x = null!;
    private OrtRunner? ort;

    public (double Amount, string Unit) Work(string method) => (0, "");

    [GlobalSetup]
    public void Setup()
    {
        x = Data.Uniform(9, 1, 16);
        var g = new OnnxGraph();
        var m = g.Node("Mul", [g.Input("x", 16), g.Weight(Tensor.Scalar(1.0001f), "scale")]);
        var y = g.Node("Add", [m, g.Weight(Tensor.Scalar(0.5f), "shift")]);
        g.Output(y);
        ort = new OrtRunner(g.ToBytes(), [("x", x.ToArray<float>(), Data.Dims(16))], [y], [Data.Dims(16)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * Ops2)]
    public void OnnxRuntime()
    {
        for (int i = 0; i < Ops2; i++) ort!.Run();
    }

    [Benchmark(OperationsPerInvoke = 2 * Ops2)]
    public Tensor Eager()
    {
        var y = x;
        for (int i = 0; i < Ops2; i++) y = y * 1.0001f + 0.5f;
        return y;
    }

    /// <summary>The same loop recorded on a tape (ONNX Runtime has no equivalent; compare with PyTorch autograd).</summary>
    [Benchmark(OperationsPerInvoke = 2 * Ops2)]
    public Tensor EagerWithTape()
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x;
        for (int i = 0; i < Ops2; i++) y = y * 1.0001f + 0.5f;
        return y;
    }

    public double Compare() => Data.CompareOnce(Setup, () => (x * 1.0001f + 0.5f).ToArray<float>(), () => { ort!.Run(); return ort; }, Cleanup);
}
