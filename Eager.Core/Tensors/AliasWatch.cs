namespace Eager;

/// <summary>
/// The tensors over one variable's buffer other than the variable's own: every tensor object made over a watched
/// storage registers here (reads, and views of them), weakly. While one is reachable somebody may still read the
/// buffer, so the variable must not overwrite it; once all are gone it may update in place. Only the GC can say
/// whether user code still holds a tensor, so a reference that is dead but not yet collected counts as live (the
/// update then copies, as it would without this).
/// </summary>
internal sealed class AliasWatch
{
    private readonly List<WeakReference<Tensor>> aliases = [];

    public void Add(Tensor t)
    {
        lock (aliases)
        {
            // Reuse a collected entry before growing: a variable is read every step.
            foreach (var w in aliases)
            {
                if (w.TryGetTarget(out _)) continue;
                w.SetTarget(t);
                return;
            }
            aliases.Add(new WeakReference<Tensor>(t));
        }
    }

    /// <summary>True while any tensor over the buffer other than the owner's may be reachable.</summary>
    public bool AnyAlive
    {
        get
        {
            lock (aliases)
            {
                foreach (var w in aliases)
                    if (w.TryGetTarget(out _)) return true;
                return false;
            }
        }
    }
}
