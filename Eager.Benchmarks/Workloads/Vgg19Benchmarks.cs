using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>VGG19 feature extraction on one 224x224 RGB image.</summary>
public class Vgg19Benchmarks : IPaired, IWork
{
    private const int Size = 224;
    private Vgg19 net = null!;
    private Tensor image = null!;
    private OrtRunner? ort;

    public (double Amount, string Unit) Work(string method)
    {
        double flops = 0;
        int s = Size, cin = 3;
        foreach (int cout in Vgg19.Layers)
        {
            if (cout == 0) { s /= 2; continue; }
            flops += 2.0 * s * s * cin * cout * 9;
            cin = cout;
        }
        return (flops, "GFLOP/s");
    }

    [GlobalSetup]
    public void Setup()
    {
        net = new Vgg19(seed: 10);
        image = Data.Uniform(11, 1, 1, Size, Size, 3);
        var g = new OnnxGraph();
        var h = g.Input("image", 1, 3, Size, Size);
        int s = Size;
        for (int i = 0; i < net.Filters.Count; i++)
        {
            if (net.Filters[i] is { } f)
            {
                var w = g.Weight(Tensor.From(Data.ToChannelsFirst(f, filter: true), new Shape(f.Shape[3], f.Shape[2], 3, 3)));
                h = g.Node("Conv", [h, w, g.Weight(net.Biases[i]!, "b")],
                    ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 1, 1 }));
                h = g.Node("Relu", [h]);
            }
            else
            {
                h = g.Node("MaxPool", [h], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
                s /= 2;
            }
        }
        g.Output(h);
        ort = new OrtRunner(g.ToBytes(), [("image", Data.ToChannelsFirst(image), Data.Dims(1, 3, Size, Size))], [h], [Data.Dims(1, 512, s, s)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public Tensor Eager() => net.Run(image)[^1];

    public double Compare() => Data.CompareOnce(Setup, () => Data.ToChannelsFirst(Eager()), () => { OnnxRuntime(); return ort!; }, Cleanup);
}
