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
    private readonly Action[] steps;
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

    /// <summary>The queue the steps fill.</summary>
    public QueueBase Queue { get; }

    /// <summary>Exceptions raised by the threads (other than the quiet end-of-input ones).</summary>
    public IReadOnlyList<Exception> Exceptions { get { lock (gate) return exceptions.ToArray(); } }

    /// <summary>Starts (or creates, with <paramref name="start"/> false) one background thread per step.</summary>
    /// <param name="coordinator">Stops the threads and re-raises their errors at Join; they are registered with it.</param>
    /// <param name="start">Start the threads now.</param>
    /// <exception cref="InvalidOperationException">This runner's threads from an earlier call are still running.</exception>
    public Thread[] CreateThreads(Coordinator? coordinator = null, bool start = true)
    {
        lock (gate)
        {
            if (running > 0) throw new InvalidOperationException($"QueueRunner for {Queue.Name}: {running} threads are still running; join them first.");
            running = steps.Length;
            exceptions.Clear();
        }
        // Closing on stop wakes producers blocked on a full queue; the registration ends with the last thread.
        var onStop = coordinator?.StopToken.Register(() => Queue.Close(cancelPendingEnqueues: true));
        var threads = new Thread[steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
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
