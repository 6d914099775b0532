using BenchmarkDotNet.Attributes;
using Eager.Benchmarks.Onnx;
using Eager.Kernels.Quant;
using Eager.NN;
using Eager.Onnx;

namespace Eager.Benchmarks.Workloads;

/// <summary>Exports a traced one-input function to ONNX bytes (weights become initializers, as in a real model).</summary>
internal static class OnnxBytes
{
    public static byte[] Of(Func<Tensor, Tensor> f, TensorSpec input)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(Function.Create(f).GetConcreteFunction(input), path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>
/// Square 8-bit matrix products, uint8 activations x int8 weights: MatMulInteger (int32 out) and QLinearMatMul (uint8
/// out), beside our float32 MatMul on the same shape and ONNX Runtime's MatMulInteger and QDQ QLinearMatMul (weights
/// as initializers). "7Bit" runs weights in [-63, 63] (what reduceRange gives), which the vpmaddubsw kernels take in one
/// instruction; 8-bit weights take the exact split kernel where the CPU has no VNNI. "Avx2" forces the 256-bit
/// kernels (the AVX2 machine's path) on an AVX-512 CPU.
/// </summary>
public class Int8MatMulBenchmarks : IPaired, IWork
{
    private Tensor a = null!, b = null!, b7 = null!, af = null!, bf = null!;
    private readonly Tensor za = Tensor.Scalar((byte)128), zb = Tensor.Scalar((sbyte)0);
    private readonly Tensor sa = Tensor.Scalar(0.02f), sb = Tensor.Scalar(0.01f), sy = Tensor.Scalar(2f), zy = Tensor.Scalar((byte)128);
    private OrtTypedRunner<byte, int>? ort;
    private OrtTypedRunner<byte, byte>? ortQ;

    [Params(1024)]
    public int N { get; set; }

    public (double Amount, string Unit) Work(string method) => (2.0 * N * N * N, method.Contains("Float", StringComparison.Ordinal) ? "GFLOP/s" : "GOP/s");

    [GlobalSetup]
    public void Setup()
    {
        af = Data.Uniform(1, 1, N, N);
        bf = Data.Uniform(2, 1, N, N);
        a = Ops.QuantizeLinear(af, Tensor.Scalar(1f / 127), za);
        b = Ops.QuantizeLinear(bf, Tensor.Scalar(1f / 127), zb);
        b7 = Ops.QuantizeLinear(bf, Tensor.Scalar(1f / 63), zb);
        var spec = new TensorSpec(new Shape(N, N), DType.UInt8);
        var input = a.ToArray<byte>();
        ort = new OrtTypedRunner<byte, int>(OnnxBytes.Of(x => Ops.MatMulInteger(x, b, za, zb), spec), input, [N, N], [N, N]);
        ortQ = new OrtTypedRunner<byte, byte>(OnnxBytes.Of(x => Ops.QLinearMatMul(x, sa, za, b, sb, zb, sy, zy), spec), input, [N, N], [N, N]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ort?.Dispose();
        ortQ?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ort!.Run();

    [Benchmark]
    public void OnnxRuntimeQLinear() => ortQ!.Run();

    [Benchmark]
    public Tensor EagerFloat32() => Ops.MatMul(af, bf);

    [Benchmark]
    public Tensor Eager() => Ops.MatMulInteger(a, b, za, zb);

    [Benchmark]
    public Tensor Eager7Bit() => Ops.MatMulInteger(a, b7, za, zb);

    [Benchmark]
    public Tensor EagerQLinear() => Ops.QLinearMatMul(a, sa, za, b, sb, zb, sy, zy);

    [Benchmark]
    public Tensor EagerAvx2() => Forced(Int8GemmPath.Avx2, () => Ops.MatMulInteger(a, b, za, zb));

    [Benchmark]
    public Tensor Eager7BitAvx2() => Forced(Int8GemmPath.Avx2, () => Ops.MatMulInteger(a, b7, za, zb));

    private static Tensor Forced(Int8GemmPath path, Func<Tensor> f)
    {
        Int8Gemm.Path = path;
        try { return f(); }
        finally { Int8Gemm.Path = Int8GemmPath.Auto; }
    }

    public double Compare()
    {
        Setup();
        ort!.Run();
        var mine = Eager().ToArray<int>();
        double err = mine.SequenceEqual(ort.Output) ? 0 : 1;
        Cleanup();
        return err;
    }
}

/// <summary>
/// The digits CNN (two 3x3 convolutions with ReLU and pooling, a dense layer) at batch 64: float32 beside the same model
/// quantised statically, and ONNX Runtime running our QDQ export of the quantised model and the float export.
/// "EagerImportedQdq" runs that QDQ export imported back (the importer fuses its QDQ units into the int8 kernels).
/// Weights are random (speed does not depend on them).
/// </summary>
public class Int8DigitsBenchmarks : IPaired
{
    private Sequential model = null!, quantized = null!;
    private Tensor x = null!;
    private OrtTypedRunner<float, float>? ortFloat, ortInt8;
    private ConcreteFunction imported = null!;

    [Params(64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Initializer.SetGlobalSeed(7);
        model = new Sequential(
            new Conv2D(8, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Conv2D(16, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Flatten(), new Dense(10));
        model.Build(new Shape(-1, 28, 28, 1));
        Initializer.SetGlobalSeed(null);
        x = Data.Uniform(3, 1, Batch, 28, 28, 1);
        quantized = Quantization.QuantizeStatic(model, [x]);
        var spec = new TensorSpec(new Shape(Batch, 28, 28, 1), DType.Float32);
        var input = x.ToArray<float>();
        ortFloat = new OrtTypedRunner<float, float>(OnnxBytes.Of(model.Call, spec), input, [Batch, 28, 28, 1], [Batch, 10]);
        var qdq = OnnxBytes.Of(quantized.Call, spec);
        ortInt8 = new OrtTypedRunner<float, float>(qdq, input, [Batch, 28, 28, 1], [Batch, 10]);
        var path = Path.Combine(Path.GetTempPath(), $"eager-bench-qdq-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, qdq);
        try { imported = OnnxImporter.Import(path); }
        finally { File.Delete(path); }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ortFloat?.Dispose();
        ortInt8?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => ortFloat!.Run();

    [Benchmark]
    public void OnnxRuntimeInt8() => ortInt8!.Run();

    [Benchmark]
    public Tensor EagerFloat32() => model.Call(x);

    [Benchmark]
    public Tensor Eager() => quantized.Call(x);

    [Benchmark]
    public Tensor EagerImportedQdq() => imported.Invoke(x);

    public double Compare()
    {
        Setup();
        ortInt8!.Run();
        double err = Data.RelativeError(Eager().ToArray<float>(), ortInt8.Output);
        Cleanup();
        return err;
    }
}
