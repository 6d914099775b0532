namespace Eager;

/// <summary>
/// How many bytes tensors' pooled buffers hold: those of at least <c>BufferPool.MinPooledLength</c> elements (1024), which
/// is where the memory of a model's activations and weights lives; smaller tensors are left out. A buffer counts from
/// the tensor's creation until it goes back to the pool: explicitly (a Session's memory plan, the float32 copies an op
/// makes for float16 and bfloat16 operands) or when the GC finalises an unreachable tensor. So garbage counts until a
/// collection finds it: for a stable figure, collect (<c>GC.Collect(); GC.WaitForPendingFinalizers();</c>) before
/// reading <see cref="BytesInUse"/>.
/// </summary>
public static class TensorMemory
{
    private static long inUse, peak;

    /// <summary>Bytes of pooled tensor buffers alive now (rounded up to the pool's power-of-two sizes).</summary>
    public static long BytesInUse => Interlocked.Read(ref inUse);

    /// <summary>The most <see cref="BytesInUse"/> has been since the process started or <see cref="ResetPeak"/>.</summary>
    public static long PeakBytes => Interlocked.Read(ref peak);

    /// <summary>Starts a new peak from the current <see cref="BytesInUse"/>.</summary>
    public static void ResetPeak() => Interlocked.Exchange(ref peak, Interlocked.Read(ref inUse));

    internal static void Add(long bytes)
    {
        long now = Interlocked.Add(ref inUse, bytes);
        long seen = Interlocked.Read(ref peak);
        while (now > seen)
        {
            long was = Interlocked.CompareExchange(ref peak, now, seen);
            if (was == seen) break;
            seen = was;
        }
    }

    internal static void Remove(long bytes) => Interlocked.Add(ref inUse, -bytes);
}
