using Eager;

namespace TensorFlowChapter;

/// <summary>Section 3: placeholders are filled by feed_dict at run time.</summary>
internal static class Feeding
{
    public static void Run()
    {
        var g = new Graph();
        Tensor a, b, adder, x, y;
        using (g.AsDefault())
        {
            // a = tf.placeholder(tf.float32); b = tf.placeholder(tf.float32); adder_node = a + b
            a = Ops.Placeholder(DType.Float32, name: "a");
            b = Ops.Placeholder(DType.Float32, name: "b");
            adder = a + b;
            // x = tf.placeholder(tf.float32, shape=[None, 3]); y = tf.reduce_sum(x * 2, axis=1)
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            y = Ops.ReduceSum(x * 2f, axis: 1);
        }
        using var sess = new Session(g);
        // sess.run(adder_node, {a: 3, b: 4.5}); sess.run(adder_node, {a: [1, 3], b: [2, 4]})
        float s = sess.Run(adder, new FeedDict { { a, Tensor.Scalar(3f) }, { b, Tensor.Scalar(4.5f) } }).Item<float>();
        var v = sess.Run(adder, new FeedDict { { a, Tensor.From(new[] { 1f, 3f }) }, { b, Tensor.From(new[] { 2f, 4f }) } }).ToArray<float>();
        Console.WriteLine($"3 + 4.5 = {s}; [1, 3] + [2, 4] = [{string.Join(", ", v)}]");
        Check.That(s == 7.5f && Check.Close(v, [3f, 7f]), "the adder adds scalars and vectors");

        var rows = sess.Run(y, new FeedDict { { x, Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }) } }).ToArray<float>();
        Console.WriteLine($"rows of [None, 3] summed and doubled: [{string.Join(", ", rows)}]");
        Check.That(Check.Close(rows, [12f, 30f]), "a batch of any size");
        try
        {
            sess.Run(y);
            Check.That(false, "a missing feed must fail");
        }
        catch (ArgumentException e)
        {
            Console.WriteLine($"without the feed: {e.Message.Split(':')[0]}: {e.Message.Split('\'')[1]} must be fed");
        }
    }
}
