using Eager.NN;

namespace Eager.Distributed;

/// <summary>
/// Data-parallel training over the ranks of <see cref="Communicator.World"/> (Horovod's DistributedOptimizer): every rank
/// computes gradients on its own part of the batch, the gradients are averaged over all ranks, and the wrapped optimizer
/// applies the same average everywhere, so the weights stay equal on every rank.
/// <code>
/// var world = Communicator.World;
/// var optimizer = new DistributedOptimizer(new Adam(1e-3));
/// world.BroadcastVariables(model.TrainableVariables);                  // start from rank 0's weights
/// foreach (var batch in data.Shard(world.Size, world.Rank).Batch(32))  // each rank its part
///     optimizer.Minimize(() => loss.Call(batch[1], model.Call(batch[0], training: true)), model.TrainableVariables);
/// </code>
/// Gradients travel in buckets of about <see cref="BucketBytes"/>, variables taken from the last layer back (the order
/// the backward pass finishes them). With <see cref="Minimize"/> or <see cref="Gradient"/> each bucket's all-reduce is
/// launched (MPI_Iallreduce) the moment its last gradient is final, so it overlaps the backward pass through the earlier
/// layers. The same calls work inside a traced <c>Function</c> and in TF1 graphs, where they become
/// <see cref="DistributedOps.AllReduceStart"/> and <see cref="DistributedOps.AllReduceWait"/> nodes. With one rank
/// nothing is communicated and the wrapped optimizer runs as it is.
/// </summary>
public sealed class DistributedOptimizer
{
    /// <summary>Horovod's and PyTorch DDP's default bucket size, 25 MB.</summary>
    public const int DefaultBucketBytes = 25 << 20;

    private readonly Communicator world;

    /// <summary>Wraps <paramref name="optimizer"/>, averaging gradients over <see cref="Communicator.World"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">bucketBytes is not positive.</exception>
    public DistributedOptimizer(Optimizer optimizer, int bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(bucketBytes), $"DistributedOptimizer: bucketBytes must be positive, got {bucketBytes}.");
        Optimizer = optimizer;
        BucketBytes = bucketBytes;
        world = Communicator.World;
    }

    /// <summary>The optimizer that applies the averaged gradients (save it in checkpoints).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The size at which a bucket of gradients is closed and sent.</summary>
    public int BucketBytes { get; }

    /// <summary>The gradients of <paramref name="loss"/> averaged over all ranks, each bucket sent as soon as the backward
    /// pass has finished it. Consumes a non-persistent tape as <c>tape.Gradient</c> does.</summary>
    public Tensor?[] Gradient(GradientTape tape, Tensor loss, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(variables);
        if (world.Size == 1) return tape.Gradient(loss, variables);
        var plan = new BucketPlan(variables, BucketBytes);
        tape.Gradient(loss, variables, plan.Ready);
        return plan.Finish();
    }

    /// <summary>Averages <paramref name="gradients"/> over all ranks (all buckets launched at once) and applies them with
    /// <see cref="Optimizer"/>. Returns what <see cref="NN.Optimizer.ApplyGradients"/> returns.</summary>
    public Operation? ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"DistributedOptimizer.ApplyGradients: {gradients.Count} gradients for {variables.Count} variables; pass one gradient (or null) per variable.");
        return Optimizer.ApplyGradients(Average(gradients, variables), variables);
    }

    /// <summary>Averages gradients over all ranks without applying them (all buckets launched at once).</summary>
    public Tensor?[] Average(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (world.Size == 1) return [.. gradients];
        var plan = new BucketPlan(variables, BucketBytes);
        foreach (int i in plan.Order) plan.Ready(i, gradients[i]);
        return plan.Finish();
    }

    /// <summary>One step: the loss under a tape, gradients averaged over ranks as the backward pass finishes them, then
    /// applied. Returns this rank's loss.</summary>
    public Tensor Minimize(Func<Tensor> loss, IReadOnlyList<Variable> variables) => Optimizer.Minimize(loss, variables, Gradient);
}
