namespace Eager.Distributed;

/// <summary>
/// The collectives as ops, so a traced training step or a TF1 graph can hold them. All are stateful: never folded,
/// deduplicated or pruned, and kept in program order (traces chain stateful nodes; <see cref="DistributedOptimizer"/>
/// adds control dependencies in TF1 graphs), because every rank must enter the same collectives in the same order.
/// They act on <see cref="Communicator.World"/>.
/// </summary>
public static class DistributedOps
{
    /// <summary>Op names.</summary>
    public const string AllReduceName = "MpiAllReduce", BroadcastName = "MpiBroadcast", AllGatherName = "MpiAllGather",
        ReduceScatterName = "MpiReduceScatter", AllReduceStartName = "MpiAllReduceStart", AllReduceWaitName = "MpiAllReduceWait";

    private const string NoCollectives = "communication between processes; ONNX has no collective operators (an exported model runs in one process)";

    private static Communicator World => Communicator.World;

    /// <summary>x reduced over every rank (attr "reduction": sum, mean or max). The gradient of a sum or mean is the same
    /// reduction of the incoming gradient (each rank's loss depends on every rank's x).</summary>
    public static readonly OpDef AllReduce = new(AllReduceName,
        (x, a) => { Collectives.CheckReducible(x[0].DType, AllReduceName); _ = Reduction(a); return [TensorSpec.Of(x[0])]; },
        (x, a) => [Collectives.AllReduce(x[0], Reduction(a), World.Size)])
    {
        NoOnnx = NoCollectives,
        IsStateful = true,
        KeepsInputs = false,
        Gradient = ctx => Reduction(ctx.Attrs) == ReduceOp.Max ? [null] : [Dispatcher.Apply1(AllReduce!, ctx.Attrs, ctx.Grad)],
    };

    /// <summary>Rank "root"'s x on every rank; x must have the same shape and dtype everywhere.</summary>
    public static readonly OpDef Broadcast = new(BroadcastName,
        (x, a) => { CheckRoot(a.Int("root")); return [TensorSpec.Of(x[0])]; },
        (x, a) => [Collectives.Broadcast(x[0], a.Int("root"), World.Rank, World.Size)])
    { NoOnnx = NoCollectives, IsStateful = true, KeepsInputs = false };

    /// <summary>Every rank's x concatenated along axis 0 in rank order (a scalar is one row).</summary>
    public static readonly OpDef AllGather = new(AllGatherName,
        (x, a) =>
        {
            var s = x[0].Shape;
            int rows = s.Rank == 0 ? World.Size : World.Size == 1 ? s[0] : -1;
            return [new TensorSpec(new Shape([rows, .. s.Rank == 0 ? [] : s.ToArray()[1..]]), x[0].DType)];
        },
        (x, a) => [Collectives.AllGather(x[0], World.Rank, World.Size)])
    { NoOnnx = NoCollectives, IsStateful = true, KeepsInputs = false };

    /// <summary>x reduced over ranks, of which this rank keeps its block of rows along axis 0 (blocks as even as possible,
    /// the first ranks one row larger).</summary>
    public static readonly OpDef ReduceScatter = new(ReduceScatterName,
        (x, a) =>
        {
            var s = x[0].Shape;
            Collectives.CheckReducible(x[0].DType, ReduceScatterName);
            _ = Reduction(a);
            if (s.Rank == 0) throw new ArgumentException($"{ReduceScatterName}: the input is a scalar; it needs a first dimension to split over {World.Size} ranks.");
            int rows = s[0] < 0 ? -1 : Collectives.Split(s[0], World.Size).Rows[World.Rank];
            return [new TensorSpec(new Shape([rows, .. s.ToArray()[1..]]), x[0].DType)];
        },
        (x, a) => [Collectives.ReduceScatter(x[0], Reduction(a), World.Rank, World.Size)])
    { NoOnnx = NoCollectives, IsStateful = true, KeepsInputs = false };

    /// <summary>Starts a non-blocking all-reduce of all the inputs together (one fused buffer) and returns its handle, an
    /// int64 scalar for <see cref="AllReduceWait"/>. The inputs share one dtype.</summary>
    public static readonly OpDef AllReduceStart = new(AllReduceStartName,
        (x, a) =>
        {
            if (x.Length == 0) throw new ArgumentException($"{AllReduceStartName}: give at least one tensor.");
            Collectives.CheckReducible(x[0].DType, AllReduceStartName);
            if (x.Any(t => t.DType != x[0].DType))
                throw new ArgumentException($"{AllReduceStartName}: a bucket holds one dtype, got [{string.Join(", ", x.Select(t => t.DType.Name()))}].");
            _ = Reduction(a);
            return [new TensorSpec(Shape.Scalar, DType.Int64)];
        },
        (x, a) => [Tensor.Scalar(Buckets.Start(x, Reduction(a), World.Size))])
    { NoOnnx = NoCollectives, IsStateful = true, KeepsInputs = false };

    /// <summary>Waits for the all-reduce started by <see cref="AllReduceStart"/> (its handle, the one input) and returns
    /// the reduced tensors, shaped as attrs "ranks" and "dims" say (<see cref="WaitAttrs"/>), of dtype attr "dtype". The
    /// gradients themselves are not inputs, so nothing keeps them alive while their copy is in flight.</summary>
    public static readonly OpDef AllReduceWait = new(AllReduceWaitName,
        (x, a) =>
        {
            if (x.Length != 1 || x[0].DType != DType.Int64 || x[0].Rank != 0)
                throw new ArgumentException($"{AllReduceWaitName}: the input is the int64 scalar handle returned by {AllReduceStartName}.");
            return WaitSpecs(a);
        },
        (x, a) => Buckets.Wait(x[0].Item<long>(), WaitSpecs(a)))
    { NoOnnx = NoCollectives, IsStateful = true, KeepsInputs = false };

    /// <summary>The attributes of an <see cref="AllReduceWait"/> returning tensors shaped and typed like <paramref name="like"/>.</summary>
    public static Attrs WaitAttrs(IReadOnlyList<Tensor> like)
    {
        ArgumentNullException.ThrowIfNull(like);
        if (like.Count == 0 || like.Any(t => !t.Shape.IsFullyDefined))
            throw new ArgumentException($"{AllReduceWaitName}: needs at least one tensor, each of fully known shape.");
        return new Attrs
        {
            { "dtype", (int)like[0].DType },
            { "ranks", like.Select(t => t.Rank).ToArray() },
            { "dims", like.SelectMany(t => t.Shape).ToArray() },
        };
    }

    private static TensorSpec[] WaitSpecs(Attrs a)
    {
        var dtype = (DType)a.Int("dtype");
        var ranks = a.Ints("ranks");
        var dims = a.Ints("dims");
        if (!Enum.IsDefined(dtype) || ranks.Any(r => r < 0) || ranks.Sum() != dims.Length || dims.Any(d => d < 0))
            throw new ArgumentException($"{AllReduceWaitName}: attrs dtype {(int)dtype}, ranks [{string.Join(", ", ranks)}] and {dims.Length} dims do not describe tensors.");
        var specs = new TensorSpec[ranks.Length];
        for (int i = 0, at = 0; i < ranks.Length; at += ranks[i], i++) specs[i] = new TensorSpec(new Shape(dims[at..(at + ranks[i])]), dtype);
        return specs;
    }

    internal static Attrs ReductionAttrs(ReduceOp op) => new() { { "reduction", op.ToString().ToLowerInvariant() } };

    private static ReduceOp Reduction(Attrs a) => a.String("reduction") switch
    {
        "sum" => ReduceOp.Sum,
        "mean" => ReduceOp.Mean,
        "max" => ReduceOp.Max,
        var s => throw new ArgumentException($"Mpi collectives: reduction must be sum, mean or max, got '{s}'."),
    };

    private static void CheckRoot(int root)
    {
        if (root < 0 || root >= World.Size)
            throw new ArgumentOutOfRangeException(nameof(root), $"{BroadcastName}: root rank {root} is outside [0, {World.Size}).");
    }
}
