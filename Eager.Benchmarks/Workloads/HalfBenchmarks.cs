using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;
using OrtFloat16 = Microsoft.ML.OnnxRuntime.Float16;

namespace Eager.Benchmarks.Workloads;

/// <summary>What the 16-bit workloads share: float16 values for ONNX Runtime, and the float16 model it runs.</summary>
internal static class Half16
{
    public static OrtFloat16[] ToOrt(Tensor t) =>
        [.. Ops.Cast(t, DType.Float16).ToArray<Half>().Select(h => new OrtFloat16(BitConverter.HalfToUInt16Bits(h)))];

    public static float[] FromOrt(OrtFloat16[] v) => [.. v.Select(h => (float)BitConverter.UInt16BitsToHalf(h.value))];
}

/// <summary>
/// A 1024 matrix product in 16 bits: our float16 and bfloat16 MatMul (operands widened to float32 in blocks, float32
/// accumulation, rounded once) beside our float32 MatMul; float16 weights widened on each call ("Float16Weights": what a
/// model stored in float16 and run in float32 does); ONNX Runtime's float32 MatMul and its float16 MatMul on the CPU.
/// The second operand is a constant weight in every engine.
/// </summary>
public class HalfMatMulBenchmarks : IPaired, IWork
{
    private Tensor a = null!, b = null!, ah = null!, bh = null!, abf = null!, bbf = null!;
    private OrtTypedRunner<float, float>? ortFloat;
    private OrtTypedRunner<OrtFloat16, OrtFloat16>? ortHalf;

    [Params(1024)]
    public int N { get; set; }

    public (double Amount, string Unit) Work(string method) => (2.0 * N * N * N, "GFLOP/s");

    [GlobalSetup]
    public void Setup()
    {
        a = Data.Uniform(1, 1, N, N);
        b = Data.Uniform(2, 1, N, N);
        ah = Ops.Cast(a, DType.Float16);
        bh = Ops.Cast(b, DType.Float16);
        abf = Ops.Cast(a, DType.BFloat16);
        bbf = Ops.Cast(b, DType.BFloat16);
        ortFloat = new OrtTypedRunner<float, float>(Model(DType.Float32, b), a.ToArray<float>(), [N, N], [N, N]);
        ortHalf = new OrtTypedRunner<OrtFloat16, OrtFloat16>(Model(DType.Float16, bh), Half16.ToOrt(a), [N, N], [N, N]);
    }

    private byte[] Model(DType dtype, Tensor weight)
    {
        var g = new OnnxGraph();
        var y = g.Node("MatMul", [g.Input("a", dtype, N, N), g.Weight(weight)]);
        g.Output(y, dtype);
        return g.ToBytes();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ortFloat?.Dispose();
        ortHalf?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ortFloat!.Run();

    [Benchmark]
    public void OnnxRuntimeFloat16() => ortHalf!.Run();

    [Benchmark]
    public Tensor EagerFloat32() => Ops.MatMul(a, b);

    [Benchmark]
    public Tensor EagerFloat16() => Ops.MatMul(ah, bh);

    [Benchmark]
    public Tensor EagerBFloat16() => Ops.MatMul(abf, bbf);

    [Benchmark]
    public Tensor EagerFloat16Weights() => Ops.MatMul(a, Ops.Cast(bh, DType.Float32));

    public double Compare()
    {
        Setup();
        ortHalf!.Run();
        double err = Data.RelativeError(Ops.Cast(EagerFloat16(), DType.Float32).ToArray<float>(), Half16.FromOrt(ortHalf.Output));
        Cleanup();
        return err;
    }
}

/// <summary>
/// A 3x3 convolution (56x56, 64 to 64 channels, batch 1) in 16 bits: our float16 and bfloat16 Conv2D beside our float32
/// one, and ONNX Runtime's float32 and float16 Conv on the CPU (NCHW).
/// </summary>
public class HalfConvBenchmarks : IPaired, IWork
{
    private Tensor x = null!, w = null!, xh = null!, wh = null!, xbf = null!, wbf = null!;
    private OrtTypedRunner<float, float>? ortFloat;
    private OrtTypedRunner<OrtFloat16, OrtFloat16>? ortHalf;

    [Params(56)]
    public int Size { get; set; }

    private const int Channels = 64;

    public (double Amount, string Unit) Work(string method) => (2.0 * Size * Size * Channels * Channels * 9, "GFLOP/s");

    [GlobalSetup]
    public void Setup()
    {
        int s = Size, c = Channels;
        x = Data.Uniform(3, 1, 1, s, s, c);
        w = Data.Uniform(4, Math.Sqrt(3.0 / (9 * c)), 3, 3, c, c);
        xh = Ops.Cast(x, DType.Float16);
        wh = Ops.Cast(w, DType.Float16);
        xbf = Ops.Cast(x, DType.BFloat16);
        wbf = Ops.Cast(w, DType.BFloat16);
        var xNchw = Tensor.From(Data.ToChannelsFirst(x), new Shape(1, c, s, s));
        var wOihw = Tensor.From(Data.ToChannelsFirst(w, filter: true), new Shape(c, c, 3, 3));
        ortFloat = new OrtTypedRunner<float, float>(Model(DType.Float32, wOihw), xNchw.ToArray<float>(), [1, c, s, s], [1, c, s, s]);
        ortHalf = new OrtTypedRunner<OrtFloat16, OrtFloat16>(Model(DType.Float16, Ops.Cast(wOihw, DType.Float16)), Half16.ToOrt(xNchw), [1, c, s, s], [1, c, s, s]);
    }

    private byte[] Model(DType dtype, Tensor filter)
    {
        var g = new OnnxGraph();
        var y = g.Node("Conv", [g.Input("x", dtype, 1, Channels, Size, Size), g.Weight(filter)],
            ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 1, 1 }));
        g.Output(y, dtype);
        return g.ToBytes();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ortFloat?.Dispose();
        ortHalf?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ortFloat!.Run();

    [Benchmark]
    public void OnnxRuntimeFloat16() => ortHalf!.Run();

    [Benchmark]
    public Tensor EagerFloat32() => Ops.Conv2D(x, w, strides: 1, padding: "SAME");

    [Benchmark]
    public Tensor EagerFloat16() => Ops.Conv2D(xh, wh, strides: 1, padding: "SAME");

    [Benchmark]
    public Tensor EagerBFloat16() => Ops.Conv2D(xbf, wbf, strides: 1, padding: "SAME");

    public double Compare()
    {
        Setup();
        ortHalf!.Run();
        var ours = Ops.Transpose(Ops.Cast(EagerFloat16(), DType.Float32), [0, 3, 1, 2]).ToArray<float>();
        double err = Data.RelativeError(ours, Half16.FromOrt(ortHalf.Output));
        Cleanup();
        return err;
    }
}
