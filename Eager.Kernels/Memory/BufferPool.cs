using System.Numerics;

namespace Eager.Kernels.Memory;

/// <summary>
/// A process-wide pool of arrays, bucketed by power-of-two length. Fresh pages cost about 12 us each
/// to touch on our machines, so large buffers are recycled instead of allocated. Thread-safe; arrays
/// may be returned from any thread, including the finalizer thread. Tiny arrays are not pooled: the GC's
/// allocation context hands them out from memory that is already touched. Arrays from
/// <see cref="MinRecycledLength"/> up to <see cref="MinPooledLength"/> are recycled only when their owner gives them
/// back live (a Session's memory plan): they carry no finalizable lease, so an eager tensor that is simply dropped
/// costs no more than a plain array, while a Session run gets its biases, gradients and row statistics from the
/// pool instead of allocating kilobytes of garbage per run. A large miss while buffers of other sizes sit idle lets the GC
/// have some of those first, so the process grows by what the live set needs rather than by the sum of each size's peak.
/// </summary>
public static class BufferPool<T> where T : unmanaged
{
    /// <summary>Arrays this long or longer are pooled and come back when the GC finds them dead.</summary>
    public const int MinPooledLength = 1024;

    /// <summary>Arrays shorter than this are allocated plainly; from here to <see cref="MinPooledLength"/> they come
    /// back only through <see cref="ReturnLive"/>.</summary>
    public const int MinRecycledLength = 256;

    private const int Buckets = 32;
    private static readonly Stack<T[]>[] Free = CreateBuckets();
    private static long retainedBytes;
    private static long freshArrays;

    /// <summary>Pool-sized arrays allocated fresh because the pool had none to hand out (each one costs page faults);
    /// a steady loop should stop adding to it.</summary>
    public static long FreshArrays => Interlocked.Read(ref freshArrays);

    /// <summary>Upper bound on bytes held idle by this pool (per element type).</summary>
    public static long MaxRetainedBytes { get; set; } = 2L << 30;

    private static Stack<T[]>[] CreateBuckets()
    {
        var b = new Stack<T[]>[Buckets];
        for (int i = 0; i < Buckets; i++) b[i] = new Stack<T[]>();
        return b;
    }

    private static int BucketOf(int length) => BitOperations.Log2((uint)BitOperations.RoundUpToPowerOf2((uint)length));

    /// <summary>An array of at least <paramref name="length"/> elements; contents are arbitrary.</summary>
    public static T[] Rent(int length)
    {
        if (length < MinRecycledLength) return length == 0 ? [] : GC.AllocateUninitializedArray<T>(length);
        int b = BucketOf(length);
        if (length < MinPooledLength) return TryPop(b) ?? GC.AllocateUninitializedArray<T>(1 << b);
        // After enough rentals since the last full collection, dead tensors are likely holding many buffers:
        // collect them first (outside any pool lock), so they come back before the pool runs dry.
        long bytes = (1L << b) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (PoolCollection.Rented(bytes)) PoolCollection.Reclaim();
        PoolCollection.Lent(bytes);
        if (TryPop(b) is { } hit) return hit;
        // A large miss right after a tensor of this size was dropped: a young-generation collection (about 0.1 ms)
        // usually brings that buffer back, where a fresh one costs page faults (about 1-12 us per 4 KiB, 0.3-50 ms
        // for 4-16 MiB). This is what keeps the first calls of a large op near its steady-state time.
        if (PoolCollection.QuickMissWorthCollecting(b, bytes))
        {
            PoolCollection.CollectYoung(b, bytes);
            if (TryPop(b) is { } back) return back;
        }
        // A miss grows the process by a fresh array: first bring back what dead tensors hold, if enough was handed out
        // since the last collection that some of it may be dead.
        if (PoolCollection.MissWorthCollecting())
        {
            PoolCollection.Reclaim();
            if (TryPop(b) is { } late) return late;
        }
        // Still a miss while other sizes sit idle: let the GC have them, so the fresh array takes their (resident) space in
        // the large-object heap instead of growing the process. Peaks of different sizes come at different times (a
        // network's early layers, then its late ones), and per-size buckets would otherwise hold the sum of them all.
        if (Donated[b]) Keeps[b] = true;
        if (bytes >= MinReuseBytes && PoolCollection.Budget > 0 && GiveUpIdleFor(b, bytes))
        {
            PoolCollection.Collect();
            if (TryPop(b) is { } reused) return reused;
        }
        Interlocked.Increment(ref freshArrays);
        PoolCollection.Grew(b);
        return GC.AllocateUninitializedArray<T>(1 << b);
    }

    /// <summary>Smallest miss (bytes) that gives up idle buffers of other sizes (never with a zero <see cref="PoolCollection.Budget"/>, which turns induced collections off): below it the page faults of a fresh array
    /// cost less than the full collection that makes their memory reusable.</summary>
    internal const long MinReuseBytes = 1L << 20;

    /// <summary>Arrays this many bytes or more live in the GC's large-object heap, where a freed one's space can be
    /// reused by a fresh array of another size (smaller arrays are in the compacted small-object heap).</summary>
    private const long LargeObjectBytes = 128 << 10;

    private static long gaveUp;

    // A bucket that gave up arrays and then missed needed them after all: it never gives up again, so a loop whose
    // sizes peak at different times settles (each bucket keeps what its own peak needs) instead of trading buffers
    // between buckets, with a full collection each time, on every iteration.
    private static readonly bool[] Donated = new bool[Buckets];
    private static readonly bool[] Keeps = new bool[Buckets];

    private static bool MayGiveUp(int bucket, int requested) =>
        bucket != requested && !Volatile.Read(ref Keeps[bucket]) && (1L << bucket) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() >= LargeObjectBytes;

    /// <summary>Idle bytes the pool let the GC have so a miss of another size could reuse their memory (diagnostics and tests).</summary>
    public static long GaveUpBytes => Interlocked.Read(ref gaveUp);

    /// <summary>
    /// Drops idle large arrays of other sizes totalling at least <paramref name="bytes"/>: one larger array if there is
    /// one (its space fits the request), else the largest smaller ones (neighbours in the large-object heap merge when
    /// freed). False, dropping nothing, when the idle large arrays do not add up to the request.
    /// </summary>
    private static bool GiveUpIdleFor(int bucket, long bytes)
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        long idleLarge = 0;
        for (int i = 0; i < Buckets; i++)
            if (MayGiveUp(i, bucket))
                lock (Free[i]) idleLarge += (long)Free[i].Count * (1L << i) * size;
        if (idleLarge < bytes) return false;
        long freed = 0;
        for (int i = bucket + 1; i < Buckets && freed == 0; i++)
            if (MayGiveUp(i, bucket) && TryPop(i) is { } larger) { freed += (long)larger.Length * size; Donated[i] = true; }
        for (int i = bucket - 1; i >= 0 && freed < bytes; i--)
            while (freed < bytes && MayGiveUp(i, bucket) && TryPop(i) is { } smaller) { freed += (long)smaller.Length * size; Donated[i] = true; }
        Interlocked.Add(ref gaveUp, freed);
        return freed > 0;
    }

    private static T[]? TryPop(int bucket)
    {
        var stack = Free[bucket];
        lock (stack)
        {
            if (stack.Count == 0) return null;
            var a = stack.Pop();
            Interlocked.Add(ref retainedBytes, -(long)a.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
            return a;
        }
    }

    /// <summary>Gives an array back. Arrays not from <see cref="Rent"/> with a power-of-two length are dropped.</summary>
    public static void Return(T[] array)
    {
        if (array.Length >= MinPooledLength && BitOperations.IsPow2(array.Length))
            PoolCollection.CameBack((long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        Keep(array);
    }

    /// <summary>Gives back an array its owner knows is dead (not found dead by the GC): it also no longer counts
    /// toward <see cref="PoolCollection.Budget"/>, since no collection is needed to recover it. True when the array
    /// is one the pool keeps (a rented length of at least <see cref="MinRecycledLength"/>).</summary>
    public static bool ReturnLive(T[] array)
    {
        if (array.Length >= MinPooledLength && BitOperations.IsPow2(array.Length))
        {
            long bytes = (long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            PoolCollection.Returned(bytes);
            PoolCollection.CameBack(bytes);
        }
        return Keep(array);
    }

    private static bool Keep(T[] array)
    {
        if (array.Length < MinRecycledLength || !BitOperations.IsPow2(array.Length)) return false;
        long bytes = (long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (Interlocked.Read(ref retainedBytes) + bytes > MaxRetainedBytes) return false;
        var stack = Free[BucketOf(array.Length)];
        lock (stack) stack.Push(array);
        Interlocked.Add(ref retainedBytes, bytes);
        return true;
    }

    /// <summary>Bytes currently idle in the pool.</summary>
    public static long RetainedBytes => Interlocked.Read(ref retainedBytes);
}
