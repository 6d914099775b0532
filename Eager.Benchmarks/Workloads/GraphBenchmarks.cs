using BenchmarkDotNet.Attributes;
using Eager.NN;

namespace Eager.Benchmarks.Workloads;

/// <summary>
/// What tracing buys: the same C# function run eagerly (op by op) and traced by <see cref="Function.Create(Func{Tensor, Tensor}, string?)"/>
/// (one optimised graph: element-wise chains fused into compiled loops, intermediates recycled by the memory plan).
/// <list type="bullet">
/// <item>LayerNorm followed by the tanh GELU over [256, 1024] floats: about twenty element-wise and reduction ops.</item>
/// <item>An Adam update over a 1M-parameter model (four 512x512 weights): a dozen element-wise ops per variable.</item>
/// <item>A TensorFlow-1-style Session running the MLP training op (feeds, variables, a training target), whose
/// allocation column is the managed memory a steady-state Session.Run allocates.</item>
/// </list>
/// ONNX Runtime cannot train and has no eager mode, so the report compares these with PyTorch where the script runs them.
/// </summary>
public class GraphBenchmarks : IWork, ISmokeRun
{
    private const int Rows = 256, Cols = 1024, Side = 512, Weights = 4;
    private Tensor x = null!, gamma = null!, beta = null!;
    private Function layerNormGelu = null!;
    private Variable[] adamVars = null!;
    private Tensor[] adamGrads = null!;
    private Adam adamEager = null!, adamTraced = null!;
    private Function adamStep = null!;
    private Session session = null!;
    private Operation sessionTrain = null!;
    private FeedDict sessionFeed = null!;

    public (double Amount, string Unit) Work(string method) => method switch
    {
        nameof(LayerNormGelu) or nameof(LayerNormGeluTraced) => (2.0 * 4 * Rows * Cols, "GB/s"), // read x, write y
        nameof(AdamUpdate) or nameof(AdamUpdateTraced) => (7.0 * 4 * Weights * Side * Side, "GB/s"), // read p, g, m, v; write p, m, v
        _ => (0, ""),
    };

    /// <summary>LayerNorm over the last axis, then GELU with the tanh approximation, written op by op.</summary>
    private Tensor LayerNormGeluFn(Tensor t)
    {
        var mean = Ops.ReduceMean(t, -1, keepDims: true);
        var centered = t - mean;
        var variance = Ops.ReduceMean(centered * centered, -1, keepDims: true);
        var y = centered * Ops.Rsqrt(variance + 1e-5f) * gamma + beta;
        var inner = (y + Ops.Pow(y, 3f) * 0.044715f) * 0.7978845608f;
        return y * 0.5f * (Ops.Tanh(inner) + 1f);
    }

    [GlobalSetup]
    public void Setup()
    {
        x = Data.Uniform(31, 2, Rows, Cols);
        gamma = Data.Uniform(32, 1, Cols) + 1f;
        beta = Data.Uniform(33, 0.1, Cols);
        layerNormGelu = Function.Create(LayerNormGeluFn, "layer_norm_gelu");

        adamVars = [.. Enumerable.Range(0, Weights).Select(i => new Variable(Data.Uniform(40 + i, 0.05, Side, Side), $"w{i}"))];
        adamGrads = [.. Enumerable.Range(0, Weights).Select(i => Data.Uniform(50 + i, 0.01, Side, Side))];
        adamEager = new Adam(1e-3);
        adamTraced = new Adam(1e-3);
        adamStep = Function.Create(g => { adamTraced.ApplyGradients(g, adamVars); return [Tensor.Scalar(0f)]; }, "adam_step");

        var graph = new Graph();
        using (graph.AsDefault())
        {
            var px = Ops.Placeholder(DType.Float32, new Shape(128, 784), name: "x");
            var py = Ops.Placeholder(DType.Int32, new Shape(128), name: "y");
            var model = new Sequential(new Dense(512, activation: Ops.Relu), new Dense(512, activation: Ops.Relu), new Dense(10));
            var opt = new SGD(0.01);
            using var tape = new GradientTape();
            var loss = Ops.ReduceMean(Ops.SparseSoftmaxCrossEntropyWithLogits(labels: py, logits: model.Call(px, training: true)));
            var vars = model.TrainableVariables;
            sessionTrain = opt.ApplyGradients(tape.Gradient(loss, vars), vars)!;
            var init = Ops.GlobalVariablesInitializer();
            session = new Session(graph);
            session.Run(init);
            var r = new Random(34);
            sessionFeed = new FeedDict
            {
                { px, Data.Uniform(35, 1, 128, 784) },
                { py, Tensor.From(Enumerable.Range(0, 128).Select(_ => r.Next(10)).ToArray()) },
            };
        }
    }

    [GlobalCleanup]
    public void Cleanup() => session?.Dispose();

    [Benchmark]
    public Tensor LayerNormGelu() => LayerNormGeluFn(x);

    [Benchmark]
    public Tensor LayerNormGeluTraced() => layerNormGelu.Invoke(x);

    [Benchmark]
    public void AdamUpdate() => adamEager.ApplyGradients(adamGrads, adamVars);

    [Benchmark]
    public Tensor AdamUpdateTraced() => adamStep.InvokeAll(adamGrads)[0];

    [Benchmark]
    public void SessionMlpStep() => session.Run(sessionTrain, sessionFeed);

    public void SmokeRun()
    {
        Setup();
        var eager = LayerNormGelu().ToArray<float>();
        var traced = LayerNormGeluTraced().ToArray<float>();
        double err = Data.RelativeError(traced, eager);
        if (!(err < 1e-4)) throw new InvalidOperationException($"LayerNorm+GELU traced differs from eager: relative error {err:G3}.");
        var before = adamVars[0].Value.ToArray<float>();
        AdamUpdate();
        var afterEager = adamVars[0].Value.ToArray<float>();
        adamVars[0].Assign(Tensor.From(before).Reshape(Side, Side));
        AdamUpdateTraced();
        err = Data.RelativeError(adamVars[0].Value.ToArray<float>(), afterEager);
        if (!(err < 1e-4)) throw new InvalidOperationException($"Adam traced differs from eager: relative error {err:G3}.");
        SessionMlpStep();
        Cleanup();
    }
}
