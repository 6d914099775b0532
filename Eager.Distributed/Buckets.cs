using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Eager.Distributed;

/// <summary>
/// Non-blocking fused all-reduces (Horovod's fusion buffer): the tensors of one bucket are copied into one pinned
/// buffer, reduced in place by MPI_Iallreduce while the caller goes on (the rest of the backward pass), and copied
/// out on wait. Buffers are pinned once and reused by size, so a steady training step allocates none.
/// </summary>
/// <remarks>Open MPI moves a non-blocking collective on only inside MPI calls. Every start tests the requests in flight,
/// and while any is unfinished a background thread tests them about once a millisecond (Horovod's background thread,
/// in small): a bucket launched early finishes during a long stretch of backward computation without other launches.</remarks>
internal static unsafe class Buckets
{
    private sealed class Pending(byte[] buffer, int count, DType dtype, ReduceOp op, nint request, int size)
    {
        public readonly int Size = size;
        public readonly byte[] Buffer = buffer;
        public readonly int Count = count;
        public readonly DType DType = dtype;
        public readonly ReduceOp Op = op;
        public nint Request = request;
        public bool Done;
    }

    private static readonly Dictionary<long, Pending> InFlight = [];
    private static readonly Dictionary<int, Stack<byte[]>> Free = [];
    private static long nextId;

    public static long Start(Tensor[] tensors, ReduceOp op, int size)
    {
        var dtype = tensors[0].DType;
        int count = 0;
        foreach (var t in tensors) count = checked(count + t.Shape.Size);
        var buffer = Rent(count * dtype.Size());
        int at = 0;
        foreach (var t in tensors)
        {
            var c = t.Contiguous();
            var bytes = Collectives.Bytes(c);
            bytes.CopyTo(buffer.AsSpan(at));
            at += bytes.Length;
            GC.KeepAlive(c);
        }
        nint request = 0;
        long id;
        bool send = size > 1 && count > 0; // one rank: the "reduced" buffer is the copy itself
        lock (MpiRuntime.Lock)
        {
            var m = send ? MpiRuntime.Live("MPI_Iallreduce") : null;
            if (m is not null)
                MpiRuntime.Check(m.Iallreduce(Native.OpenMpi.InPlace, Address(buffer), count, Collectives.TypeOf(m, dtype), Collectives.OpOf(m, op), m.CommWorld, &request), "MPI_Iallreduce");
            id = ++nextId;
            InFlight[id] = new Pending(buffer, count, dtype, op, request, size) { Done = !send };
            if (m is not null) Progress(m);
        }
        if (send) WakeProgressThread();
        return id;
    }

    private static readonly SemaphoreSlim Wake = new(0);
    private static Thread? progressThread;

    private static void WakeProgressThread()
    {
        if (progressThread is null)
            lock (Wake)
                if (progressThread is null)
                {
                    progressThread = new Thread(ProgressLoop) { IsBackground = true, Name = "Eager MPI progress" };
                    progressThread.Start();
                }
        Wake.Release();
    }

    private static void ProgressLoop()
    {
        while (true)
        {
            Wake.Wait();
            while (true)
            {
                lock (MpiRuntime.Lock)
                {
                    if (!MpiRuntime.IsLive) return;
                    Progress(MpiRuntime.Live("MPI_Test"));
                    if (InFlight.Values.All(p => p.Done)) break;
                }
                Thread.Sleep(1);
            }
        }
    }

    public static Tensor[] Wait(long id, TensorSpec[] specs)
    {
        Pending p;
        lock (MpiRuntime.Lock)
        {
            if (!InFlight.Remove(id, out p!))
                throw new InvalidOperationException($"{DistributedOps.AllReduceWaitName}: no all-reduce {id} is in flight (each start is waited for once).");
            if (!p.Done)
            {
                var m = MpiRuntime.Live("MPI_Wait");
                fixed (nint* r = &p.Request)
                    MpiRuntime.Check(m.Wait(r, 0), "MPI_Wait");
            }
        }
        long total = specs.Sum(s => (long)s.Shape.Size);
        if (total != p.Count || specs.Any(s => s.DType != p.DType))
        {
            Return(p.Buffer);
            throw new InvalidOperationException($"{DistributedOps.AllReduceWaitName}: all-reduce {id} holds {p.Count} {p.DType.Name()} elements; " +
                $"the wait asks for {total} as [{string.Join(", ", specs.Select(s => s.DType.Name() + s.Shape))}].");
        }
        var results = new Tensor[specs.Length];
        int at = 0;
        for (int i = 0; i < specs.Length; i++)
        {
            var r = Tensor.Empty(specs[i].Shape, p.DType);
            var dst = Collectives.Bytes(r);
            p.Buffer.AsSpan(at, dst.Length).CopyTo(dst);
            if (p.Op == ReduceOp.Mean && p.Size > 1) Collectives.DivideInPlace(dst, p.DType, p.Size);
            at += dst.Length;
            results[i] = r;
        }
        Return(p.Buffer);
        return results;
    }

    /// <summary>Lets MPI move the requests in flight along (caller holds the MPI lock).</summary>
    private static void Progress(Native.OpenMpi m)
    {
        foreach (var p in InFlight.Values)
        {
            if (p.Done) continue;
            int flag = 0;
            fixed (nint* r = &p.Request)
                MpiRuntime.Check(m.Test(r, &flag, 0), "MPI_Test");
            p.Done = flag != 0;
        }
    }

    private static nint Address(byte[] pinned) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private static byte[] Rent(int bytes)
    {
        lock (Free)
            if (Free.TryGetValue(bytes, out var s) && s.Count > 0) return s.Pop();
        // On the pinned object heap: MPI keeps the address until the request completes.
        return GC.AllocateUninitializedArray<byte>(Math.Max(bytes, 1), pinned: true);
    }

    private static void Return(byte[] buffer)
    {
        lock (Free)
        {
            if (!Free.TryGetValue(buffer.Length, out var s)) Free[buffer.Length] = s = new Stack<byte[]>();
            s.Push(buffer);
        }
    }
}
