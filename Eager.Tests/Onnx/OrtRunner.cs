using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtBFloat16 = Microsoft.ML.OnnxRuntime.BFloat16;
using OrtFloat16 = Microsoft.ML.OnnxRuntime.Float16;

namespace Eager.Tests.Onnx;

/// <summary>Runs an ONNX file in ONNX Runtime (the reference we did not write) with Eager tensors in and out.</summary>
internal static class OrtRunner
{
    public static Tensor[] Run(string path, params Tensor[] inputs) => Run(path, GraphOptimizationLevel.ORT_DISABLE_ALL, inputs);

    /// <summary>Runs with ONNX Runtime's graph optimisations at <paramref name="level"/> (ORT_ENABLE_ALL fuses QDQ units
    /// into its integer kernels).</summary>
    public static Tensor[] Run(string path, GraphOptimizationLevel level, params Tensor[] inputs)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = level };
        using var session = new InferenceSession(path, options);
        var names = session.InputMetadata.Keys.ToList();
        Assert.That(names, Has.Count.EqualTo(inputs.Length), "ONNX Runtime sees the same number of inputs");
        var values = inputs.Select((t, i) => ToOrt(names[i], t)).ToList();
        using var results = session.Run(values);
        return results.Select(FromOrt).ToArray();
    }

    /// <summary>Session creation and the median of <paramref name="runs"/> runs after a warm-up, in milliseconds, with ONNX
    /// Runtime's default graph optimisations on <paramref name="threads"/> intra-op threads.</summary>
    public static (double CreateMs, double RunMs) Time(string path, Tensor input, int runs = 3, int threads = 1)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = threads };
        using var session = new InferenceSession(path, options);
        double create = clock.Elapsed.TotalMilliseconds;
        var values = new List<NamedOnnxValue> { ToOrt(session.InputMetadata.Keys.First(), input) };
        using (session.Run(values)) { }
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            clock.Restart();
            using (session.Run(values)) { }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (create, times.Order().ElementAt(times.Count / 2));
    }

    private static NamedOnnxValue ToOrt(string name, Tensor t)
    {
        var dims = t.Shape.ToArray();
        return t.DType switch
        {
            DType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(t.ToArray<float>(), dims)),
            DType.Float64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(t.ToArray<double>(), dims)),
            DType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(t.ToArray<int>(), dims)),
            DType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(t.ToArray<long>(), dims)),
            DType.Bool => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(t.ToArray<bool>(), dims)),
            DType.Int8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<sbyte>(t.ToArray<sbyte>(), dims)),
            DType.UInt8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<byte>(t.ToArray<byte>(), dims)),
            DType.Float16 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<OrtFloat16>(t.ToArray<Half>().Select(h => new OrtFloat16(BitConverter.HalfToUInt16Bits(h))).ToArray(), dims)),
            DType.BFloat16 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<OrtBFloat16>(t.ToArray<BFloat16>().Select(b => new OrtBFloat16(b.Bits)).ToArray(), dims)),
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        };
    }

    private static Tensor FromOrt(DisposableNamedOnnxValue v) => v.Value switch
    {
        DenseTensor<float> f => Tensor.From(f.ToArray(), new Shape(f.Dimensions.ToArray())),
        DenseTensor<double> d => Tensor.From(d.ToArray(), new Shape(d.Dimensions.ToArray())),
        DenseTensor<int> i => Tensor.From(i.ToArray(), new Shape(i.Dimensions.ToArray())),
        DenseTensor<long> l => Tensor.From(l.ToArray(), new Shape(l.Dimensions.ToArray())),
        DenseTensor<bool> b => Tensor.From(b.ToArray(), new Shape(b.Dimensions.ToArray())),
        DenseTensor<sbyte> i8 => Tensor.From(i8.ToArray(), new Shape(i8.Dimensions.ToArray())),
        DenseTensor<byte> u8 => Tensor.From(u8.ToArray(), new Shape(u8.Dimensions.ToArray())),
        DenseTensor<OrtFloat16> h => Tensor.From(h.ToArray().Select(x => BitConverter.UInt16BitsToHalf(x.value)).ToArray(), new Shape(h.Dimensions.ToArray())),
        DenseTensor<OrtBFloat16> bf => Tensor.From(bf.ToArray().Select(x => BFloat16.FromBits(x.value)).ToArray(), new Shape(bf.Dimensions.ToArray())),
        var other => throw new NotSupportedException($"ONNX Runtime returned {other?.GetType().Name}."),
    };
}
