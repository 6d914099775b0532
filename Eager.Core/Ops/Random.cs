using Eager.Kernels.Random;
using static Eager.Ops;
using static Eager.RandomOps;

namespace Eager;

/// <summary>
/// Random ops (TensorFlow's tf.random_normal, tf.random_uniform, tf.truncated_normal, tf.random_shuffle, tf.multinomial).
/// In a graph each is one stateful node, so a variable initializer built from one draws anew whenever it runs, and graph
/// files keep the op rather than numbers. Seeds follow TensorFlow's rules: the attributes <c>seed</c> (graph level) and
/// <c>seed2</c> (op level) are fixed when the node is built (see <see cref="RandomSeeds"/>); a session counts each node's
/// runs, so the same seeds give the same sequence in every session and each run draws new values. Eagerly every call is a
/// fresh op: with a seed it draws exactly what <see cref="Tensor.RandomNormal"/> draws with that seed.
/// </summary>
public static partial class Ops
{
    /// <summary>The graph seed TensorFlow uses when only an op seed is given (DEFAULT_GRAPH_SEED).</summary>
    public const int DefaultGraphSeed = 87654321;

    /// <summary>
    /// The (graph seed, op seed) pair a random op built now gets, as TensorFlow's get_seed: with <see cref="Graph.Seed"/> set,
    /// (graph seed, <paramref name="opSeed"/> or else a number fixed by the node's position); with only an op seed,
    /// (<see cref="DefaultGraphSeed"/>, op seed); with neither, (0, 0): a new unpredictable draw on every run.
    /// </summary>
    public static (int Seed, int Seed2) RandomSeeds(int? opSeed)
    {
        var g = Graph.Current;
        if (g?.Seed is { } gs) return (gs, opSeed ?? g.Nodes.Count);
        return opSeed is { } os ? (DefaultGraphSeed, os) : (0, 0);
    }

    /// <summary>Normal samples of <paramref name="shape"/> (tf.random_normal): a graph node that draws on every run, or values now.</summary>
    /// <exception cref="ArgumentException">The shape has unknown dimensions, or the dtype is not float32/float64.</exception>
    public static Tensor RandomNormal(Shape shape, double mean = 0, double stddev = 1, int? seed = null, DType dtype = DType.Float32, string? name = null) =>
        Dispatcher.Apply(RandomNormalDef, [], RandomAttrs(shape, dtype, seed, ("mean", mean), ("stddev", stddev)), name)[0];

    /// <summary>Uniform samples in [minval, maxval) (tf.random_uniform); integer dtypes draw integers in that range.</summary>
    /// <exception cref="ArgumentException">The shape has unknown dimensions, or maxval is not above minval for an integer dtype.</exception>
    public static Tensor RandomUniform(Shape shape, double minval = 0, double maxval = 1, int? seed = null, DType dtype = DType.Float32, string? name = null) =>
        Dispatcher.Apply(RandomUniformDef, [], RandomAttrs(shape, dtype, seed, ("minval", minval), ("maxval", maxval)), name)[0];

    /// <summary>Normal samples redrawn outside two standard deviations (tf.truncated_normal).</summary>
    public static Tensor TruncatedNormal(Shape shape, double mean = 0, double stddev = 1, int? seed = null, DType dtype = DType.Float32, string? name = null) =>
        Dispatcher.Apply(TruncatedNormalDef, [], RandomAttrs(shape, dtype, seed, ("mean", mean), ("stddev", stddev)), name)[0];

    /// <summary><paramref name="value"/> with its rows (axis 0) in a random order (tf.random_shuffle).</summary>
    /// <exception cref="ArgumentException">A scalar value.</exception>
    public static Tensor RandomShuffle(Tensor value, int? seed = null, string? name = null)
    {
        var (s1, s2) = RandomSeeds(seed);
        return Dispatcher.Apply(RandomShuffleDef, [value], new Attrs { { "seed", s1 }, { "seed2", s2 } }, name)[0];
    }

    /// <summary><paramref name="numSamples"/> class indices per row of <paramref name="logits"/> (batch, classes), drawn with
    /// probabilities softmax(logits) (tf.multinomial). Output (batch, numSamples) of <paramref name="outputDtype"/>.</summary>
    /// <exception cref="ArgumentException">Logits not a float matrix, no classes, a negative count, or a non-integer output dtype.</exception>
    public static Tensor Multinomial(Tensor logits, int numSamples, int? seed = null, DType outputDtype = DType.Int64, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numSamples);
        var (s1, s2) = RandomSeeds(seed);
        var a = new Attrs { { "seed", s1 }, { "seed2", s2 }, { "num_samples", numSamples }, { "output_dtype", outputDtype } };
        return Dispatcher.Apply(MultinomialDef, [logits], a, name)[0];
    }
}

internal static partial class RandomOps
{
    private static long unseededDraws = Environment.TickCount64;

    internal const string RandomNormalName = "RandomNormal";
    internal static readonly OpDef RandomNormalDef = new(RandomNormalName,
        (_, a) => RandomInfer(RandomNormalName, a, floatOnly: true),
        (_, a) => [Sample(a, (k, d) => Philox.Normal(k, d), a.Double("mean"), a.Double("stddev"))])
    {
        IsStateful = true,
        Onnx = e => e.Add("RandomNormal", [], [e.Output(0)], RandomOnnxAttrs(e, ("mean", (float)e.Node.Attrs.Double("mean")), ("scale", (float)e.Node.Attrs.Double("stddev")))),
    };

    internal const string RandomUniformName = "RandomUniform";
    internal static readonly OpDef RandomUniformDef = new(RandomUniformName,
        (_, a) => RandomInfer(RandomUniformName, a, floatOnly: false),
        (_, a) => [Sample(a, (k, d) => Philox.Uniform(k, d), a.Double("minval"), a.Double("maxval") - a.Double("minval"))])
    {
        IsStateful = true,
        Onnx = e => e.Add("RandomUniform", [], [e.Output(0)], RandomOnnxAttrs(e, ("low", (float)e.Node.Attrs.Double("minval")), ("high", (float)e.Node.Attrs.Double("maxval")))),
    };

    internal const string TruncatedNormalName = "TruncatedNormal";
    internal static readonly OpDef TruncatedNormalDef = new(TruncatedNormalName,
        (_, a) => RandomInfer(TruncatedNormalName, a, floatOnly: true),
        (_, a) => [Sample(a, (k, d) => Philox.TruncatedNormal(k, d), a.Double("mean"), a.Double("stddev"))])
    { NoOnnx = "ONNX has no truncated-normal sampler (its RandomNormal cannot redraw values beyond two standard deviations)", IsStateful = true };

    internal const string RandomShuffleName = "RandomShuffle";
    internal static readonly OpDef RandomShuffleDef = new(RandomShuffleName,
        (x, _) =>
        {
            if (x[0].Rank == 0) throw new ArgumentException($"RandomShuffle: the value is a scalar {x[0].DType.Name()}{x[0].Shape}; it shuffles along axis 0, so it needs rank 1 or more.");
            return [TensorSpec.Of(x[0])];
        },
        (x, a) => [Shuffle(x[0], a)])
    { NoOnnx = "ONNX has no random permutation operator", IsStateful = true, KeepsInputs = false };

    internal const string MultinomialName = "Multinomial";
    internal static readonly OpDef MultinomialDef = new(MultinomialName,
        (x, a) =>
        {
            var l = x[0];
            if (l.Rank != 2 || !l.DType.IsFloating)
                throw new ArgumentException($"Multinomial: logits must be a float matrix (batch, classes); got {l.DType.Name()}{l.Shape}.");
            if (l.Shape[1] == 0) throw new ArgumentException($"Multinomial: logits {l.Shape} have no classes to draw from.");
            var dt = a.Get<DType>("output_dtype");
            if (dt is not (DType.Int32 or DType.Int64)) throw new ArgumentException($"Multinomial: output dtype must be int32 or int64, got {dt.Name()}.");
            return [new TensorSpec(new Shape(l.Shape[0], a.Int("num_samples")), dt)];
        },
        (x, a) => [Draw(x[0], a)])
    {
        IsStateful = true,
        KeepsInputs = false,
        Onnx = e =>
        {
            // ONNX Runtime's Multinomial takes float32 logits only.
            var logits = e.Input(0);
            if (e.Node.Inputs[0].DType != DType.Float32)
            {
                logits = e.Temp("logits_float");
                e.Add("Cast", [e.Input(0)], [logits], ("to", (long)OnnxMap.ElemType(DType.Float32)));
            }
            e.Add("Multinomial", [logits], [e.Output(0)], RandomOnnxAttrs(e, ("sample_size", (long)e.Node.Attrs.Int("num_samples"))));
        },
    };

    internal static Attrs RandomAttrs(Shape shape, DType dtype, int? seed, (string, double) p, (string, double) q)
    {
        var (s1, s2) = RandomSeeds(seed);
        return new Attrs { { "shape", shape }, { "dtype", dtype }, { "seed", s1 }, { "seed2", s2 }, { p.Item1, p.Item2 }, { q.Item1, q.Item2 } };
    }

    private static TensorSpec[] RandomInfer(string op, Attrs a, bool floatOnly)
    {
        var shape = a.Get<Shape>("shape");
        var dtype = a.Get<DType>("dtype");
        if (!shape.IsFullyDefined) throw new ArgumentException($"{op}: shape {shape} has unknown dimensions; random ops need every dimension.");
        bool ok = dtype.IsFloating ? dtype is DType.Float32 or DType.Float64 : !floatOnly && dtype is DType.Int32 or DType.Int64;
        if (!ok) throw new ArgumentException($"{op}: dtype {dtype.Name()} is not supported (float32 or float64{(floatOnly ? "" : ", int32 or int64")}).");
        if (!dtype.IsFloating && !(a.Double("maxval") > a.Double("minval")))
            throw new ArgumentException($"{op}: an integer draw needs maxval above minval; got [{a.Double("minval")}, {a.Double("maxval")}).");
        return [new TensorSpec(shape, dtype)];
    }

    /// <summary>The Philox key of this run of a random node. For (default graph seed, s) the first draw uses the key
    /// <see cref="Tensor.RandomNormal"/> uses for seed s (<paramref name="mul"/> s + <paramref name="add"/>); later draws
    /// of the node mix in their count; (0, 0) draws from a fresh key every time.</summary>
    internal static ulong RandomKey(Attrs a, ulong mul, ulong add)
    {
        int seed = a.Int("seed"), seed2 = a.Int("seed2");
        if (seed == 0 && seed2 == 0) return (ulong)Interlocked.Increment(ref unseededDraws) * 0xBF58476D1CE4E5B9UL;
        ulong key = seed == DefaultGraphSeed ? (ulong)(uint)seed2 * mul + add : Mix(((ulong)(uint)seed << 32) | (uint)seed2) ^ add;
        long draw = RunContext.NextDraw();
        return draw == 0 ? key : Mix(key + (ulong)draw * 0x9E3779B97F4A7C15UL);
    }

    // SplitMix64's finaliser: neighbouring inputs give unrelated keys.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private const ulong TensorSeedMul = 0x9E3779B97F4A7C15UL;

    private static Tensor Sample(Attrs a, Action<ulong, Span<double>> sample, double shift, double scale)
    {
        var shape = a.Get<Shape>("shape");
        var dtype = a.Get<DType>("dtype");
        var values = new double[shape.Size];
        sample(RandomKey(a, TensorSeedMul, 1), values);
        if (dtype.IsFloating)
            for (int i = 0; i < values.Length; i++) values[i] = shift + scale * values[i];
        else
            for (int i = 0; i < values.Length; i++) values[i] = Math.Min(shift + scale - 1, Math.Floor(shift + scale * values[i]));
        return Tensor.FromDoubles(values, shape, dtype);
    }

    private static Tensor Shuffle(Tensor x, Attrs a)
    {
        int n = x.Shape[0];
        var u = new double[n];
        Philox.Uniform(RandomKey(a, TensorSeedMul, 1), u);
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = Math.Min(i, (int)(u[i] * (i + 1)));
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        // The gather is part of this kernel: eager and unrecorded even inside a graph scope or under a tape.
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
            return Gather(x, Tensor.From(perm));
    }

    private static Tensor Draw(Tensor logits, Attrs a)
    {
        int batch = logits.Shape[0], classes = logits.Shape[1], k = a.Int("num_samples");
        var l = logits.ToDoubleArray();
        var u = new double[batch * k];
        Philox.Uniform(RandomKey(a, TensorSeedMul, 1), u);
        var result = new double[batch * k];
        var cdf = new double[classes];
        for (int b = 0; b < batch; b++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, l[b * classes + c]);
            double total = 0;
            for (int c = 0; c < classes; c++) cdf[c] = total += double.IsNegativeInfinity(l[b * classes + c]) ? 0 : Math.Exp(l[b * classes + c] - max);
            for (int s = 0; s < k; s++)
            {
                double target = u[b * k + s] * total;
                int c = 0;
                while (c < classes - 1 && cdf[c] <= target) c++;
                result[b * k + s] = c;
            }
        }
        return Tensor.FromDoubles(result, new Shape(batch, k), a.Get<DType>("output_dtype"));
    }

    private static (string, object)[] RandomOnnxAttrs(IOnnxEmitter e, params (string Name, object Value)[] extra)
    {
        var a = e.Node.Attrs;
        var list = new List<(string, object)>(extra);
        if (a.Has("dtype")) list.Add(("dtype", (long)OnnxMap.ElemType(a.Get<DType>("dtype"))));
        if (a.Has("output_dtype")) list.Add(("dtype", (long)OnnxMap.ElemType(a.Get<DType>("output_dtype"))));
        if (a.Has("shape")) list.Add(("shape", a.Get<Shape>("shape").Select(d => (long)d).ToArray()));
        if (a.Int("seed") != 0 || a.Int("seed2") != 0) list.Add(("seed", (float)a.Int("seed2")));
        return [.. list];
    }
}
