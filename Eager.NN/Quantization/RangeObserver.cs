namespace Eager.NN;

/// <summary>Collects the values of one activation over the calibration batches and gives its range.</summary>
internal abstract class RangeObserver
{
    public static RangeObserver Create(QuantizationOptions o) => o.Method switch
    {
        CalibrationMethod.Percentile => new PercentileObserver(o.Percentile),
        _ => new MinMaxObserver(),
    };

    public abstract void Observe(Tensor x);

    public abstract (float Min, float Max) Range();

    private sealed class MinMaxObserver : RangeObserver
    {
        private float min = float.PositiveInfinity, max = float.NegativeInfinity;

        public override void Observe(Tensor x)
        {
            if (x.Shape.Size == 0) return;
            min = Math.Min(min, Ops.ReduceMin(x).Item<float>());
            max = Math.Max(max, Ops.ReduceMax(x).Item<float>());
        }

        public override (float Min, float Max) Range() => float.IsInfinity(min) ? (0, 0) : (min, max);
    }

    /// <summary>Keeps up to <see cref="MaxSamples"/> values (every k-th once full) and takes percentiles of them.</summary>
    private sealed class PercentileObserver(double percentile) : RangeObserver
    {
        private const int MaxSamples = 1 << 20;
        private readonly List<float> samples = [];
        private int stride = 1;

        public override void Observe(Tensor x)
        {
            var v = x.ToArray<float>();
            for (int i = 0; i < v.Length; i += stride) samples.Add(v[i]);
            if (samples.Count > MaxSamples)
            {
                stride *= 2;
                var kept = samples.Where((_, i) => i % 2 == 0).ToList();
                samples.Clear();
                samples.AddRange(kept);
            }
        }

        public override (float Min, float Max) Range()
        {
            if (samples.Count == 0) return (0, 0);
            var sorted = samples.ToArray();
            Array.Sort(sorted);
            float At(double p) => sorted[(int)Math.Clamp(Math.Round(p / 100 * (sorted.Length - 1)), 0, sorted.Length - 1)];
            double q = Math.Clamp(percentile, 50, 100);
            return (At(100 - q), At(q));
        }
    }
}
