// The four ways to load data that the TensorFlow course names, on one small model, each timed:
//   1. feeding:    Python-side (here C#-side) batches passed to Session.Run through a FeedDict;
//   2. preloading: the data stored in the graph as constants;
//   3. a queue:    QueueRunner threads fill a FIFOQueue while the training op dequeues from it;
//   4. a Dataset:  a tf.data pipeline (shuffle, batch, prefetch on a background thread) read by an iterator op.
// Every way trains the same model (16 -> 32 relu -> 2, SGD) on the same synthetic data for the same number of
// steps, then prints examples per second and the final accuracy.
// Usage: dotnet run -c Release --project examples/QueuePipeline [-- steps]
using System.Diagnostics;
using Eager;
using QueuePipeline;

int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 300;
var data = SyntheticData.Make(examples: 4096, features: 16, seed: 7);
Console.WriteLine($"{data.Examples} examples of {data.Features} features, batches of {Ways.BatchSize}, {steps} steps per way\n");
Console.WriteLine($"{"way",-34} {"examples/s",12} {"accuracy",9}");

Report("1. feed_dict", Ways.Feeding(data, steps));
Report("2. preloaded constants", Ways.Preloaded(data, steps));
Report("3. FIFOQueue + QueueRunner threads", Ways.Queue(data, steps));
Report("4. Dataset + iterator", Ways.Dataset(data, steps));

static void Report(string name, (TimeSpan Elapsed, int Examples, double Accuracy) r) =>
    Console.WriteLine($"{name,-34} {r.Examples / r.Elapsed.TotalSeconds,12:N0} {r.Accuracy,9:P1}");

namespace QueuePipeline
{
    /// <summary>A linearly separable two-class problem: the label says on which side of a fixed plane a point lies.</summary>
    internal sealed record SyntheticData(Tensor X, Tensor Y, float[] XValues, int[] YValues, int Examples, int Features)
    {
        public static SyntheticData Make(int examples, int features, int seed)
        {
            var x = Tensor.RandomNormal(new Shape(examples, features), seed: seed);
            var plane = Tensor.RandomNormal(new Shape(features), seed: seed + 1).ToArray<float>();
            var xv = x.ToArray<float>();
            var yv = new int[examples];
            for (int i = 0; i < examples; i++)
            {
                double dot = 0;
                for (int j = 0; j < features; j++) dot += xv[i * features + j] * plane[j];
                yv[i] = dot > 0 ? 1 : 0;
            }
            return new SyntheticData(x, Tensor.From(yv), xv, yv, examples, features);
        }

        /// <summary>Rows [start, start + count) as new tensors (what a reader would produce).</summary>
        public (Tensor X, Tensor Y) Rows(int start, int count) =>
            (Tensor.From(XValues[(start * Features)..((start + count) * Features)], new Shape(count, Features)),
             Tensor.From(YValues[start..(start + count)]));
    }

    /// <summary>Times a training loop: warm-up steps first (Session plans compile, pools fill), then the measured steps.</summary>
    internal static class Timer
    {
        public static TimeSpan Time(int steps, Action step, int warmup = 5)
        {
            for (int i = 0; i < warmup; i++) step();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) step();
            return sw.Elapsed;
        }
    }
}
