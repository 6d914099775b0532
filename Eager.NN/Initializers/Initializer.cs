namespace Eager.NN;

/// <summary>
/// Makes the starting value of a weight. Eagerly and while a function is traced the value is concrete (computed at
/// once), so a layer built inside <c>Function.Create</c> gets real variables; a seeded initializer then gives the same
/// values for the same shape every time, and an unseeded one draws its seed from <see cref="SetGlobalSeed"/>'s sequence
/// when that was called, otherwise at random. While a TensorFlow 1 graph is being built (one that does not lift
/// variables) the value is a graph tensor: the random initializers add a random op (<see cref="Ops.RandomNormal"/>,
/// <see cref="Ops.RandomUniform"/>, <see cref="Ops.TruncatedNormal"/>) with the seed as its op seed and the graph's
/// <see cref="Graph.Seed"/> as graph seed, so each run of the variable's initializer draws anew, a seeded graph draws the
/// same values in every session, and graph files keep the op rather than numbers.
/// </summary>
public abstract class Initializer
{
    private static readonly object SeedGate = new();
    private static System.Random? seedSource;

    /// <summary>Creates an initializer; <paramref name="seed"/> makes its random values reproducible.</summary>
    protected Initializer(int? seed = null) => Seed = seed;

    /// <summary>The fixed seed, or null for a fresh draw per call.</summary>
    public int? Seed { get; }

    /// <summary>Makes unseeded initializers reproducible from now on (Keras' set_random_seed); null undoes it.</summary>
    public static void SetGlobalSeed(int? seed)
    {
        lock (SeedGate) seedSource = seed is { } s ? new System.Random(s) : null;
    }

    /// <summary>A tensor of <paramref name="shape"/> and <paramref name="dtype"/>: concrete, or a graph tensor while a
    /// TensorFlow 1 graph is being built.</summary>
    /// <exception cref="ArgumentException">The shape has unknown dimensions.</exception>
    public Tensor Create(Shape shape, DType dtype = DType.Float32)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"{GetType().Name}: cannot initialise a weight of partially unknown shape {shape}.");
        if (Graph.Current is { LiftVariables: false }) return Make(shape, dtype);
        using (Graph.EagerScope()) return Make(shape, dtype);
    }

    /// <summary>Computes the values: eagerly, or while a TensorFlow 1 graph is being built (then ops add nodes; use
    /// <see cref="Normal"/>, <see cref="Uniform"/> and <see cref="TruncatedNormal"/> for random values).</summary>
    protected abstract Tensor Make(Shape shape, DType dtype);

    /// <summary>Normal samples: concrete eagerly (<see cref="Tensor.RandomNormal"/>), a random op in a graph.</summary>
    protected static Tensor Normal(Shape shape, double mean, double stddev, int? seed, DType dtype) =>
        Graph.Current is null ? Tensor.RandomNormal(shape, mean, stddev, seed, dtype) : Ops.RandomNormal(shape, mean, stddev, seed, dtype);

    /// <summary>Uniform samples in [minval, maxval): concrete eagerly (<see cref="Tensor.RandomUniform"/>), a random op in a graph.</summary>
    protected static Tensor Uniform(Shape shape, double minval, double maxval, int? seed, DType dtype) =>
        Graph.Current is null ? Tensor.RandomUniform(shape, minval, maxval, seed, dtype) : Ops.RandomUniform(shape, minval, maxval, seed, dtype);

    /// <summary>Normal samples redrawn outside two standard deviations: concrete eagerly (<see cref="Tensor.TruncatedNormal"/>),
    /// a random op in a graph.</summary>
    protected static Tensor TruncatedNormal(Shape shape, double mean, double stddev, int? seed, DType dtype) =>
        Graph.Current is null ? Tensor.TruncatedNormal(shape, mean, stddev, seed, dtype) : Ops.TruncatedNormal(shape, mean, stddev, seed, dtype);

    /// <summary>The seed for one draw: the fixed seed, or the next one from the global sequence.</summary>
    protected int? NextSeed()
    {
        if (Seed is not null) return Seed;
        lock (SeedGate) return seedSource?.Next();
    }

    /// <summary>Fan-in and fan-out as Keras computes them: (in, out) for a matrix; for a convolution
    /// kernel (h, w, in, out) the receptive field times the channels.</summary>
    public static (double FanIn, double FanOut) Fans(Shape shape)
    {
        if (shape.Rank == 0) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        if (shape.Rank == 2) return (shape[0], shape[1]);
        double receptive = 1;
        for (int i = 0; i < shape.Rank - 2; i++) receptive *= shape[i];
        return (shape[-2] * receptive, shape[-1] * receptive);
    }
}

/// <summary>Which fan a <see cref="VarianceScaling"/> initializer divides by.</summary>
public enum FanMode
{
    /// <summary>fanIn.</summary>
    In,

    /// <summary>fanOut.</summary>
    Out,

    /// <summary>(fanIn + fanOut) / 2.</summary>
    Average,
}

/// <summary>The distribution a <see cref="VarianceScaling"/> initializer samples.</summary>
public enum Distribution
{
    /// <summary>Normal truncated at two standard deviations (rescaled so the variance is as asked).</summary>
    TruncatedNormal,

    /// <summary>Plain normal.</summary>
    Normal,

    /// <summary>Uniform with the same variance.</summary>
    Uniform,
}

/// <summary>Keras' VarianceScaling: samples with variance scale / fan.</summary>
public class VarianceScaling(double scale = 1, FanMode mode = FanMode.In, Distribution distribution = Distribution.TruncatedNormal, int? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    protected override Tensor Make(Shape shape, DType dtype)
    {
        var (fin, fout) = Fans(shape);
        double fan = mode switch { FanMode.In => fin, FanMode.Out => fout, _ => (fin + fout) / 2 };
        double variance = scale / Math.Max(1, fan);
        return distribution switch
        {
            // 0.8796... is the stddev of a unit normal truncated at +-2 (Keras uses the same constant).
            Distribution.TruncatedNormal => TruncatedNormal(shape, 0, Math.Sqrt(variance) / 0.87962566103423978, NextSeed(), dtype),
            Distribution.Normal => Normal(shape, 0, Math.Sqrt(variance), NextSeed(), dtype),
            _ => Uniform(shape, -Math.Sqrt(3 * variance), Math.Sqrt(3 * variance), NextSeed(), dtype),
        };
    }
}

/// <summary>Every element the same value.</summary>
public class Constant(double value) : Initializer
{
    /// <summary>The value.</summary>
    public double Value => value;

    /// <inheritdoc/>
    protected override Tensor Make(Shape shape, DType dtype) => Tensor.Full(shape, value, dtype);
}

/// <summary>Normal samples.</summary>
public sealed class RandomNormal(double mean = 0, double stddev = 0.05, int? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    protected override Tensor Make(Shape shape, DType dtype) => Normal(shape, mean, stddev, NextSeed(), dtype);
}

/// <summary>Uniform samples.</summary>
public sealed class RandomUniform(double minval = -0.05, double maxval = 0.05, int? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    protected override Tensor Make(Shape shape, DType dtype) => Uniform(shape, minval, maxval, NextSeed(), dtype);
}

/// <summary>Zeros (the default for biases).</summary>
public sealed class Zeros() : Constant(0);

/// <summary>Ones.</summary>
public sealed class Ones() : Constant(1);

/// <summary>Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)); the default for kernels.</summary>
public sealed class GlorotUniform(int? seed = null) : VarianceScaling(1, FanMode.Average, Distribution.Uniform, seed);

/// <summary>Glorot normal: truncated normal with variance 2 / (fanIn + fanOut).</summary>
public sealed class GlorotNormal(int? seed = null) : VarianceScaling(1, FanMode.Average, Distribution.TruncatedNormal, seed);

/// <summary>He normal: truncated normal with variance 2 / fanIn (for ReLU networks).</summary>
public sealed class HeNormal(int? seed = null) : VarianceScaling(2, FanMode.In, Distribution.TruncatedNormal, seed);

/// <summary>He uniform: U(-l, l), l = sqrt(6 / fanIn).</summary>
public sealed class HeUniform(int? seed = null) : VarianceScaling(2, FanMode.In, Distribution.Uniform, seed);

/// <summary>LeCun normal: truncated normal with variance 1 / fanIn.</summary>
public sealed class LecunNormal(int? seed = null) : VarianceScaling(1, FanMode.In, Distribution.TruncatedNormal, seed);
