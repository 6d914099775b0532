using Eager.NN;

namespace Eager.Tests.NN.Training;

/// <summary>Three Gaussian blobs in the plane, labelled by blob: a problem a tiny MLP learns in a few epochs.</summary>
internal static class FitData
{
    public static (Tensor X, Tensor Y) Blobs(int n, int seed)
    {
        var rng = new Random(seed);
        double[][] centres = [[-2, 0], [2, 0], [0, 2.5]];
        var x = new float[n * 2];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(3);
            y[i] = c;
            x[2 * i] = (float)(centres[c][0] + Normal(rng) * 0.6);
            x[2 * i + 1] = (float)(centres[c][1] + Normal(rng) * 0.6);
        }
        return (Tensor.From(x, new Shape(n, 2)), Tensor.From(y));
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>A small MLP with seeded weights, built and compiled.</summary>
    public static Sequential Mlp(int seed, bool runEagerly = false, double lr = 0.05)
    {
        Initializer.SetGlobalSeed(seed);
        var model = new Sequential(new Dense(16, activation: Ops.Relu), new Dense(3));
        model.Build(new Shape(-1, 2));
        Initializer.SetGlobalSeed(null);
        model.Compile(new Adam(lr), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"], runEagerly);
        return model;
    }

    public static double[] Flat(IReadOnlyList<Tensor> ws) => [.. ws.SelectMany(w => w.ToDoubleArray())];
}
