using System.Runtime.InteropServices;
using Eager.Kernels.Memory;

namespace Eager;

/// <summary>
/// The buffer behind one or more tensors (views share it). Buffers come from <see cref="BufferPool{T}"/>
/// and go back when the storage is finalised (the GC found no tensor using it) or explicitly
/// released by the runtime when it knows a buffer is dead.
/// </summary>
public abstract class Storage
{
    /// <summary>Element type.</summary>
    public abstract DType DType { get; }

    /// <summary>Number of valid elements.</summary>
    public int Length { get; protected init; }

    /// <summary>Gives the buffer back to the pool now, for the runtime when it knows no tensor can reach this storage
    /// any more (a Session's memory plan). Any later access throws <see cref="ObjectDisposedException"/>.
    /// True when the buffer went back to the pool (tiny buffers are plain GC memory).</summary>
    internal abstract bool Release();

    /// <summary>True once <see cref="Release"/> ran.</summary>
    internal abstract bool IsReleased { get; }

    /// <summary>Nonzero when an op created this (pooled) buffer inside a backward pass that tracks what it creates
    /// (<see cref="BackwardBuffers"/>): that pass may return it to the pool once no gradient it holds uses it.</summary>
    internal int BornIn;

    /// <summary>For a variable's own buffer: the other tensors made over it (see <see cref="AliasWatch"/>); null otherwise.</summary>
    internal AliasWatch? Aliases;

    private int version;

    /// <summary>Counts writes into the buffer after its tensors were handed out (a variable's in-place update, a Session
    /// step writing into a dying input's buffer): data derived from the buffer (<see cref="PackedCache"/>) is valid
    /// only for the version it was made from.</summary>
    internal int Version => Volatile.Read(ref version);

    /// <summary>Called by every writer into a buffer that tensors may already read, before it writes.</summary>
    internal void Modified() => Interlocked.Increment(ref version);

    /// <summary>Packed copies of this buffer's data (<see cref="PackedCache"/>): they die with the storage.</summary>
    internal object? Packed;

    /// <summary>True when the buffer came from the pool with a lease (it goes back when released).</summary>
    internal bool IsPooled => Length >= Kernels.Memory.BufferPool<byte>.MinPooledLength;

    /// <summary>Elements [offset, offset + count) as raw bytes.</summary>
    internal abstract Span<byte> Bytes(int offset, int count);

    /// <summary>A typed storage of fresh (uninitialised) memory.</summary>
    public static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage<float>(length),
        DType.Float64 => new Storage<double>(length),
        DType.Int32 => new Storage<int>(length),
        DType.Int64 => new Storage<long>(length),
        DType.Bool => new Storage<bool>(length),
        DType.Float16 => new Storage<Half>(length),
        DType.BFloat16 => new Storage<BFloat16>(length),
        DType.Int8 => new Storage<sbyte>(length),
        DType.UInt8 => new Storage<byte>(length),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}

/// <summary>Typed storage over a pooled array.</summary>
public sealed class Storage<T> : Storage where T : unmanaged
{
    private T[]? array;

    // Only arrays the pool takes back get a finalizable lease. Small arrays are plain GC memory, and a
    // finalizable object costs about ten plain allocations, more than a whole op on a 16-element tensor.
    private readonly PoolLease<T>? lease;

    /// <summary>Rents a pooled buffer of <paramref name="length"/> elements.</summary>
    public Storage(int length)
    {
        Length = length;
        array = BufferPool<T>.Rent(length);
        if (array.Length >= BufferPool<T>.MinPooledLength) lease = new PoolLease<T>(array);
    }

    /// <summary>Wraps an array the storage now owns (it is not pooled on release unless it came from the pool).</summary>
    internal Storage(T[] owned, int length)
    {
        Length = length;
        array = owned;
        if (owned.Length >= BufferPool<T>.MinPooledLength) lease = new PoolLease<T>(owned);
    }

    /// <inheritdoc/>
    public override DType DType => DTypes.Of<T>();

    /// <summary>The backing array (may be longer than <see cref="Storage.Length"/>).</summary>
    public T[] Array => array ?? throw new ObjectDisposedException(nameof(Storage), "This tensor's buffer was released.");

    /// <summary>The valid elements.</summary>
    public Span<T> Span => Array.AsSpan(0, Length);

    internal override bool IsReleased => array is null;

    internal override Span<byte> Bytes(int offset, int count) => MemoryMarshal.AsBytes(Array.AsSpan(offset, count));

    internal override bool Release()
    {
        var a = Interlocked.Exchange(ref array, null);
        if (a is null) return false;
        Packed = null;
        if (lease is not null)
        {
            lease.Disarm();
            TensorMemory.Remove(PoolLease<T>.Bytes(a));
        }
        return BufferPool<T>.ReturnLive(a);
    }
}

/// <summary>
/// Returns a pooled array when the <see cref="Storage{T}"/> holding it is unreachable: the storage is the
/// lease's only owner, so the lease is finalised only once no tensor can reach the array.
/// </summary>
internal sealed class PoolLease<T> where T : unmanaged
{
    private T[]? array;

    public PoolLease(T[] array)
    {
        this.array = array;
        TensorMemory.Add(Bytes(array));
    }

    public static long Bytes(T[] a) => (long)a.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>The owner returned the array itself: nothing to do when finalised.</summary>
    public void Disarm()
    {
        array = null;
        GC.SuppressFinalize(this);
    }

    ~PoolLease()
    {
        var a = array;
        array = null;
        if (a != null)
        {
            TensorMemory.Remove(Bytes(a));
            BufferPool<T>.Return(a);
        }
    }
}
