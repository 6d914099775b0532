namespace Eager;

public sealed partial class GradientTape
{
    /// <summary>
    /// Stands for one tape's set of watched tensors. Each tensor lists the tokens of the tapes watching it
    /// (<see cref="Tensor.Watchers"/>), so asking "is x watched?" reads a field of x instead of hashing into a
    /// set of every tensor the tape has seen (that set's random probes were a third of recording an op).
    /// Tensors hold tokens, not tapes, so a long-lived tensor never keeps a tape's records alive. Emptying
    /// the set is swapping in a new token; a dead token is dropped the next time its tensor gains a watcher.
    /// </summary>
    private sealed class WatchToken
    {
        public volatile bool Live = true;
    }

    private WatchToken token = new();

    private bool IsWatched(Tensor t) => HasToken(t, token);

    private static bool HasToken(Tensor t, WatchToken k)
    {
        var w = Volatile.Read(ref t.Watchers);
        return ReferenceEquals(w, k) || (w is WatchToken[] a && Array.IndexOf(a, k) >= 0);
    }

    private void MarkWatched(Tensor t)
    {
        var k = token;
        while (true)
        {
            var w = Volatile.Read(ref t.Watchers);
            object next;
            if (w is null) next = k;
            else if (ReferenceEquals(w, k)) return;
            else if (w is WatchToken one) next = one.Live ? new[] { one, k } : k;
            else
            {
                var a = (WatchToken[])w;
                if (Array.IndexOf(a, k) >= 0) return;
                var kept = new List<WatchToken>(a.Length + 1);
                foreach (var x in a) if (x.Live) kept.Add(x);
                kept.Add(k);
                next = kept.Count == 1 ? k : kept.ToArray();
            }
            if (ReferenceEquals(Interlocked.CompareExchange(ref t.Watchers, next, w), w)) return;
        }
    }

    // Forgets every watched tensor at once.
    private void ClearWatched()
    {
        token.Live = false;
        token = new WatchToken();
    }
}
