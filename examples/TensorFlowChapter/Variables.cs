using Eager;

namespace TensorFlowChapter;

/// <summary>Section 2: variables hold state per session and start when an initializer runs.</summary>
internal static class Variables
{
    public static void Run()
    {
        var g = new Graph { Seed = 1 };
        Variable weights, biases, w2, counter;
        Operation init, increment;
        using (g.AsDefault())
        {
            // weights = tf.Variable(tf.random_normal([784, 200], stddev=0.35), name="weights")
            weights = new Variable(Ops.RandomNormal(new Shape(784, 200), stddev: 0.35), name: "weights");
            // biases = tf.Variable(tf.zeros([200]), name="biases")
            biases = new Variable(Tensor.Zeros(new Shape(200)), name: "biases");
            // w2 = tf.Variable(weights.initialized_value() * 2.0, name="w2")
            w2 = new Variable(weights.InitializedValue! * 2f, name: "w2");
            counter = new Variable(Tensor.Scalar(0), name: "counter");
            increment = Ops.Group(Ops.AssignAdd(counter, Tensor.Scalar(1)));
            // init_op = tf.global_variables_initializer()
            init = Ops.GlobalVariablesInitializer();
        }

        using var sess = new Session(g);
        try
        {
            sess.Run(weights);
            Check.That(false, "reading before the initializer must fail");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"before init: {e.Message[e.Message.IndexOf("FailedPrecondition", StringComparison.Ordinal)..].Split('.')[0]}");
        }
        sess.Run(init);
        var w = sess.Run(weights).ToArray<float>();
        double sd = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Console.WriteLine($"weights {weights.Shape}: stddev {sd:F3}; biases sum {sess.Run(biases).ToArray<float>().Sum()}");
        Check.That(Math.Abs(sd - 0.35) < 0.01, "weights drawn with stddev 0.35");
        Check.That(Check.Close(sess.Run(w2).ToArray<float>()[..5], w[..5].Select(v => v * 2).ToArray()), "w2 starts at twice weights");
        for (int i = 0; i < 3; i++) sess.Run(increment);
        Check.That(sess.Run(counter).Item<int>() == 3, "the counter counted three runs");
        Console.WriteLine($"counter after three increments: {sess.Run(counter).Item<int>()}");

        // Running the initializer again draws new random values (the random op is part of the graph).
        sess.Run(init);
        Check.That(sess.Run(weights).ToArray<float>()[0] != w[0], "re-initialising redraws");

        // A second session has values of its own, and the same seeds give it the same first draw.
        using var other = new Session(g);
        other.Run(init);
        Check.That(other.Run(weights).ToArray<float>()[0] == w[0], "the seeded graph repeats its sequence in a new session");
        other.Run(increment);
        sess.Close();
        Check.That(other.Run(counter).Item<int>() == 1, "the other session's counter is its own");
        Console.WriteLine($"a second session starts over: its counter is {other.Run(counter).Item<int>()} after one increment");
    }
}
