using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>3x3 SAME convolutions at two VGG layer shapes: 112x112, 64 -> 64 channels and 56x56, 256 -> 256.</summary>
public class ConvBenchmarks : IPaired, IWork
{
    private Tensor x = null!, w = null!, ones = null!;
    private OrtRunner? ort;

    /// <summary>"spatial x channels", or "spatial x in x out" (any VGG layer, for <c>--probe</c>).</summary>
    [Params("112x64", "56x256")]
    public string Layer { get; set; } = "112x64";

    private int Size => int.Parse(Layer.Split('x')[0]);

    private int InChannels => int.Parse(Layer.Split('x')[1]);

    private int Channels => int.Parse(Layer.Split('x')[^1]);

    // Forward plus the two backward passes, each as much arithmetic as the forward pass.
    public (double Amount, string Unit) Work(string method) =>
        ((method == nameof(EagerForwardBackward) ? 3.0 : 1.0) * 2.0 * Size * Size * InChannels * Channels * 9, "GFLOP/s");

    [GlobalSetup]
    public void Setup()
    {
        int s = Size, ci = InChannels, c = Channels;
        x = Data.Uniform(3, 1, 1, s, s, ci);
        w = Data.Uniform(4, Math.Sqrt(3.0 / (9 * ci)), 3, 3, ci, c);
        ones = Tensor.Ones(new Shape(1, s, s, c));
        var g = new OnnxGraph();
        var y = g.Node("Conv", [g.Input("x", 1, ci, s, s), g.Weight(Tensor.From(Data.ToChannelsFirst(w, filter: true), new Shape(c, ci, 3, 3)))],
            ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 1, 1 }));
        g.Output(y);
        ort = new OrtRunner(g.ToBytes(), [("x", Data.ToChannelsFirst(x), Data.Dims(1, ci, s, s))], [y], [Data.Dims(1, c, s, s)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public Tensor Eager() => Ops.Conv2D(x, w, strides: 1, padding: "SAME");

    /// <summary>The input gradient alone (as much arithmetic as the forward pass).</summary>
    [Benchmark]
    public Tensor EagerBackpropInput() => Ops.Conv2DBackpropInput(x.Shape, w, ones, strides: 1, padding: "SAME");

    /// <summary>The filter gradient alone (as much arithmetic as the forward pass).</summary>
    [Benchmark]
    public Tensor EagerBackpropFilter() => Ops.Conv2DBackpropFilter(x, w.Shape, ones, strides: 1, padding: "SAME");

    /// <summary>Forward plus both backward passes (input and filter gradients); ONNX Runtime cannot train.</summary>
    [Benchmark]
    public Tensor?[] EagerForwardBackward()
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        tape.Watch(w);
        var y = Ops.Conv2D(x, w, strides: 1, padding: "SAME");
        return tape.Gradient(y, [x, w], outputGradients: ones);
    }

    public double Compare() => Data.CompareOnce(Setup, () => Data.ToChannelsFirst(Eager()), () => { OnnxRuntime(); return ort!; }, Cleanup);
}
