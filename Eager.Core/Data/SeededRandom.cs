namespace Eager;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose sequence for a seed is fixed forever, unlike
/// System.Random, whose algorithm may change between .NET versions. Shuffles use it so a seed means the same
/// order on every machine and runtime. Not thread-safe; each queue or iterator owns one.
/// </summary>
internal sealed class SeededRandom
{
    private ulong state;

    /// <summary>A generator for <paramref name="seed"/>, or a fresh unpredictable one when null.</summary>
    public SeededRandom(long? seed) => state = seed.HasValue ? (ulong)seed.Value : (ulong)System.Random.Shared.NextInt64();

    /// <summary>Mixes a base seed with a stream number (an epoch) into a new seed.</summary>
    public static long Derive(long seed, long stream)
    {
        var r = new SeededRandom(seed ^ (long)((ulong)stream * 0xD1B54A32D192ED03UL));
        return (long)r.NextUInt64();
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, n); n must be positive.</summary>
    public int Next(int n)
    {
        // Lemire's multiply-shift; the tiny bias for n far below 2^32 does not matter for shuffling.
        return (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);
    }
}
