namespace Eager;

/// <summary>
/// Threads that keep a queue full (TensorFlow's tf.train.QueueRunner): each thread repeats one enqueue step
/// until it is told to stop. A step that throws <see cref="OutOfRangeException"/> (its input is exhausted) or
/// <see cref="QueueClosedException"/> ends its thread quietly, and when the last thread ends this way the queue
/// is closed, so the consumer drains it and then gets OutOfRangeException. Any other exception is recorded in
/// <see cref="Exceptions"/> and passed to the coordinator, which stops everything and re-raises it at Join.
/// Without a coordinator the queue is also closed when the last thread fails. When the coordinator stops, the queue is closed with cancelPendingEnqueues so blocked producers wake.
/// </summary>
public sealed class QueueRunner
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Graph, List<QueueRunner>> ByGraph = [];
    private readonly Action[] steps;
    private readonly Operation[]? ops;
    private readonly object gate = new();
    private readonly List<Exception> exceptions = [];
    private int running;

    /// <summary>A runner with one thread per step; each step enqueues into <paramref name="queue"/> once per call,
    /// e.g. <c>() => queue.Enqueue(ReadNextExample())</c>.</summary>
    /// <exception cref="ArgumentException">No steps were given.</exception>
    public QueueRunner(QueueBase queue, params Action[] enqueueSteps)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(enqueueSteps);
        if (enqueueSteps.Length == 0 || enqueueSteps.Any(s => s is null))
            throw new ArgumentException($"QueueRunner for {queue.Name}: give at least one non-null enqueue step.", nameof(enqueueSteps));
        Queue = queue;
        steps = (Action[])enqueueSteps.Clone();
    }

    /// <summary>A runner for graph code (TensorFlow's QueueRunner(queue, [enqueue_op] * n)): one thread per op, each
    /// running its op in the Session given to <see cref="CreateThreads(Session, Coordinator?, bool)"/>.</summary>
    /// <exception cref="ArgumentException">No ops, or ops of different graphs.</exception>
    public QueueRunner(QueueBase queue, params Operation[] enqueueOps)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(enqueueOps);
        if (enqueueOps.Length == 0 || enqueueOps.Any(o => o is null))
            throw new ArgumentException($"QueueRunner for {queue.Name}: give at least one non-null enqueue op.", nameof(enqueueOps));
        if (enqueueOps.Select(o => o.Graph).Distinct().Count() > 1)
            throw new ArgumentException($"QueueRunner for {queue.Name}: the enqueue ops belong to different graphs.", nameof(enqueueOps));
        Queue = queue;
        ops = (Operation[])enqueueOps.Clone();
        steps = [];
    }

    /// <summary>The graph of the enqueue ops; null for a runner of plain steps.</summary>
    public Graph? Graph => ops?[0].Graph;

    /// <summary>The queue the steps fill.</summary>
    public QueueBase Queue { get; }

    /// <summary>Exceptions raised by the threads (other than the quiet end-of-input ones).</summary>
    public IReadOnlyList<Exception> Exceptions { get { lock (gate) return exceptions.ToArray(); } }

    /// <summary>Starts (or creates, with <paramref name="start"/> false) one background thread per step.</summary>
    /// <param name="coordinator">Stops the threads and re-raises their errors at Join; they are registered with it.</param>
    /// <param name="start">Start the threads now.</param>
    /// <exception cref="InvalidOperationException">This runner's threads from an earlier call are still running, or the
    /// runner runs graph ops (use the overload taking a Session).</exception>
    public Thread[] CreateThreads(Coordinator? coordinator = null, bool start = true)
    {
        if (ops is not null)
            throw new InvalidOperationException($"QueueRunner for {Queue.Name} runs graph ops; call CreateThreads(session, coordinator).");
        return Launch(steps, coordinator, start);
    }

    /// <summary>Starts one background thread per enqueue op, each running its op in <paramref name="session"/> until
    /// told to stop (TensorFlow's create_threads(sess, coord)).</summary>
    /// <exception cref="ArgumentException">The session runs another graph than the ops'.</exception>
    public Thread[] CreateThreads(Session session, Coordinator? coordinator = null, bool start = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (ops is null) return Launch(steps, coordinator, start);
        if (session.Graph != ops[0].Graph)
            throw new ArgumentException($"QueueRunner for {Queue.Name}: the session runs another graph than the enqueue ops'.", nameof(session));
        return Launch([.. ops.Select(op => (Action)(() => session.Run(op)))], coordinator, start);
    }

    /// <summary>Remembers a graph runner so <see cref="StartQueueRunners"/> starts it (TensorFlow's add_queue_runner).</summary>
    /// <exception cref="ArgumentException">The runner has no graph ops.</exception>
    public static void Add(QueueRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var g = runner.Graph ?? throw new ArgumentException("QueueRunner.Add: only runners of graph enqueue ops belong to a graph.", nameof(runner));
        var list = ByGraph.GetOrCreateValue(g);
        lock (list) list.Add(runner);
    }

    /// <summary>Starts every runner added for the session's graph (TensorFlow's start_queue_runners); returns all threads.</summary>
    public static Thread[] StartQueueRunners(Session session, Coordinator? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!ByGraph.TryGetValue(session.Graph, out var list)) return [];
        QueueRunner[] runners;
        lock (list) runners = [.. list];
        return [.. runners.SelectMany(r => r.CreateThreads(session, coordinator))];
    }

    private Thread[] Launch(Action[] work, Coordinator? coordinator, bool start)
    {
        lock (gate)
        {
            if (running > 0) throw new InvalidOperationException($"QueueRunner for {Queue.Name}: {running} threads are still running; join them first.");
            running = work.Length;
            exceptions.Clear();
        }
        // Closing on stop wakes producers blocked on a full queue; the registration ends with the last thread.
        var onStop = coordinator?.StopToken.Register(() => Queue.Close(cancelPendingEnqueues: true));
        var threads = new Thread[work.Length];
        for (int i = 0; i < work.Length; i++)
        {
            var step = work[i];
            threads[i] = new Thread(() => Loop(step, coordinator, onStop)) { IsBackground = true, Name = $"QueueRunner {Queue.Name} #{i}" };
            coordinator?.RegisterThread(threads[i]);
        }
        if (start) foreach (var t in threads) t.Start();
        return threads;
    }

    private void Loop(Action step, Coordinator? coordinator, CancellationTokenRegistration? onStop)
    {
        try
        {
            while (coordinator is null || !coordinator.ShouldStop)
            {
                try { step(); }
                catch (Exception e) when (e is OutOfRangeException or QueueClosedException)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            lock (gate) exceptions.Add(e);
            coordinator?.RequestStop(e);
        }
        finally
        {
            bool last;
            lock (gate) last = --running == 0;
            if (last)
            {
                // Like TensorFlow: once every thread has run out of input, close so the consumer sees the end.
                // (Also after an error without a coordinator, so the consumer is not left waiting forever.)
                Queue.Close();
                onStop?.Dispose();
            }
        }
    }
}
