using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>A full sum over 4M floats, and a row softmax over [256, 1000].</summary>
public class ReductionBenchmarks : IPaired, IWork
{
    private const int SumLength = 4 * 1024 * 1024;
    private Tensor x = null!;
    private OrtRunner? ort;

    [Params("Sum4M", "Softmax256x1000")]
    public string Case { get; set; } = "Sum4M";

    private bool IsSum => Case == "Sum4M";

    public (double Amount, string Unit) Work(string method) =>
        IsSum ? (SumLength * 4.0, "GB/s") : (2.0 * 256 * 1000 * 4, "GB/s");

    [GlobalSetup]
    public void Setup()
    {
        var g = new OnnxGraph();
        if (IsSum)
        {
            x = Data.Uniform(7, 1, SumLength);
            var s = g.Node("ReduceSum", [g.Input("x", SumLength)], ("keepdims", 0L));
            g.Output(s);
            ort = new OrtRunner(g.ToBytes(), [("x", x.ToArray<float>(), Data.Dims(SumLength))], [s], [[]]);
        }
        else
        {
            x = Data.Uniform(8, 5, 256, 1000);
            var s = g.Node("Softmax", [g.Input("x", 256, 1000)], ("axis", -1L));
            g.Output(s);
            ort = new OrtRunner(g.ToBytes(), [("x", x.ToArray<float>(), Data.Dims(256, 1000))], [s], [Data.Dims(256, 1000)]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public Tensor Eager() => IsSum ? Ops.ReduceSum(x) : Ops.Softmax(x);

    public double Compare() => Data.CompareOnce(Setup, () => Eager().ToArray<float>(), () => { OnnxRuntime(); return ort!; }, Cleanup);
}
