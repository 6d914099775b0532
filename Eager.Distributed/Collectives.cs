using System.Runtime.InteropServices;
using Eager.Distributed.Native;

namespace Eager.Distributed;

/// <summary>How <see cref="Communicator.AllReduce"/> combines the ranks' tensors.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum over ranks.</summary>
    Sum,
    /// <summary>The sum divided by the number of ranks (integer dtypes truncate, as integer division does).</summary>
    Mean,
    /// <summary>The element-wise maximum over ranks.</summary>
    Max,
}

/// <summary>
/// The collectives on concrete tensors, called by the ops' kernels. Each reads its input where it lies (a
/// contiguous tensor's pooled buffer) and has MPI write the result straight into a fresh pooled tensor: no staging copies.
/// </summary>
internal static unsafe class Collectives
{
    public static Tensor AllReduce(Tensor x, ReduceOp op, int size)
    {
        if (size == 1) return x;
        var src = x.Contiguous();
        var dst = Tensor.Empty(x.Shape, x.DType);
        int count = x.Shape.Size;
        if (count > 0)
            lock (MpiRuntime.Lock)
            {
                var m = MpiRuntime.Live("MPI_Allreduce");
                fixed (byte* s = Bytes(src), d = Bytes(dst))
                    MpiRuntime.Check(m.Allreduce((nint)s, (nint)d, count, TypeOf(m, x.DType), OpOf(m, op), m.CommWorld), "MPI_Allreduce");
            }
        GC.KeepAlive(src);
        if (op == ReduceOp.Mean) DivideInPlace(Bytes(dst), x.DType, size);
        GC.KeepAlive(dst);
        return dst;
    }

    /// <summary>MPI_IN_PLACE on the caller's own contiguous buffer: nothing allocated, nothing copied.</summary>
    public static void AllReduceInPlace(Tensor buffer, ReduceOp op, int size)
    {
        if (size == 1) return;
        int count = buffer.Shape.Size;
        if (count > 0)
            lock (MpiRuntime.Lock)
            {
                var m = MpiRuntime.Live("MPI_Allreduce");
                fixed (byte* d = Bytes(buffer))
                    MpiRuntime.Check(m.Allreduce(Native.OpenMpi.InPlace, (nint)d, count, TypeOf(m, buffer.DType), OpOf(m, op), m.CommWorld), "MPI_Allreduce");
            }
        if (op == ReduceOp.Mean) DivideInPlace(Bytes(buffer), buffer.DType, size);
        GC.KeepAlive(buffer);
    }

    public static Tensor Broadcast(Tensor x, int root, int rank, int size)
    {
        if (size == 1) return x;
        // The root sends straight from its own tensor; the others receive into a fresh one.
        var buffer = rank == root ? x.Contiguous() : Tensor.Empty(x.Shape, x.DType);
        int count = x.Shape.Size * ElementBytes(x.DType);
        if (count > 0)
            lock (MpiRuntime.Lock)
            {
                var m = MpiRuntime.Live("MPI_Bcast");
                fixed (byte* p = Bytes(buffer))
                    MpiRuntime.Check(m.Bcast((nint)p, count, m.Byte, root, m.CommWorld), "MPI_Bcast");
            }
        GC.KeepAlive(buffer);
        return buffer;
    }

    /// <summary>Concatenates every rank's tensor along axis 0 in rank order (a scalar counts as one row); ranks may give
    /// different numbers of rows but must agree on the rest of the shape.</summary>
    public static Tensor AllGather(Tensor x, int rank, int size)
    {
        var rowShape = x.Rank == 0 ? [] : x.Shape.ToArray()[1..];
        int rows = x.Rank == 0 ? 1 : x.Shape[0];
        int rowBytes = rowShape.Aggregate(1, (a, b) => a * b) * ElementBytes(x.DType);
        if (size == 1) return x.Rank == 0 ? x.Reshape(1) : x;
        var mine = stackalloc int[3] { x.Rank, rowBytes, rows };
        var all = new int[3 * size];
        lock (MpiRuntime.Lock)
        {
            var m = MpiRuntime.Live("MPI_Allgather");
            fixed (int* a = all)
                MpiRuntime.Check(m.Allgather((nint)mine, 3, m.Int32, (nint)a, 3, m.Int32, m.CommWorld), "MPI_Allgather");
        }
        var counts = new int[size];
        var offsets = new int[size];
        int total = 0;
        for (int r = 0; r < size; r++)
        {
            if (all[3 * r] != x.Rank || all[3 * r + 1] != rowBytes)
                throw new ArgumentException($"Communicator.AllGather: rank {r} gives a rank-{all[3 * r]} tensor of {all[3 * r + 1]} bytes per row, this rank a " +
                    $"{x.DType.Name()}{x.Shape} ({rowBytes} bytes per row); every rank must agree on all but the first dimension.");
            counts[r] = all[3 * r + 2] * rowBytes;
            offsets[r] = total;
            total = checked(total + counts[r]);
        }
        int totalRows = 0;
        for (int r = 0; r < size; r++) totalRows += all[3 * r + 2];
        var src = x.Contiguous();
        var dst = Tensor.Empty(new Shape([totalRows, .. rowShape]), x.DType);
        lock (MpiRuntime.Lock)
        {
            var m = MpiRuntime.Live("MPI_Allgatherv");
            fixed (byte* s = Bytes(src), d = Bytes(dst))
            fixed (int* c = counts, o = offsets)
                MpiRuntime.Check(m.Allgatherv((nint)s, counts[rank], m.Byte, (nint)d, c, o, m.Byte, m.CommWorld), "MPI_Allgatherv");
        }
        GC.KeepAlive(src);
        GC.KeepAlive(dst);
        return dst;
    }

    /// <summary>Reduces over ranks and gives rank r its block of rows along axis 0: the rows split as evenly as possible,
    /// the first (rows mod size) ranks taking one more.</summary>
    public static Tensor ReduceScatter(Tensor x, ReduceOp op, int rank, int size)
    {
        if (size == 1) return x;
        var (_, rows) = Split(x.Shape[0], size);
        int rowSize = x.Shape.Size / Math.Max(1, x.Shape[0]);
        var counts = rows.Select(r => r * rowSize).ToArray();
        var src = x.Contiguous();
        var dst = Tensor.Empty(new Shape([rows[rank], .. x.Shape.ToArray()[1..]]), x.DType);
        if (x.Shape.Size > 0)
            lock (MpiRuntime.Lock)
            {
                var m = MpiRuntime.Live("MPI_Reduce_scatter");
                fixed (byte* s = Bytes(src), d = Bytes(dst))
                fixed (int* c = counts)
                    MpiRuntime.Check(m.ReduceScatter((nint)s, (nint)d, c, TypeOf(m, x.DType), OpOf(m, op), m.CommWorld), "MPI_Reduce_scatter");
            }
        GC.KeepAlive(src);
        if (op == ReduceOp.Mean) DivideInPlace(Bytes(dst), x.DType, size);
        GC.KeepAlive(dst);
        return dst;
    }

    /// <summary>The first row and the row count of each rank's block when <paramref name="n"/> rows split over <paramref name="size"/> ranks.</summary>
    public static (int[] Starts, int[] Rows) Split(int n, int size)
    {
        var starts = new int[size];
        var rows = new int[size];
        for (int r = 0, at = 0; r < size; r++)
        {
            rows[r] = n / size + (r < n % size ? 1 : 0);
            starts[r] = at;
            at += rows[r];
        }
        return (starts, rows);
    }

    /// <summary>The bytes of a contiguous tensor, for pinning.</summary>
    public static Span<byte> Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.AsSpan<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(t.AsSpan<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(t.AsSpan<int>()),
        DType.Int64 => MemoryMarshal.AsBytes(t.AsSpan<long>()),
        DType.Bool => MemoryMarshal.AsBytes(t.AsSpan<bool>()),
        _ => throw Unsupported(t.DType, "transfer"),
    };

    public static int ElementBytes(DType d) => d.Size();

    public static nint TypeOf(OpenMpi m, DType d) => d switch
    {
        DType.Float32 => m.Float,
        DType.Float64 => m.Double,
        DType.Int32 => m.Int32,
        DType.Int64 => m.Int64,
        _ => throw Unsupported(d, "reduce"),
    };

    public static nint OpOf(OpenMpi m, ReduceOp op) => op == ReduceOp.Max ? m.OpMax : m.OpSum;

    /// <summary>Throws for a dtype that cannot be reduced (bool); called by the ops' shape inference so the error comes at the call.</summary>
    public static void CheckReducible(DType d, string op)
    {
        if (d is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.Int64))
            throw new ArgumentException($"{op}: cannot reduce a {d.Name()} tensor; reductions take float32, float64, int32 or int64.");
    }

    public static void DivideInPlace(Span<byte> bytes, DType d, int size)
    {
        switch (d)
        {
            case DType.Float32: foreach (ref var v in MemoryMarshal.Cast<byte, float>(bytes)) v /= size; break;
            case DType.Float64: foreach (ref var v in MemoryMarshal.Cast<byte, double>(bytes)) v /= size; break;
            case DType.Int32: foreach (ref var v in MemoryMarshal.Cast<byte, int>(bytes)) v /= size; break;
            case DType.Int64: foreach (ref var v in MemoryMarshal.Cast<byte, long>(bytes)) v /= size; break;
            default: throw Unsupported(d, "average");
        }
    }

    private static ArgumentException Unsupported(DType d, string what) =>
        new($"Eager.Distributed: cannot {what} a {d.Name()} tensor over MPI.");
}
