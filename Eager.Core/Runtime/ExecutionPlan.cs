namespace Eager;

/// <summary>
/// A compiled (fetches, feeds, targets) request: the steps to run in order, each reading and writing value
/// slots. Immutable after construction, so many threads can run it at once; every run has its own slot array,
/// so concurrent runs never see each other's feeds or intermediates. An intermediate's slot is cleared after
/// its last reader, so its buffer can go back to the pool while the run continues.
/// </summary>
internal sealed partial class ExecutionPlan
{
    /// <summary>One node to run. <paramref name="Release"/>: slots dead after this step (last read, or never read and
    /// not fetched). <paramref name="OwnsOutputs"/>: fresh output buffers are the run's to free; <paramref name="RetainsInputs"/>:
    /// the op may keep its inputs beyond the run (state), so their buffers are never freed early.</summary>
    internal sealed record Step(string Name, OpDef Op, Attrs Attrs, int[] Inputs, int[] Outputs, TensorSpec[] Specs, bool InferAtRunTime, int[] Release,
        bool OwnsOutputs, bool RetainsInputs);

    internal ExecutionPlan(Graph graph, Step[] steps, int slotCount, int[] feedSlots, int[] fetchSlots, Schedule? parallel)
    {
        Graph = graph;
        Parallel = parallel;
        Steps = steps;
        SlotCount = slotCount;
        FeedSlots = feedSlots;
        FetchSlots = fetchSlots;
    }

    /// <summary>The compiled graph (pruned, rewritten and verified); useful to print in tests.</summary>
    public Graph Graph { get; }

    /// <summary>Steps in execution order.</summary>
    public Step[] Steps { get; }

    /// <summary>Number of value slots.</summary>
    public int SlotCount { get; }

    /// <summary>Slot of each feed, in request order.</summary>
    public int[] FeedSlots { get; }

    /// <summary>Slot of each fetch, in request order.</summary>
    public int[] FetchSlots { get; }

    /// <summary>The dependency schedule when independent steps run in parallel; null to run in order.</summary>
    public Schedule? Parallel { get; }

    /// <summary>The graph this plan was compiled from (the user's graph, or a control-flow subgraph): with a step's name it
    /// keys a random node's draw count in the session.</summary>
    public Graph? Source { get; set; }

    /// <summary>Runs every step with the given feed values (already validated) and returns the fetched values.
    /// <paramref name="state"/>: the session whose variable values and random draws the kernels use (a subgraph's plan runs
    /// in the state of the run that called it).</summary>
    public Tensor[] Run(Tensor[] feeds, SessionState? state)
    {
        var slots = new Tensor?[SlotCount];
        for (int i = 0; i < feeds.Length; i++) slots[FeedSlots[i]] = feeds[i];
        var saved = RunContext.Enter(state, Source);
        // Kernels may call public ops (AssignAdd adds through Ops.Add): they must run eagerly and unrecorded
        // even when the caller is building a graph or holds a tape.
        try
        {
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
        using (var memory = new RunMemory(SlotCount, sequential: Parallel is null))
        {
            if (Parallel is null)
            {
                foreach (var step in Steps)
                {
                    RunContext.AtStep(step.Name);
                    RunStep(step, slots, memory);
                    memory.Produced(step, slots);
                    foreach (var r in step.Release)
                    {
                        memory.Released(r);
                        slots[r] = null;
                    }
                }
            }
            else RunParallel(Parallel, slots, memory, state);
        }
        }
        finally
        {
            RunContext.Restore(saved);
        }
        var result = new Tensor[FetchSlots.Length];
        for (int i = 0; i < result.Length; i++) result[i] = slots[FetchSlots[i]]!;
        return result;
    }

    private static void RunStep(Step step, Tensor?[] slots, RunMemory memory)
    {
        var inputs = new Tensor[step.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = slots[step.Inputs[i]]!;
        Tensor[] outputs;
        try
        {
            // Shapes known only now (unknown dims) are validated by the op before its kernel sees them.
            if (step.InferAtRunTime) step.Op.Infer(inputs, step.Attrs);
            if (step.Op.ReusesInputBuffers) memory.OfferDyingInputs(step, slots);
            outputs = step.Op.Compute(inputs, step.Attrs);
        }
        catch (Exception e) when (e.GetType() == typeof(ArgumentException))
        {
            throw new ArgumentException($"Session.Run: node '{step.Name}' ({step.Op.Name}) failed: {e.Message}", e);
        }
        catch (Exception e) when (e.GetType() == typeof(InvalidOperationException))
        {
            throw new InvalidOperationException($"Session.Run: node '{step.Name}' ({step.Op.Name}) failed: {e.Message}", e);
        }
        finally
        {
            BufferDonation.Clear();
        }
        if (outputs.Length != step.Outputs.Length)
            throw new InvalidOperationException($"Session.Run: node '{step.Name}' ({step.Op.Name}) returned {outputs.Length} outputs; the graph says {step.Outputs.Length}.");
        for (int k = 0; k < outputs.Length; k++)
        {
            var o = outputs[k];
            var spec = step.Specs[k];
            if (o.DType != spec.DType || !spec.Shape.IsCompatibleWith(o.Shape))
                throw new InvalidOperationException($"Session.Run: node '{step.Name}' ({step.Op.Name}) produced {o.DType.Name()}{o.Shape} for output {k}; the graph says {spec.DType.Name()}{spec.Shape}.");
            slots[step.Outputs[k]] = o;
        }
    }
}
