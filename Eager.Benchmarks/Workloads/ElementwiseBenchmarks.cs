using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>Memory-bound element-wise ops over 4M floats (16 MiB per tensor).</summary>
public class ElementwiseBenchmarks : IPaired, IWork
{
    private const int Length = 4 * 1024 * 1024;
    private Tensor x = null!, y = null!;
    private OrtRunner? ort;

    [Params("Add", "Relu", "Sigmoid", "Exp")]
    public string Op { get; set; } = "Add";

    // Add reads two tensors and writes one; the others read one and write one.
    public (double Amount, string Unit) Work(string method) => ((Op == "Add" ? 3.0 : 2.0) * Length * sizeof(float), "GB/s");

    [GlobalSetup]
    public void Setup()
    {
        x = Data.Uniform(5, 4, Length);
        y = Data.Uniform(6, 4, Length);
        var g = new OnnxGraph();
        var inputs = Op == "Add" ? new[] { g.Input("x", Length), g.Input("y", Length) } : [g.Input("x", Length)];
        var z = g.Node(Op, inputs);
        g.Output(z);
        var feeds = Op == "Add"
            ? new[] { ("x", x.ToArray<float>(), Data.Dims(Length)), ("y", y.ToArray<float>(), Data.Dims(Length)) }
            : [("x", x.ToArray<float>(), Data.Dims(Length))];
        ort = new OrtRunner(g.ToBytes(), feeds, [z], [Data.Dims(Length)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public Tensor Eager() => Op switch
    {
        "Add" => Ops.Add(x, y),
        "Relu" => Ops.Relu(x),
        "Sigmoid" => Ops.Sigmoid(x),
        _ => Ops.Exp(x),
    };

    public double Compare() => Data.CompareOnce(Setup, () => Eager().ToArray<float>(), () => { OnnxRuntime(); return ort!; }, Cleanup);
}
