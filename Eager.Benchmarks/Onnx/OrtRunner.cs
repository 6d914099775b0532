using Microsoft.ML.OnnxRuntime;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Eager.Benchmarks.Onnx;

/// <summary>
/// One ONNX Runtime session with its inputs bound once and its outputs preallocated, so a measured
/// <see cref="Run"/> is ONNX Runtime's best case: no per-call allocation or marshalling on our side.
/// Intra-op threads = <see cref="Threads"/> (both cores), without spinning between runs.
/// </summary>
internal sealed class OrtRunner : IDisposable
{
    /// <summary>Threads ONNX Runtime may use inside one op.</summary>
    public const int Threads = 2;

    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames, outputNames;
    private readonly OrtValue[] inputs, outputs;
    private readonly float[][] outputData;

    /// <summary>Creates the session; <paramref name="outputShapes"/> are the shapes of the graph outputs in order.</summary>
    public OrtRunner(byte[] model, (string Name, float[] Data, long[] Shape)[] feeds, string[] outputNames, long[][] outputShapes)
    {
        using var options = new OrtSessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Spinning helpers would keep burning a core after each run, taking it from whatever runs next in this
        // process (Eager's turn, in the alternating measurements): off, as the comparison had it.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session = new InferenceSession(model, options);
        inputNames = feeds.Select(f => f.Name).ToArray();
        inputs = feeds.Select(f => OrtValue.CreateTensorValueFromMemory(f.Data, f.Shape)).ToArray();
        this.outputNames = outputNames;
        outputData = outputShapes.Select(s => new float[s.Aggregate(1L, (x, y) => x * y)]).ToArray();
        outputs = outputShapes.Select((s, i) => OrtValue.CreateTensorValueFromMemory(outputData[i], s)).ToArray();
    }

    /// <summary>Runs the model once.</summary>
    public void Run() => session.Run(runOptions, inputNames, inputs, outputNames, outputs);

    /// <summary>Output i of the last run.</summary>
    public float[] Output(int i) => outputData[i];

    public void Dispose()
    {
        foreach (var v in inputs) v.Dispose();
        foreach (var v in outputs) v.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
