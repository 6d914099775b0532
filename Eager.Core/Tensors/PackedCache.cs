using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Eager;

/// <summary>
/// Packed copies of constant operands (a convolution's filter laid out for its micro-kernel), kept beside the storage
/// they were packed from, so a filter that has not changed is packed once instead of on every call (ONNX Runtime packs
/// its weights once, at session load). An entry lives in <see cref="Storage.Packed"/>, so it dies with the storage; it
/// is keyed on the tensor's offset in the storage and the packing (kernel family, tile shape), and it is valid for one
/// <see cref="Storage.Version"/>: every in-place write bumps the version, and the next use packs again.
/// <para>A packing is kept once the same version of the same data was asked for twice: a filter that changes between
/// every two uses (a training step updating it in place) goes on packing into the kernel's scratch and takes no memory
/// here. All kept packings together stay within <see cref="MaxBytes"/>; the least recently used go first.</para>
/// Thread-safe: the bookkeeping runs under one lock, packing outside it, and a published packed array is never
/// written again (a caller still reading an evicted or outdated one keeps it alive).
/// </summary>
internal static class PackedCache
{
    /// <summary>Builds a packed copy into <c>packed</c>.</summary>
    public delegate void Packer<T>(Span<T> packed);

    private sealed class Entry(int offset, object key, int version)
    {
        public readonly int Offset = offset;
        public readonly object Key = key;
        public int Version = version;
        public int Uses = 1;
        public bool Packing;
        public Array? Packed;
        public int Start;
        public long Bytes;
        public long LastUse;
    }

    private static readonly object Gate = new();

    // Entries that hold a packed array, held weakly: an entry (and its array) is reachable only from its storage.
    private static readonly List<(WeakReference<Entry> Entry, long Bytes)> Held = [];
    private static long bytes, clock, hits, packs;

    /// <summary>The most bytes all packed copies together may take (default 512 MiB; VGG19's convolution filters packed
    /// for the forward and the input gradient take 160 MiB). 0 turns the cache off.</summary>
    public static long MaxBytes { get; set; } = 512L << 20;

    /// <summary>Calls answered from a kept packing (diagnostics and tests).</summary>
    public static long Hits => Interlocked.Read(ref hits);

    /// <summary>Packings kept so far (diagnostics and tests).</summary>
    public static long Packs => Interlocked.Read(ref packs);

    /// <summary>Bytes of packed copies whose storage is still reachable.</summary>
    public static long Bytes
    {
        get
        {
            lock (Gate)
            {
                Prune();
                return bytes;
            }
        }
    }

    /// <summary>
    /// The data of <paramref name="t"/> (concrete, contiguous) packed as <paramref name="key"/> says:
    /// <paramref name="length"/> elements starting on a 64-byte boundary, kept from an earlier call or packed now by
    /// <paramref name="pack"/>. Empty when the caller should pack into its own scratch this time (the first use of this
    /// version, a packing larger than the budget, or another thread packing the same one now).
    /// </summary>
    public static ReadOnlySpan<T> Get<T, TKey>(Tensor t, TKey key, long length, Packer<T> pack)
        where T : unmanaged where TKey : notnull, IEquatable<TKey>
    {
        var storage = t.Storage;
        long need = length * Unsafe.SizeOf<T>() + 64;
        if (storage is null || length <= 0 || length > Array.MaxLength - 64 || need > MaxBytes) return default;
        int version = storage.Version;
        Entry entry;
        lock (Gate)
        {
            var list = (List<Entry>?)storage.Packed;
            if (list is null) storage.Packed = list = [];
            entry = Find(list, t.Offset, key)!;
            if (entry is null)
            {
                list.Add(new Entry(t.Offset, key, version));
                return default;
            }
            if (entry.Version != version)
            {
                Drop(entry);
                entry.Version = version;
                entry.Uses = 1;
                return default;
            }
            if (entry.Packed is T[] kept)
            {
                entry.LastUse = ++clock;
                hits++;
                return kept.AsSpan(entry.Start, (int)length);
            }
            if (++entry.Uses < 2 || entry.Packing) return default;
            entry.Packing = true;
        }
        T[] array;
        int start;
        try
        {
            array = GC.AllocateUninitializedArray<T>((int)length + 64 / Unsafe.SizeOf<T>(), pinned: true);
            start = AlignedStart(array);
            pack(array.AsSpan(start, (int)length));
        }
        finally
        {
            lock (Gate) entry.Packing = false;
        }
        lock (Gate)
        {
            // A write that began while this packed keeps the copy from being kept (the caller raced with it anyway).
            if (storage.Version == version && entry.Version == version && entry.Packed is null && !storage.IsReleased)
            {
                MakeRoom(need);
                entry.Packed = array;
                entry.Start = start;
                entry.Bytes = need;
                entry.LastUse = ++clock;
                Held.Add((new WeakReference<Entry>(entry), need));
                bytes += need;
                packs++;
            }
        }
        return array.AsSpan(start, (int)length);
    }

    private static Entry? Find<TKey>(List<Entry> list, int offset, TKey key) where TKey : notnull, IEquatable<TKey>
    {
        foreach (var e in list)
            if (e.Offset == offset && e.Key is TKey k && k.Equals(key)) return e;
        return null;
    }

    private static unsafe int AlignedStart<T>(T[] pinned) where T : unmanaged
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((64 - (address & 63)) & 63) / sizeof(T);
    }

    /// <summary>Forgets <paramref name="entry"/>'s packed copy (under the lock).</summary>
    private static void Drop(Entry entry)
    {
        if (entry.Packed is null) return;
        entry.Packed = null;
        for (int i = 0; i < Held.Count; i++)
        {
            if (!Held[i].Entry.TryGetTarget(out var e) || !ReferenceEquals(e, entry)) continue;
            bytes -= Held[i].Bytes;
            Held.RemoveAt(i);
            return;
        }
    }

    /// <summary>Forgets entries whose storage died (under the lock).</summary>
    private static void Prune()
    {
        for (int i = Held.Count - 1; i >= 0; i--)
        {
            if (Held[i].Entry.TryGetTarget(out var e) && e.Packed is not null) continue;
            bytes -= Held[i].Bytes;
            Held.RemoveAt(i);
        }
    }

    /// <summary>Drops the least recently used packings until <paramref name="need"/> more bytes fit (under the lock).</summary>
    private static void MakeRoom(long need)
    {
        Prune();
        while (bytes + need > MaxBytes && Held.Count > 0)
        {
            int oldest = -1;
            long when = long.MaxValue;
            for (int i = 0; i < Held.Count; i++)
                if (Held[i].Entry.TryGetTarget(out var e) && e.LastUse < when) (oldest, when) = (i, e.LastUse);
            if (oldest < 0) break;
            Held[oldest].Entry.TryGetTarget(out var victim);
            Drop(victim!);
        }
    }
}
