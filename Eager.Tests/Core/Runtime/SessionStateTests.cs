namespace Eager.Tests.Core.Runtime;

/// <summary>Each Session owns the values of its graph's variables (TensorFlow 1).</summary>
[TestFixture]
public class SessionStateTests
{
    [Test]
    public void TwoSessionsOfOneGraphTrainIndependently()
    {
        var g = new Graph();
        Variable w;
        Operation init, step;
        Tensor x, loss;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1), name: "x");
            w = new Variable(Tensor.Scalar(0f), name: "w");
            loss = Ops.ReduceMean(Ops.Square(x * (Tensor)w - x * 3f));
            var grad = Ops.Gradients(loss, new[] { (Tensor)w })[0]!;
            step = Ops.Group(Ops.AssignSub(w, grad * 0.1f));
            init = Ops.GlobalVariablesInitializer();
        }
        using var a = new Session(g);
        using var b = new Session(g);
        a.Run(init);
        b.Run(init);
        var feed = new FeedDict { { x, Tensor.From(new[] { 1f, 2f }) } };
        for (int i = 0; i < 30; i++) a.Run(step, feed);
        for (int i = 0; i < 2; i++) b.Run(step, feed);
        float wa = a.Run(w).Item<float>(), wb = b.Run(w).Item<float>();
        Assert.That(wa, Is.EqualTo(3f).Within(1e-3), "session a trained to the answer");
        Assert.That(wb, Is.Not.EqualTo(wa).Within(0.1), "session b made only two steps");
        Assert.That(b.Run(loss, feed).Item<float>(), Is.GreaterThan(a.Run(loss, feed).Item<float>()));
    }

    [Test]
    public void ASecondSessionMustRunTheInitializerAndTheErrorNamesTheVariable()
    {
        var g = new Graph();
        Variable w;
        Operation init;
        Tensor y;
        using (g.AsDefault())
        {
            w = new Variable(Tensor.Ones(new Shape(2)), name: "weights");
            y = w * 2f;
            init = Ops.GlobalVariablesInitializer();
        }
        using (var first = new Session(g))
        {
            first.Run(init);
            Assert.That(first.Run(y).ToArray<float>(), Is.EqualTo(new[] { 2f, 2f }));
        }
        using var second = new Session(g);
        var e = Assert.Throws<InvalidOperationException>(() => second.Run(y));
        Assert.That(e!.Message, Does.Contain("FailedPrecondition").And.Contain("'weights'"));
        Assert.That(w.IsInitialized, Is.False, "outside a session a graph variable has no value");
        var noSession = Assert.Throws<InvalidOperationException>(() => _ = w.Value);
        Assert.That(noSession!.Message, Does.Contain("graph variable").And.Contain("weights"));
        second.Run(init);
        Assert.That(second.Run(y).ToArray<float>(), Is.EqualTo(new[] { 2f, 2f }));
    }

    [Test]
    public void CloseDropsTheValues()
    {
        var g = new Graph();
        Variable w;
        Operation init;
        using (g.AsDefault())
        {
            w = new Variable(Tensor.Zeros(new Shape(256)), name: "w");
            init = Ops.GlobalVariablesInitializer();
        }
        var sess = new Session(g);
        sess.Run(init);
        using (sess.AsDefault()) Assert.That(w.IsInitialized, Is.True);
        var weak = Held(sess, w);
        sess.Close();
        Assert.That(sess.IsClosed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => sess.Run(w));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(weak.TryGetTarget(out _), Is.False, "the closed session no longer holds the variable's value");
    }

    // Not inlined, so no local keeps the value alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference<Tensor> Held(Session s, Variable v)
    {
        using (s.AsDefault()) return new WeakReference<Tensor>(v.Value);
    }

    [Test]
    public void EagerVariablesKeepTheirValueOnTheVariable()
    {
        var v = new Variable(Tensor.Scalar(1f), name: "eager");
        v.AssignAdd(Tensor.Scalar(2f));
        Assert.That(v.Value.Item<float>(), Is.EqualTo(3f));
        var f = Function.Create((Tensor x) => v.AssignAdd(x));
        f.Invoke(Tensor.Scalar(1f));
        Assert.That(v.Value.Item<float>(), Is.EqualTo(4f), "a traced function updates the eager variable itself");
    }

    [Test]
    public void ConcurrentRunsOfOneSessionShareItsValues()
    {
        var g = new Graph();
        Variable c;
        Operation inc, init;
        using (g.AsDefault())
        {
            c = new Variable(Tensor.Scalar(0L), name: "counter", trainable: false);
            inc = Ops.Group(Ops.AssignAdd(c, Tensor.Scalar(1L)));
            init = Ops.GlobalVariablesInitializer();
        }
        using var sess = new Session(g);
        sess.Run(init);
        Parallel.For(0, 4, _ => { for (int i = 0; i < 25; i++) lock (sess) sess.Run(inc); });
        Assert.That(sess.Run(c).Item<long>(), Is.EqualTo(100));
    }
}
