using Microsoft.ML.OnnxRuntime;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Eager.Benchmarks.Onnx;

/// <summary>
/// <see cref="OrtRunner"/> for one input and one output of any element type (uint8 activations, int32 or uint8
/// results): the input bound once, the output preallocated, the same session options.
/// </summary>
internal sealed class OrtTypedRunner<TIn, TOut> : IDisposable where TIn : unmanaged where TOut : unmanaged
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames, outputNames;
    private readonly OrtValue[] inputs, outputs;

    public OrtTypedRunner(byte[] model, TIn[] input, long[] inputShape, long[] outputShape)
    {
        using var options = new OrtSessionOptions
        {
            IntraOpNumThreads = OrtRunner.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session = new InferenceSession(model, options);
        inputNames = [session.InputMetadata.Keys.First()];
        outputNames = [session.OutputMetadata.Keys.First()];
        inputs = [OrtValue.CreateTensorValueFromMemory(input, inputShape)];
        Output = new TOut[outputShape.Aggregate(1L, (a, b) => a * b)];
        outputs = [OrtValue.CreateTensorValueFromMemory(Output, outputShape)];
    }

    /// <summary>The output of the last run.</summary>
    public TOut[] Output { get; }

    public void Run() => session.Run(runOptions, inputNames, inputs, outputNames, outputs);

    public void Dispose()
    {
        inputs[0].Dispose();
        outputs[0].Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
