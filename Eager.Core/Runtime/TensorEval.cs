namespace Eager;

public sealed partial class Tensor
{
    /// <summary>Runs this graph tensor in <paramref name="session"/> (TensorFlow's tensor.eval(session=...)).</summary>
    /// <exception cref="ArgumentException">The tensor is concrete or not in the session's graph, or a feed is missing or wrong.</exception>
    public Tensor Eval(Session session, FeedDict? feeds = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Run(this, feeds);
    }

    /// <summary>Runs this graph tensor in the default session (<see cref="Session.Default"/>: an <see cref="InteractiveSession"/> or
    /// a <c>session.AsDefault()</c> scope), TensorFlow's tensor.eval(). A concrete (eager) tensor already is its value and is
    /// returned as it is.</summary>
    /// <exception cref="InvalidOperationException">A graph tensor and no default session on this thread.</exception>
    public Tensor Eval(FeedDict? feeds = null)
    {
        if (!IsSymbolic) return this;
        var s = Session.Default ?? throw new InvalidOperationException(
            $"Eval: '{Name}' is a graph tensor and this thread has no default session. Use tensor.Eval(session), " +
            "'using (session.AsDefault())', or an InteractiveSession.");
        return s.Run(this, feeds);
    }
}
