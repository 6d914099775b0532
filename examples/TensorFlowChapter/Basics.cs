using Eager;

namespace TensorFlowChapter;

/// <summary>Section 1: ops build nodes of a graph; a Session runs them.</summary>
internal static class Basics
{
    public static void Run()
    {
        // Outside any graph scope ops run at once (TensorFlow 2's eager mode).
        var eager = Tensor.Scalar(5f) * Tensor.Scalar(6f);
        Console.WriteLine($"eager: 5 * 6 = {eager.Item<float>()}");

        // a = tf.constant(5.0); b = tf.constant(6.0); c = a * b   (in the default graph)
        Graph.ResetDefault();
        Tensor c;
        using (Graph.Default.AsDefault())
        {
            var a = Ops.Constant(Tensor.Scalar(5f), name: "a");
            var b = Ops.Constant(Tensor.Scalar(6f), name: "b");
            c = Ops.Multiply(a, b);
        }
        Console.WriteLine($"c is a graph tensor: {c.Name} {c.DType.Name()}{c.Shape}");
        Console.WriteLine(Graph.Default);

        // sess = tf.Session(); print(sess.run(c)); sess.close()
        var sess = new Session();
        float v = sess.Run(c).Item<float>();
        Console.WriteLine($"sess.run(c) = {v}");
        Check.That(v == 30f, "5 * 6 in a session");
        sess.Close();

        // with tf.Session() as sess: print(c.eval())
        using (var s = new Session())
        using (s.AsDefault())
            Check.That(c.Eval().Item<float>() == 30f, "c.eval() in the default session");

        // A graph of one's own: g = tf.Graph(); with g.as_default(): ...
        var g = new Graph();
        Tensor d;
        using (g.AsDefault()) d = Ops.Add(Ops.Constant(Tensor.From(new[] { 1f, 2f })), Ops.Constant(Tensor.From(new[] { 3f, 4f })));
        using (var gs = new Session(g)) Check.That(Check.Close(gs.Run(d).ToArray<float>(), [4f, 6f]), "a session of another graph");

        // sess = tf.InteractiveSession(): ops build nodes and Eval needs no session until Close.
        var interactive = new InteractiveSession();
        var x = Ops.Constant(Tensor.From(new[] { 1f, 2f, 3f }));
        var y = x * 2f + 1f;
        Console.WriteLine($"interactive y.eval() = [{string.Join(", ", y.Eval().ToArray<float>())}]");
        Check.That(Check.Close(y.Eval().ToArray<float>(), [3f, 5f, 7f]), "InteractiveSession Eval");
        interactive.Close();
        Check.That(Graph.Current is null, "closing the interactive session restores eager execution");
    }
}
