using System.Buffers;

namespace Eager;

/// <summary>
/// The memory plan of one run: which slots hold buffers the run itself created, which slots alias them (views
/// such as Reshape outputs share their input's storage), and when the last slot over a buffer dies, so the buffer
/// goes back to the pool at once instead of when the GC finds it. The next allocation of that size then gets the
/// same (cache-warm) buffer, which is how a run reuses memory along the liveness of its intermediates.
/// <para>A buffer is owned only when its step provably created it: a step whose op is not stateful and carries no
/// tensors, variables, subgraphs or delegates in its attributes (a Const's value or a variable's current value are
/// not the run's to free), and whose output shares no storage with its inputs. Inputs of stateful steps are pinned
/// for the rest of the run: an Assign or an Enqueue keeps the tensor it was given. Fetched slots never release.</para>
/// Thread-safe for the parallel executor: a slot is written by its producer before its readers start, and the
/// reference counts are updated with interlocked operations.
/// </summary>
internal sealed class RunMemory : IDisposable
{
    private const int Pinned = 1 << 28;
    private readonly int[] rootOf;
    private readonly int[] refs;
    private readonly Storage?[] owned;
    private readonly int count;

    /// <summary>Whether steps run one after another (in-place reuse needs that).</summary>
    public bool Sequential { get; }

    public RunMemory(int slotCount, bool sequential)
    {
        Sequential = sequential;
        count = slotCount;
        rootOf = ArrayPool<int>.Shared.Rent(slotCount);
        refs = ArrayPool<int>.Shared.Rent(slotCount);
        owned = ArrayPool<Storage?>.Shared.Rent(slotCount);
        rootOf.AsSpan(0, slotCount).Fill(-1);
        refs.AsSpan(0, slotCount).Clear();
    }

    private static long releasedTotal;

    /// <summary>Pooled buffers every run so far returned to the pool early (diagnostics and tests).</summary>
    public static long ReleasedTotal => Interlocked.Read(ref releasedTotal);

    /// <summary>Records the outputs <paramref name="step"/> just wrote into <paramref name="slots"/>.</summary>
    public void Produced(ExecutionPlan.Step step, Tensor?[] slots)
    {
        var outputs = step.Outputs;
        for (int k = 0; k < outputs.Length; k++)
        {
            int o = outputs[k];
            var storage = slots[o]!.Storage;
            int root = -1;
            bool alias = false;
            foreach (var j in step.Inputs)
            {
                if (!ReferenceEquals(slots[j]?.Storage, storage)) continue;
                root = rootOf[j];
                alias = true;
                break;
            }
            for (int e = 0; e < k && !alias; e++)
            {
                if (!ReferenceEquals(slots[outputs[e]]!.Storage, storage)) continue;
                root = rootOf[outputs[e]];
                alias = true;
            }
            if (!alias && step.OwnsOutputs && storage is { IsReleased: false })
            {
                root = o;
                owned[o] = storage;
            }
            if (root >= 0) Interlocked.Increment(ref refs[root]);
            rootOf[o] = root;
        }
        if (!step.RetainsInputs) return;
        foreach (var j in step.Inputs)
        {
            int r = rootOf[j];
            if (r >= 0) Interlocked.Add(ref refs[r], Pinned);
        }
    }

    /// <summary>Offers <paramref name="step"/>'s kernel the inputs it may overwrite: each dies at this step, is the only
    /// live value over a buffer this run owns, and is that whole buffer, contiguous.</summary>
    public void OfferDyingInputs(ExecutionPlan.Step step, Tensor?[] slots)
    {
        // A step's Release list names the last reader in program order; only a sequential run also finishes it last.
        if (!Sequential) return;
        foreach (var j in step.Release)
        {
            int r = rootOf[j];
            if (r < 0 || Volatile.Read(ref refs[r]) != 1 || owned[r] is not { } storage) continue;
            if (Array.IndexOf(step.Inputs, j) < 0 || slots[j] is not { } t) continue;
            if (t.Offset != 0 || !t.IsContiguous || t.Shape.Size != storage.Length) continue;
            BufferDonation.Offer(t);
        }
    }

    /// <summary>The slot's value is dead: the last slot over an owned buffer returns it to the pool.</summary>
    public void Released(int slot)
    {
        int r = rootOf[slot];
        if (r < 0 || Interlocked.Decrement(ref refs[r]) != 0) return;
        var s = Interlocked.Exchange(ref owned[r], null);
        if (s is not null && s.Release()) Interlocked.Increment(ref releasedTotal);
    }

    public void Dispose()
    {
        owned.AsSpan(0, count).Clear();
        ArrayPool<int>.Shared.Return(rootOf);
        ArrayPool<int>.Shared.Return(refs);
        ArrayPool<Storage?>.Shared.Return(owned);
    }
}
