namespace Eager.Kernels;

/// <summary>
/// How kernels split work across cores. Large work is cut into a few chunks run on <see cref="WorkerPool"/>'s
/// threads and the caller's; small work stays on the calling thread, because waking a helper costs a few
/// microseconds, more than a small kernel's arithmetic.
/// </summary>
public static class Workers
{
    private static int count = Environment.ProcessorCount;

    /// <summary>Most threads a kernel uses (default: the processor count). Set to 1 to run everything serially.</summary>
    public static int Count
    {
        get => count;
        set => count = Math.Max(1, value);
    }

    /// <summary>Work units (multiply-adds, or element operations) below which a chunk is not worth a thread:
    /// about 20 us of work, ten times the cost of waking a worker.</summary>
    public const long MinWorkPerChunk = 1L << 20;

    /// <summary>Work units to count per element of a memory-bound element-wise op (a load, a few operations and a
    /// store cost about as much as 16 vectorised multiply-adds), so such ops split above about 128K elements.</summary>
    public const long ElementWork = 16;

    /// <summary>How many chunks to cut <paramref name="items"/> items of <paramref name="workPerItem"/> units into:
    /// 1 when the total is small, otherwise up to <see cref="Count"/> (never more than the items).</summary>
    public static int Chunks(long items, long workPerItem)
    {
        if (count <= 1 || items <= 1) return 1;
        long total = items * Math.Max(1, workPerItem);
        long byWork = total / MinWorkPerChunk;
        return (int)Math.Max(1, Math.Min(Math.Min(count, byWork), items));
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="items"/>) cut into contiguous ranges,
    /// in parallel when the total work (<paramref name="items"/> x <paramref name="workPerItem"/>) is large.
    /// Ranges start at multiples of <paramref name="align"/> so SIMD or cache blocks are not split.
    /// </summary>
    public static void For(int items, long workPerItem, Action<int, int> body, int align = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (items <= 0) return;
        align = Math.Max(1, align);
        int chunks = Math.Min(Chunks(items, workPerItem), (items + align - 1) / align);
        if (chunks <= 1) { body(0, items); return; }
        int blocks = (items + align - 1) / align;
        WorkerPool.Run(chunks, c =>
        {
            int b0 = (int)((long)blocks * c / chunks), b1 = (int)((long)blocks * (c + 1) / chunks);
            int start = b0 * align, end = Math.Min(items, b1 * align);
            if (start < end) body(start, end);
        });
    }

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, <paramref name="count"/>), in parallel when
    /// <paramref name="totalWork"/> (all items together) is large; each item is one image, row or tile.</summary>
    public static void ForEach(int count, long totalWork, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        For(count, count == 0 ? 0 : totalWork / count, (s, e) => { for (int i = s; i < e; i++) body(i); });
    }
}
