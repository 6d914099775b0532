namespace Eager.Distributed;

/// <summary>
/// The ranks of an MPI job (Open MPI's MPI_COMM_WORLD) and the collectives between them, on tensors of every numeric
/// dtype. Start the program with <c>mpirun -np N</c> (or scripts/mpirun.sh); MPI is initialised on first use of
/// <see cref="World"/> and finalised at process exit. Without mpirun the process is a job of one rank:
/// <see cref="Size"/> is 1, every collective returns its input, and libmpi is never loaded, so the same script runs alone.
/// <code>
/// var world = Communicator.World;
/// var total = world.AllReduce(Tensor.Scalar((float)world.Rank));   // 0 + 1 + ... + (Size - 1) on every rank
/// if (world.IsRoot) Console.WriteLine(total);
/// </code>
/// The collectives are ops (see <see cref="DistributedOps"/>): eagerly they run at once, inside a traced function or a
/// graph they become nodes. Every rank must call the same collectives in the same order with matching shapes.
/// </summary>
public sealed unsafe class Communicator
{
    private static readonly Lazy<Communicator> world = new(() =>
    {
        var (rank, size) = MpiRuntime.Start();
        return new Communicator(rank, size);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private Communicator(int rank, int size) => (Rank, Size) = (rank, size);

    /// <summary>Every rank of the job.</summary>
    /// <exception cref="DllNotFoundException">(on first use) the process was started by mpirun but Open MPI's libmpi.so.40 cannot be loaded.</exception>
    /// <exception cref="InvalidOperationException">(on first use) MPI would not initialise with the thread level Eager needs.</exception>
    public static Communicator World => world.Value;

    /// <summary>True when this process was started by mpirun (or another MPI launcher) as one rank of a job.</summary>
    public static bool IsLaunched => MpiRuntime.StartedByLauncher;

    /// <summary>This process's rank, 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks (1 when not started by mpirun).</summary>
    public int Size { get; }

    /// <summary>True on rank 0, the rank that alone prints progress and writes checkpoints.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Waits until every rank has called Barrier.</summary>
    public void Barrier()
    {
        if (Size == 1) return;
        lock (MpiRuntime.Lock)
        {
            var m = MpiRuntime.Live("MPI_Barrier");
            MpiRuntime.Check(m.Barrier(m.CommWorld), "MPI_Barrier");
        }
    }

    /// <summary>The element-wise sum, mean or maximum of <paramref name="x"/> over all ranks, on every rank. Every rank
    /// passes the same shape and dtype (float32, float64, int32 or int64).</summary>
    /// <exception cref="ArgumentException">x is bool.</exception>
    public Tensor AllReduce(Tensor x, ReduceOp op = ReduceOp.Sum) =>
        Dispatcher.Apply1(DistributedOps.AllReduce, DistributedOps.ReductionAttrs(op), x);

    /// <summary>
    /// Reduces <paramref name="buffer"/>'s own elements over all ranks and leaves the result in it (MPI_IN_PLACE, as
    /// PyTorch's all_reduce does): no allocation and no copy, for a loop that reuses one receive buffer. Tensors are
    /// otherwise immutable, so pass only a tensor you own and have not shared, such as one made by
    /// <see cref="Tensor.Empty"/>. Eager only; inside a traced function use <see cref="AllReduce"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is symbolic, a strided view, or bool.</exception>
    public void AllReduceInPlace(Tensor buffer, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.IsSymbolic || !buffer.IsContiguous)
            throw new ArgumentException($"Communicator.AllReduceInPlace: the buffer ({buffer.DType.Name()}{buffer.Shape}) must be a contiguous concrete tensor; use AllReduce for graph tensors and views.", nameof(buffer));
        Collectives.CheckReducible(buffer.DType, "Communicator.AllReduceInPlace");
        Collectives.AllReduceInPlace(buffer, op, Size);
    }

    /// <summary>Rank <paramref name="root"/>'s <paramref name="x"/> on every rank; the others pass a tensor of the same
    /// shape and dtype (its values are ignored).</summary>
    /// <exception cref="ArgumentOutOfRangeException">root is not a rank.</exception>
    public Tensor Broadcast(Tensor x, int root = 0) =>
        Dispatcher.Apply1(DistributedOps.Broadcast, new Attrs { { "root", root } }, x);

    /// <summary>Every rank's <paramref name="x"/> concatenated along axis 0 in rank order, on every rank (a scalar counts as
    /// one row). Ranks may give different numbers of rows; the other dimensions must agree.</summary>
    /// <exception cref="ArgumentException">Ranks disagree on dtype, rank or the dimensions after the first.</exception>
    public Tensor AllGather(Tensor x) => Dispatcher.Apply1(DistributedOps.AllGather, Attrs.Empty, x);

    /// <summary>The reduction of <paramref name="x"/> over ranks, of which rank r keeps block r of the rows (axis 0 split as
    /// evenly as possible, the first <c>rows % Size</c> ranks taking one row more). Every rank passes the same shape.</summary>
    /// <exception cref="ArgumentException">x is a scalar or bool.</exception>
    public Tensor ReduceScatter(Tensor x, ReduceOp op = ReduceOp.Sum) =>
        Dispatcher.Apply1(DistributedOps.ReduceScatter, DistributedOps.ReductionAttrs(op), x);

    /// <summary>Sets every variable to rank <paramref name="root"/>'s value, so all ranks start training from the same
    /// weights (call it after the model is built and before the first step). Runs eagerly.</summary>
    public void BroadcastVariables(IEnumerable<Variable> variables, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (Size == 1) return;
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
            foreach (var v in variables)
                v.Assign(Broadcast(v.Value, root));
    }

    /// <summary>Ends every rank of the job with <paramref name="exitCode"/> (MPI_Abort); without mpirun, exits this process.</summary>
    public void Abort(int exitCode = 1) => MpiRuntime.Abort(exitCode);

    /// <inheritdoc/>
    public override string ToString() => $"Communicator(rank {Rank} of {Size})";
}
