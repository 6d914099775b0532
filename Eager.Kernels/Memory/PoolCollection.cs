namespace Eager.Kernels.Memory;

/// <summary>
/// Bounds the memory held by dead tensors. A tensor's buffer goes back to <see cref="BufferPool{T}"/> when
/// the GC finds its storage unreachable, but large buffers come from the pool, not the GC heap, so the GC
/// sees little allocation and may not run for a long time: meanwhile the pool runs dry and allocates fresh
/// arrays (about 12 us of page faults per 4 KiB) and memory grows. So the pool counts the bytes it hands out;
/// after <see cref="Budget"/> bytes since the last full collection it runs one full blocking collection and
/// drains the finalizers, and dead buffers return before more are needed. In a steady training loop this
/// makes every buffer a pool hit. Measured: an MLP step (784-512-512-10, batch 128) went from 0.7-1.4 MiB of
/// fresh arrays per step to none; three style-transfer iterations at 256x256 peaked at 0.75 GiB instead of
/// 1.56 GiB. A pool miss also collects first once <see cref="MissBudget"/> bytes were handed out since the last
/// collection, so the process grows mostly when live tensors need it: with a tape, the same iterations peaked at
/// 567 MiB instead of 642 MiB (PyTorch: 532 MiB). A smaller threshold saves more (32 MiB: 525 MiB) but a loop that
/// drops one 16 MiB result per call then collects every other call, and a collection with its finalizer wait
/// costs about as much as such a call (eager Add over 4M floats went from 1.0 to 2.0 ms). A full collection itself
/// costs well under a millisecond when the heap holds few objects, but milliseconds in a large one, so the budget's
/// tick runs a young collection first and a full one only when the young one leaves too much outstanding
/// (<see cref="Reclaim"/>).
/// </summary>
public static class PoolCollection
{
    private static long rentedBytes;
    private static int lastFullCount;
    private static int collecting;

    /// <summary>Pooled bytes handed out between full collections before one is induced (default 256 MiB; 0 disables).</summary>
    public static long Budget { get; set; } = 256L << 20;

    /// <summary>Number of collections this class has induced (diagnostics and tests).</summary>
    public static int Induced { get; private set; }

    /// <summary>Records a rental of <paramref name="bytes"/>; true when the caller should call <see cref="Collect"/>.</summary>
    internal static bool Rented(long bytes)
    {
        long budget = Budget;
        if (budget <= 0) return false;
        int full = GC.CollectionCount(2);
        if (full != Volatile.Read(ref lastFullCount))
        {
            // A full collection ran on its own since we last looked: start counting again.
            Volatile.Write(ref lastFullCount, full);
            Interlocked.Exchange(ref rentedBytes, 0);
            // Its finalizers may not all have run yet, so this overstates what it left: at worst the next tick's full
            // collection comes later.
            Interlocked.Exchange(ref baseline, Outstanding);
        }
        Interlocked.Add(ref rentedSinceAny, bytes);
        return Interlocked.Add(ref rentedBytes, bytes) > budget;
    }

    /// <summary>Pooled bytes handed out since the last full collection above which a pool miss collects before it
    /// allocates (default <see cref="Budget"/> / 2, 128 MiB).</summary>
    internal static long MissBudget => Budget / 2;

    /// <summary>True when a pool miss should collect first: enough was rented since the last collection.</summary>
    internal static bool MissWorthCollecting()
    {
        long budget = Budget;
        if (budget <= 0 || Volatile.Read(ref collecting) != 0) return false;
        if (GC.CollectionCount(2) != Volatile.Read(ref lastFullCount)) return false; // one just ran: it found what was dead
        return Interlocked.Read(ref rentedBytes) >= MissBudget;
    }

    /// <summary>Smallest buffer (bytes) whose miss may run a young-generation collection first: below it the page
    /// faults of a fresh array cost less than the collection.</summary>
    internal const long MinQuickMissBytes = 1L << 20;

    /// <summary>Young-generation collections a size bucket may run on misses before the pool grows it by a fresh
    /// array instead. A loop that drops one large result per call then collects on most of its first calls (cheap)
    /// and grows its bucket by one buffer every few calls, so collections get rarer as the pool fills, up to the
    /// point where <see cref="MissBudget"/> takes over; without it the pool grew by a fresh array on each of the first
    /// eight to sixteen calls.</summary>
    internal const int QuickCollectsPerGrowth = 4;

    private static long rentedSinceAny;

    /// <summary>Whether large misses may run <see cref="CollectYoung"/> (tests and benchmarks compare both).</summary>
    internal static bool QuickMisses { get; set; } = true;
    private static readonly int[] QuickCollects = new int[32];

    /// <summary>True when a miss of <paramref name="bytes"/> in size bucket <paramref name="bucket"/> should run
    /// <see cref="CollectYoung"/> first: the buffer is large, a buffer that size may have died since the last
    /// collection, and the bucket has not used up its collections since it last grew.</summary>
    internal static bool QuickMissWorthCollecting(int bucket, long bytes)
    {
        if (!QuickMisses || Budget <= 0 || bytes < MinQuickMissBytes || Volatile.Read(ref collecting) != 0) return false;
        if (Volatile.Read(ref QuickCollects[bucket]) >= QuickCollectsPerGrowth) return false;
        // The caller's own rental was counted already, so what may have died since is what was rented before it.
        return Interlocked.Read(ref rentedSinceAny) - bytes >= bytes;
    }

    /// <summary>Runs a gen0+gen1 collection and waits for the finalizers that return buffers to the pool (tensors
    /// dropped since the last collection are young; older dead ones wait for <see cref="Collect"/>). The caller's
    /// rental of <paramref name="bytes"/> goes out either way, so it counts as rented since this collection.</summary>
    internal static void CollectYoung(int bucket, long bytes)
    {
        if (Interlocked.Exchange(ref collecting, 1) == 1) return;
        try
        {
            Interlocked.Increment(ref QuickCollects[bucket]);
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            Interlocked.Exchange(ref rentedSinceAny, bytes);
            InducedYoung++;
        }
        finally
        {
            Volatile.Write(ref collecting, 0);
        }
    }

    /// <summary>Records that size bucket <paramref name="bucket"/> grew by a fresh array: it may collect on misses again.</summary>
    internal static void Grew(int bucket) => Volatile.Write(ref QuickCollects[bucket], 0);

    /// <summary>Number of young-generation collections induced by large misses (diagnostics and tests).</summary>
    public static int InducedYoung { get; private set; }

    /// <summary>Records an array returned by its owner while live: it needs no collection to come back.</summary>
    internal static void Returned(long bytes)
    {
        if (Interlocked.Add(ref rentedBytes, -bytes) < 0) Interlocked.Exchange(ref rentedBytes, 0);
        if (Interlocked.Add(ref rentedSinceAny, -bytes) < 0) Interlocked.Exchange(ref rentedSinceAny, 0);
    }

    private static long outstanding, baseline;

    /// <summary>Bytes of pool-sized arrays handed out and not given back: live tensors, kernel scratch in use, and
    /// dead tensors the GC has not found yet.</summary>
    internal static long Outstanding => Interlocked.Read(ref outstanding);

    /// <summary>Records a pool-sized array handed out (hit or fresh).</summary>
    internal static void Lent(long bytes) => Interlocked.Add(ref outstanding, bytes);

    /// <summary>Records a pool-sized array given back, by its owner or by a finalizer.</summary>
    internal static void CameBack(long bytes)
    {
        if (Interlocked.Add(ref outstanding, -bytes) < 0) Interlocked.Exchange(ref outstanding, 0);
    }

    /// <summary>Outstanding bytes above what was outstanding right after the last full collection at which
    /// <see cref="Reclaim"/> runs a full collection after its young one (<see cref="Budget"/> / 16, 16 MiB by
    /// default, doubled up to <see cref="Budget"/> while such collections find little). What a young collection
    /// leaves outstanding above that level is either new live data or tensors that died after being promoted to the
    /// oldest generation, which only a full collection finds.</summary>
    internal static long OldDeadBudget => Math.Min(Budget, (Budget / 16) << oldDeadShift);

    // Doublings of OldDeadBudget: a full collection that freed under half of it means the growth was live data (a
    // network's forward pass keeping its activations), and the next tick should not pay for another one.
    private static int oldDeadShift;

    /// <summary>Full collections <see cref="Reclaim"/> ran (diagnostics and tests).</summary>
    public static int ReclaimedFull { get; private set; }

    /// <summary>Number of budget ticks that a young collection settled without a full one (diagnostics and tests).</summary>
    public static int ReclaimedYoung { get; private set; }

    /// <summary>
    /// What the budget's tick runs: a young collection first (0.1-0.5 ms, where a full one costs milliseconds in a
    /// large heap), since most dropped tensors die young; then a full collection only when outstanding bytes
    /// still stand <see cref="OldDeadBudget"/> above where the last full collection left them. A loop that drops one
    /// result per call (a MatMul in a benchmark, a step whose tensors die young) then never pays a full collection,
    /// while a training loop whose tensors reach the oldest generation before they die still gets one whenever they
    /// add up. Kernel scratch still counts toward the tick (it paces the collections that keep such a loop flat).
    /// </summary>
    internal static void Reclaim()
    {
        if (Interlocked.Exchange(ref collecting, 1) == 1) return;
        try
        {
            Interlocked.Exchange(ref rentedBytes, 0);
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            Interlocked.Exchange(ref rentedSinceAny, 0);
            InducedYoung++;
        }
        finally
        {
            Volatile.Write(ref collecting, 0);
        }
        long threshold = OldDeadBudget, before = Outstanding;
        if (before - Interlocked.Read(ref baseline) < threshold)
        {
            ReclaimedYoung++;
            return;
        }
        if (!Collect()) return; // another thread is collecting: it decides
        ReclaimedFull++;
        bool foundLittle = before - Outstanding < threshold / 2;
        oldDeadShift = foundLittle ? Math.Min(oldDeadShift + 1, 4) : 0;
    }

    /// <summary>Runs a full collection and waits for the finalizers that return buffers to the pool.
    /// Never called with a pool lock held; only one thread collects at a time, the others carry on (false).</summary>
    internal static bool Collect()
    {
        if (Interlocked.Exchange(ref collecting, 1) == 1) return false;
        try
        {
            Interlocked.Exchange(ref rentedBytes, 0);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            Volatile.Write(ref lastFullCount, GC.CollectionCount(2));
            Interlocked.Exchange(ref rentedSinceAny, 0);
            Interlocked.Exchange(ref baseline, Outstanding);
            Induced++;
        }
        finally
        {
            Volatile.Write(ref collecting, 0);
        }
        return true;
    }
}
