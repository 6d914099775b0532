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
}
