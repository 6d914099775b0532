namespace Eager.Tests.Core.Runtime;

/// <summary>TensorFlow 1's entry points: the per-thread default graph, the default session, InteractiveSession,
/// Eval/Run without a session argument, Close.</summary>
[TestFixture]
public class DefaultSessionTests
{
    [SetUp]
    public void Reset() => Graph.ResetDefault();

    [Test]
    public void TheDefaultGraphAlwaysExistsButOpsStayEagerOutsideAScope()
    {
        var g = Graph.Default;
        Assert.That(Graph.Default, Is.SameAs(g), "one default graph per thread until reset");
        Assert.That(Graph.Current, Is.Null, "outside every scope ops run eagerly");
        var eager = Tensor.Scalar(2f) * 3f;
        Assert.That(eager.IsSymbolic, Is.False);
        Assert.That(g.Nodes, Is.Empty);
        Graph.ResetDefault();
        Assert.That(Graph.Default, Is.Not.SameAs(g));
        Graph? other = null;
        var t = new Thread(() => other = Graph.Default);
        t.Start();
        t.Join();
        Assert.That(other, Is.Not.SameAs(Graph.Default), "each thread has its own default graph");
    }

    [Test]
    public void ANewSessionRunsTheDefaultGraph()
    {
        Tensor c;
        using (Graph.Default.AsDefault())
        {
            c = Ops.Constant(Tensor.Scalar(5f)) * Ops.Constant(Tensor.Scalar(6f));
            Assert.Throws<InvalidOperationException>(Graph.ResetDefault, "the default graph is being built");
        }
        using var sess = new Session();
        Assert.That(sess.Graph, Is.SameAs(Graph.Default));
        Assert.That(sess.Run(c).Item<float>(), Is.EqualTo(30f));
        var g = new Graph();
        using (g.AsDefault())
        {
            using var inner = new Session();
            Assert.That(inner.Graph, Is.SameAs(g), "inside a scope a new session runs the graph being built");
        }
    }

    [Test]
    public void EvalAndRunUseTheDefaultSession()
    {
        var g = new Graph();
        Tensor y;
        Operation inc;
        Variable v;
        using (g.AsDefault())
        {
            v = new Variable(Tensor.Scalar(1f), name: "v");
            inc = Ops.Group(Ops.AssignAdd(v, Tensor.Scalar(1f)));
            y = v.Read() * 2f;
        }
        var e = Assert.Throws<InvalidOperationException>(() => y.Eval());
        Assert.That(e!.Message, Does.Contain("default session"));
        Assert.Throws<InvalidOperationException>(() => inc.Run());
        using var sess = new Session(g);
        Assert.That(Session.Default, Is.Null);
        using (sess.AsDefault())
        {
            Assert.That(Session.Default, Is.SameAs(sess));
            v.Initializer!.Run();
            inc.Run();
            Assert.That(y.Eval().Item<float>(), Is.EqualTo(4f));
            Assert.That(v.Value.Item<float>(), Is.EqualTo(2f), "a graph variable reads through the default session");
        }
        Assert.That(Session.Default, Is.Null);
        var concrete = Tensor.Scalar(3f);
        Assert.That(concrete.Eval(), Is.SameAs(concrete), "a concrete tensor is its own value");
    }

    [Test]
    public void InteractiveSessionBuildsInItsGraphUntilClosed()
    {
        var sess = new InteractiveSession();
        Assert.That(Session.Default, Is.SameAs(sess));
        Assert.That(Graph.Current, Is.SameAs(Graph.Default));
        var a = Ops.Constant(Tensor.Scalar(5f));
        var b = Ops.Constant(Tensor.Scalar(6f));
        var c = a * b;
        Assert.That(c.IsSymbolic, Is.True, "ops build nodes while an InteractiveSession is open");
        Assert.That(c.Eval().Item<float>(), Is.EqualTo(30f));
        var w = new Variable(Tensor.Ones(new Shape(2)), name: "w");
        Ops.GlobalVariablesInitializer().Run();
        Assert.That(((Tensor)w * 3f).Eval().ToArray<float>(), Is.EqualTo(new[] { 3f, 3f }));
        sess.Close();
        Assert.That(sess.IsClosed, Is.True);
        Assert.That(Session.Default, Is.Null);
        Assert.That(Graph.Current, Is.Null, "closing restores eager execution");
        Assert.Throws<ObjectDisposedException>(() => sess.Run(c));
        sess.Close(); // twice is harmless
    }

    [Test]
    public void ScopesClosedOutOfOrderRemoveOnlyTheirOwnEntry()
    {
        var inner = new Graph();
        var sess = new InteractiveSession(new Graph());
        var scope = inner.AsDefault();
        sess.Close();
        Assert.That(Graph.Current, Is.SameAs(inner));
        scope.Dispose();
        Assert.That(Graph.Current, Is.Null);
    }
}
