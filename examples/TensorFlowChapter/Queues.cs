using Eager;

namespace TensorFlowChapter;

/// <summary>Section 4: reader threads fill a queue while the graph dequeues from it.</summary>
internal static class Queues
{
    public static void Run()
    {
        // q = tf.FIFOQueue(capacity=10, dtypes=[tf.float32]): no shapes, as in the chapter; the dequeue takes the shape of the
        // first enqueue built for it.
        var q = new FIFOQueue(capacity: 10, [DType.Float32], shapes: null, name: "q");
        var g = new Graph();
        Operation enqueue;
        Tensor item, doubled, size;
        using (g.AsDefault())
        {
            // enqueue_op = q.enqueue([tf.random_uniform([3])])
            enqueue = q.EnqueueOp(Ops.RandomUniform(new Shape(3), seed: 1));
            // x = q.dequeue(); y = x * 2
            item = q.DequeueOp()[0];
            doubled = item * 2f;
            size = q.SizeOp();
        }
        Console.WriteLine($"dequeued element: {item.DType.Name()}{item.Shape}");
        using var sess = new Session(g);
        // qr = tf.train.QueueRunner(q, [enqueue_op] * 2); coord = tf.train.Coordinator()
        var qr = new QueueRunner(q, enqueue, enqueue);
        var coord = new Coordinator();
        // threads = qr.create_threads(sess, coord=coord, start=True)
        var threads = qr.CreateThreads(sess, coord);
        float total = 0;
        for (int i = 0; i < 20; i++)
        {
            var v = sess.Run(doubled).ToArray<float>();
            Check.That(v.Length == 3 && v.All(e => e >= 0 && e < 2), "each element is 2 * uniform[0, 1)");
            total += v.Sum();
        }
        Console.WriteLine($"20 elements dequeued while 2 threads enqueue; mean {total / 60:F2} (about 1); queue size now {sess.Run(size).Item<int>()}");
        // coord.request_stop(); coord.join(threads)
        coord.RequestStop();
        coord.Join(threads);
        Check.That(qr.Exceptions.Count == 0, "the reader threads stopped cleanly");
        Check.That(Math.Abs(total / 60 - 1) < 0.3, "plausible uniform draws");
    }
}
