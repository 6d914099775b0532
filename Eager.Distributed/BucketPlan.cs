namespace Eager.Distributed;

/// <summary>
/// One step's gradient buckets: variables from the last back, cut at about the bucket size and at dtype changes. A
/// bucket is launched once all its gradients are in and every earlier bucket has been launched, so all ranks start the
/// same all-reduces in the same order whatever order the gradients arrive in. A missing (null) gradient travels as zeros,
/// so the buffers line up on every rank, and comes back as null.
/// </summary>
internal sealed class BucketPlan
{
    private readonly IReadOnlyList<Variable> variables;
    private readonly List<int[]> buckets = [];
    private readonly int[] bucketOf;
    private readonly int[] missing;
    private readonly Tensor?[] gradients; // until their bucket is launched
    private readonly bool[] hasGradient;
    private readonly Attrs?[] waitAttrs;
    private readonly Tensor?[] handles;
    private readonly Graph? graph;
    private Operation? lastStart;
    private int launched;

    public BucketPlan(IReadOnlyList<Variable> variables, int bucketBytes)
    {
        this.variables = variables;
        Order = [.. Enumerable.Range(0, variables.Count).Reverse()];
        bucketOf = new int[variables.Count];
        var current = new List<int>();
        long bytes = 0;
        foreach (int i in Order)
        {
            var v = variables[i];
            long size = (long)Math.Max(0, v.Shape.Size) * v.DType.Size();
            if (current.Count > 0 && (bytes + size > bucketBytes || variables[current[0]].DType != v.DType))
            {
                buckets.Add([.. current]);
                current.Clear();
                bytes = 0;
            }
            current.Add(i);
            bytes += size;
            bucketOf[i] = buckets.Count;
        }
        if (current.Count > 0) buckets.Add([.. current]);
        missing = [.. buckets.Select(b => b.Length)];
        gradients = new Tensor?[variables.Count];
        hasGradient = new bool[variables.Count];
        waitAttrs = new Attrs?[buckets.Count];
        handles = new Tensor?[buckets.Count];
        // Traces keep stateful nodes in program order themselves, a TF1 graph only with explicit control dependencies.
        graph = Graph.Current;
    }

    /// <summary>The variable indices in bucket order (last variable first).</summary>
    public int[] Order { get; }

    /// <summary>Takes variable <paramref name="index"/>'s final gradient and launches every bucket that is now complete.</summary>
    public void Ready(int index, Tensor? gradient)
    {
        gradients[index] = gradient;
        hasGradient[index] = gradient is not null;
        missing[bucketOf[index]]--;
        while (launched < buckets.Count && missing[launched] == 0) Launch(launched++);
    }

    /// <summary>Waits for every bucket and returns the averaged gradients, by variable index.</summary>
    public Tensor?[] Finish()
    {
        while (launched < buckets.Count) Launch(launched++);
        var result = new Tensor?[variables.Count];
        using (GradientTape.NoGradient())
            for (int b = 0; b < buckets.Count; b++)
            {
                var averaged = Dispatcher.Apply(DistributedOps.AllReduceWait, [handles[b]!], waitAttrs[b]!);
                for (int k = 0; k < buckets[b].Length; k++)
                {
                    int i = buckets[b][k];
                    result[i] = hasGradient[i] ? averaged[k] : null;
                }
            }
        return result;
    }

    private void Launch(int b)
    {
        var members = buckets[b];
        var parts = new Tensor[members.Length];
        for (int k = 0; k < members.Length; k++)
        {
            var v = variables[members[k]];
            parts[k] = gradients[members[k]] ?? Tensor.Zeros(v.Shape, v.DType);
            gradients[members[k]] = null;
        }
        waitAttrs[b] = DistributedOps.WaitAttrs(parts); // shapes only: the gradients may die once copied
        using (GradientTape.NoGradient())
        using (graph is not null && lastStart is { } prev ? graph.ControlDependencies(prev) : null)
        {
            var handle = Dispatcher.Apply1(DistributedOps.AllReduceStart, DistributedOps.ReductionAttrs(ReduceOp.Mean), parts);
            handles[b] = handle;
            if (handle.IsSymbolic) lastStart = handle.Op;
        }
    }
}
