using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Eager;

internal sealed partial class ExecutionPlan
{
    /// <summary>What parallel execution needs: each step's number of unfinished dependencies (data, control, and the
    /// previous stateful step, so stateful ops keep program order), who waits on it, each slot's reader count, and each
    /// step's input slots without repeats (computed once: a run must not allocate per step).</summary>
    internal sealed record Schedule(int[] DependencyCount, int[][] Dependents, int[] Roots, int[] Readers, bool[] Fetched, int Width, int[][] DistinctInputs);

    /// <summary>
    /// Runs ready steps on this thread and up to <see cref="Schedule.Width"/> - 1 thread-pool helpers. The calling
    /// thread alone can finish the plan, so a busy pool only costs speed, never progress. The first failure stops
    /// new steps and is rethrown after running helpers finish their current step.
    /// </summary>
    private void RunParallel(Schedule schedule, Tensor?[] slots, RunMemory memory, SessionState? state)
    {
        var pending = (int[])schedule.DependencyCount.Clone();
        var readers = (int[])schedule.Readers.Clone();
        var ready = new ConcurrentQueue<int>(schedule.Roots);
        using var available = new SemaphoreSlim(schedule.Roots.Length);
        int remaining = Steps.Length, active = 0, finished = 0;
        int helpers = Math.Min(Environment.ProcessorCount, schedule.Width) - 1;
        Exception? error = null;

        void Work()
        {
            while (Volatile.Read(ref remaining) > 0 && Volatile.Read(ref error) is null)
            {
                if (!available.Wait(20) || !ready.TryDequeue(out int i)) continue;
                try
                {
                    var step = Steps[i];
                    RunContext.AtStep(step.Name);
                    RunStep(step, slots, memory);
                    memory.Produced(step, slots);
                    foreach (var s in step.Outputs)
                        if (readers[s] == 0 && !schedule.Fetched[s]) { memory.Released(s); slots[s] = null; }
                    foreach (var s in schedule.DistinctInputs[i])
                        if (Interlocked.Decrement(ref readers[s]) == 0 && !schedule.Fetched[s]) { memory.Released(s); slots[s] = null; }
                    foreach (var d in schedule.Dependents[i])
                    {
                        if (Interlocked.Decrement(ref pending[d]) != 0) continue;
                        ready.Enqueue(d);
                        available.Release();
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref error, e, null);
                }
                if (Interlocked.Decrement(ref remaining) == 0 || Volatile.Read(ref error) is not null)
                    available.Release(helpers + 1); // wake every worker so it sees the end
            }
        }

        for (int h = 0; h < helpers; h++)
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                Interlocked.Increment(ref active);
                try
                {
                    if (Volatile.Read(ref finished) != 0) return; // started after the run ended
                    var saved = RunContext.Enter(state, Source);
                    try
                    {
                        using (Graph.EagerScope()) Work();
                    }
                    finally { RunContext.Restore(saved); }
                }
                finally { Interlocked.Decrement(ref active); }
            });
        }
        Work();
        Volatile.Write(ref finished, 1);
        // Helpers still inside a step write to this run's slots and may update variables: let them finish.
        var spin = new SpinWait();
        while (Volatile.Read(ref active) > 0) spin.SpinOnce();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Cores below which <see cref="InterOpParallelism.Auto"/> runs steps in order. Large kernels already split over
    /// every core, so on two a second step thread only makes the threads take turns: an MLP training step (784-512-512-10,
    /// batch 128) took 3.1 ms in order and 3.8-4.3 ms with inter-op parallelism; without kernel splitting the parallel
    /// schedule won (4.7 against 5.5 ms), which is what more cores than one kernel can use look like.</summary>
    internal const int MinCoresForAuto = 4;

    /// <summary>A schedule for <paramref name="steps"/> when at least two expensive steps can run at once, else null.</summary>
    internal static Schedule? PlanParallel(Step[] steps, Node[] nodes, int slotCount, int[] fetchSlots, InterOpParallelism mode)
    {
        if (mode == InterOpParallelism.Off || steps.Length < 2 || (mode == InterOpParallelism.Auto && Environment.ProcessorCount < MinCoresForAuto)) return null;
        var producer = new int[slotCount];
        Array.Fill(producer, -1);
        var stepOf = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < steps.Length; i++)
        {
            stepOf[nodes[i]] = i;
            foreach (var o in steps[i].Outputs) producer[o] = i;
        }
        var deps = new HashSet<int>[steps.Length];
        var readers = new int[slotCount];
        int lastStateful = -1;
        for (int i = 0; i < steps.Length; i++)
        {
            var d = deps[i] = [];
            foreach (var s in steps[i].Inputs.Distinct())
            {
                readers[s]++;
                if (producer[s] >= 0) d.Add(producer[s]);
            }
            foreach (var c in nodes[i].ControlInputs)
                if (stepOf.TryGetValue(c, out int ci)) d.Add(ci);
            if (steps[i].Op.IsStateful)
            {
                if (lastStateful >= 0) d.Add(lastStateful);
                lastStateful = i;
            }
        }
        // Width: the most expensive steps on one dependency level; parallel only pays when it is two or more.
        var level = new int[steps.Length];
        var heavyPerLevel = new Dictionary<int, int>();
        for (int i = 0; i < steps.Length; i++)
        {
            level[i] = deps[i].Count == 0 ? 0 : deps[i].Max(j => level[j]) + 1;
            if (IsHeavy(steps[i])) heavyPerLevel[level[i]] = heavyPerLevel.GetValueOrDefault(level[i]) + 1;
        }
        int width = heavyPerLevel.Count == 0 ? 1 : heavyPerLevel.Values.Max();
        if (mode == InterOpParallelism.Always) width = Math.Max(width, 2);
        if (width < 2) return null;
        var dependents = new List<int>[steps.Length];
        for (int i = 0; i < steps.Length; i++) dependents[i] = [];
        for (int i = 0; i < steps.Length; i++)
            foreach (var j in deps[i]) dependents[j].Add(i);
        var fetched = new bool[slotCount];
        foreach (var f in fetchSlots) fetched[f] = true;
        return new Schedule([.. deps.Select(d => d.Count)], [.. dependents.Select(l => l.ToArray())],
            [.. Enumerable.Range(0, steps.Length).Where(i => deps[i].Count == 0)], readers, fetched, width,
            [.. steps.Select(s => s.Inputs.Distinct().ToArray())]);
    }

    /// <summary>Worth a thread of its own: an output of at least 64K elements counting only its known dimensions
    /// (a free batch size does not make a small op look big), or a subgraph to run.</summary>
    private static bool IsHeavy(Step step) =>
        step.Attrs.Any(kv => kv.Value is Subgraph) ||
        step.Specs.Any(s => s.Shape.Aggregate(1L, (p, d) => d > 0 ? p * d : p) >= 1 << 16);
}
