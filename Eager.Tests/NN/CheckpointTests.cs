using Eager.NN;

namespace Eager.Tests.NN;

public class CheckpointTests
{
    private string dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(dir = Path.Combine(Path.GetTempPath(), "eager-ckpt-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(dir, recursive: true);

    private static Sequential Model(int seed)
    {
        var m = new Sequential(new Dense(3, kernelInitializer: new GlorotUniform(seed)), new Dense(2, kernelInitializer: new GlorotUniform(seed + 1)));
        m.Build(new Shape(-1, 4));
        return m;
    }

    private static void Step(Layer m, Optimizer opt)
    {
        var x = Tensor.From(new float[,] { { 1, 2, 3, 4 }, { -1, 0, 1, 2 } });
        using var tape = new GradientTape();
        var y = m.Call(x);
        var loss = Ops.ReduceSum(y * y);
        opt.ApplyGradients(tape.Gradient(loss, m.TrainableVariables), m.TrainableVariables);
    }

    [Test]
    public void RoundTripRestoresModelAndOptimizerState()
    {
        var m = Model(1);
        var opt = new SGD(0.01, momentum: 0.9);
        Step(m, opt);
        var path = Path.Combine(dir, "a.ckpt");
        new Checkpoint(m, opt).Save(path);
        var saved = m.Variables.Select(v => v.Value.ToArray<float>()).ToList();

        var m2 = Model(7);
        var opt2 = new SGD(0.01, momentum: 0.9);
        var status = new Checkpoint(m2, opt2).Restore(path);
        Assert.That(status.IsComplete, Is.True);
        Assert.That(m2.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(saved));
        Assert.That(opt2.Iterations.Value.Item<long>(), Is.EqualTo(1));
        Assert.That(opt2.GetSlot(m2.TrainableVariables[0], "momentum").Value.ToArray<float>(),
                    Is.EqualTo(opt.GetSlot(m.TrainableVariables[0], "momentum").Value.ToArray<float>()));

        // Continuing from the restored state gives exactly what continuing the original gives.
        Step(m, opt);
        Step(m2, opt2);
        Assert.That(m2.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(m.Variables.Select(v => v.Value.ToArray<float>())));
    }

    [Test]
    public void NamesAreLayerPathsAndSlotPaths()
    {
        var m = Model(1);
        var opt = new SGD(0.1, momentum: 0.5);
        var names = new Checkpoint(m, opt).Variables().Select(kv => kv.Key).ToList();
        Assert.That(names, Is.EqualTo(new[]
        {
            "model/dense/kernel", "model/dense/bias", "model/dense_1/kernel", "model/dense_1/bias",
            "optimizer/iterations",
            "optimizer/momentum/dense/kernel", "optimizer/momentum/dense/bias", "optimizer/momentum/dense_1/kernel", "optimizer/momentum/dense_1/bias",
        }));
    }

    [Test]
    public void MissingAndUnexpectedNamesAreReported()
    {
        var path = Path.Combine(dir, "b.ckpt");
        new Checkpoint(Model(1)).Save(path);
        var bigger = new Sequential(new Dense(3), new Dense(2), new Dense(5, name: "extra"));
        bigger.Build(new Shape(-1, 4));
        var status = new Checkpoint(bigger).Restore(path);
        Assert.That(status.Missing, Is.EqualTo(new[] { "model/extra/kernel", "model/extra/bias" }));
        Assert.That(status.Unexpected, Is.Empty);
        Assert.That(status.Restored, Has.Count.EqualTo(4));

        var smaller = new Sequential(new Dense(3));
        smaller.Build(new Shape(-1, 4));
        var s2 = new Checkpoint(smaller).Restore(path);
        Assert.That(s2.Unexpected, Is.EqualTo(new[] { "model/dense_1/kernel", "model/dense_1/bias" }));

        var strictTarget = new Sequential(new Dense(3));
        strictTarget.Build(new Shape(-1, 4));
        var before = strictTarget.Variables[0].Value.ToArray<float>();
        Assert.Throws<InvalidOperationException>(() => new Checkpoint(strictTarget).Restore(path, strict: true));
        Assert.That(strictTarget.Variables[0].Value.ToArray<float>(), Is.EqualTo(before), "a refused strict restore changes nothing");
    }

    [Test]
    public void ShapeMismatchIsRefusedAndLeavesTheModelUntouched()
    {
        var path = Path.Combine(dir, "c.ckpt");
        new Checkpoint(Model(1)).Save(path);
        var other = new Sequential(new Dense(3), new Dense(6));
        other.Build(new Shape(-1, 4));
        var before = other.Variables.Select(v => v.Value.ToArray<float>()).ToList();
        var ex = Assert.Throws<InvalidOperationException>(() => new Checkpoint(other).Restore(path));
        Assert.That(ex!.Message, Does.Contain("model/dense_1/kernel").And.Contain("(3, 2)").And.Contain("(3, 6)"));
        Assert.That(other.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(before));
    }

    [Test]
    public void TruncatedFilesAreRefusedAtEveryLength()
    {
        var path = Path.Combine(dir, "d.ckpt");
        new Checkpoint(Model(1), new Adam()).Save(path);
        var bytes = File.ReadAllBytes(path);
        var target = Model(3);
        var before = target.Variables.Select(v => v.Value.ToArray<float>()).ToList();
        var cut = Path.Combine(dir, "cut.ckpt");
        for (int len = 0; len < bytes.Length; len += Math.Max(1, len / 7))
        {
            File.WriteAllBytes(cut, bytes[..len]);
            var ex = Assert.Throws<InvalidDataException>(() => new Checkpoint(target).Restore(cut), $"length {len}");
            Assert.That(ex!.Message, Does.Contain("cut.ckpt"));
        }
        Assert.That(target.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(before));
    }

    [Test]
    public void CorruptedBytesAreRefused()
    {
        var path = Path.Combine(dir, "e.ckpt");
        new Checkpoint(Model(1)).Save(path);
        var bytes = File.ReadAllBytes(path);
        var target = Model(3);
        var before = target.Variables.Select(v => v.Value.ToArray<float>()).ToList();
        var rng = new Random(5);
        var bad = Path.Combine(dir, "bad.ckpt");
        for (int trial = 0; trial < 200; trial++)
        {
            var copy = (byte[])bytes.Clone();
            int at = trial < bytes.Length ? trial : rng.Next(copy.Length);
            copy[at] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(bad, copy);
            Assert.Throws<InvalidDataException>(() => new Checkpoint(target).Restore(bad), $"flipped a bit at byte {at}");
        }
        Assert.That(target.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(before));
    }

    [Test]
    public void HeaderErrorsAreSpecific()
    {
        var p = Path.Combine(dir, "f.ckpt");
        File.WriteAllBytes(p, "NOTACKPT0000000000000000"u8.ToArray());
        Assert.That(Assert.Throws<InvalidDataException>(() => TensorFile.Read(p))!.Message, Does.Contain("magic"));
        var good = Path.Combine(dir, "g.ckpt");
        TensorFile.Write(good, [new("x", Tensor.Scalar(1f))]);
        var bytes = File.ReadAllBytes(good);
        bytes[8] = 9; // version
        File.WriteAllBytes(p, bytes);
        Assert.That(Assert.Throws<InvalidDataException>(() => TensorFile.Read(p))!.Message, Does.Contain("version 9"));
    }

    [Test]
    public void TensorFileRoundTripsEveryDType()
    {
        var p = Path.Combine(dir, "h.ckpt");
        var items = new List<KeyValuePair<string, Tensor>>
        {
            new("f32", Tensor.From(new float[,] { { 1.5f, -2 }, { 3, 4 } })),
            new("f64", Tensor.From(new[] { Math.PI })),
            new("i32", Tensor.From(new[] { 1, -2, 3 })),
            new("i64", Tensor.Scalar(1L << 40)),
            new("bool", Tensor.From(new[] { true, false })),
            new("empty", Tensor.Zeros(new Shape(0, 3))),
            new("ünïcode/name", Tensor.Scalar(7f)),
        };
        TensorFile.Write(p, items);
        var back = TensorFile.Read(p);
        Assert.That(back.Select(kv => kv.Key), Is.EqualTo(items.Select(kv => kv.Key)));
        for (int i = 0; i < items.Count; i++)
        {
            Assert.That(back[i].Value.Shape, Is.EqualTo(items[i].Value.Shape));
            Assert.That(back[i].Value.DType, Is.EqualTo(items[i].Value.DType));
            Assert.That(back[i].Value.ToDoubleArray(), Is.EqualTo(items[i].Value.ToDoubleArray()));
        }
        Assert.That(Directory.GetFiles(dir).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)), Is.Empty, "no temporary file is left");
    }

    [Test]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        var p = Path.Combine(dir, "i.ckpt");
        var t = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
        var transposed = Ops.Reshape(t, 4); // contiguous reference
        TensorFile.Write(p, [new("t", transposed)]);
        Assert.That(TensorFile.Read(p)[0].Value.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
    }

    [Test]
    public void UnbuiltModelsAndDuplicateNamesAreExplained()
    {
        Assert.Throws<InvalidOperationException>(() => new Checkpoint(new Sequential(new Dense(2))).Save(Path.Combine(dir, "x")));
        Assert.Throws<ArgumentException>(() => TensorFile.Write(Path.Combine(dir, "y"), [new("a", Tensor.Scalar(1f)), new("a", Tensor.Scalar(2f))]));
        Assert.Throws<ArgumentException>(() => TensorFile.Write(Path.Combine(dir, "y"), [new("", Tensor.Scalar(1f))]));
    }

    [Test]
    public void GraphModelsSaveAndRestoreThroughTheirSession()
    {
        var p = Path.Combine(dir, "graph.ckpt");
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 2), name: "x");
            var model = new Dense(1, kernelInitializer: new Constant(1), biasInitializer: new Constant(0.5));
            var y = model.Call(x);
            using var sess = new Session(g);
            sess.Run(Ops.GlobalVariablesInitializer());
            var feed = new FeedDict { { x, Tensor.From(new float[,] { { 1, 2 } }) } };
            Assert.That(sess.Run(y, feed).Item<float>(), Is.EqualTo(3.5f));
            // A graph variable's value belongs to a session (saver.save(sess, path)): save and restore in its default scope.
            using (sess.AsDefault()) new Checkpoint(model).Save(p);
            sess.Run(Ops.Assign(model.Kernel!, Tensor.Zeros(new Shape(2, 1))).Op);
            Assert.That(sess.Run(y, feed).Item<float>(), Is.EqualTo(0.5f));
            using (sess.AsDefault()) new Checkpoint(model).Restore(p);
            Assert.That(sess.Run(y, feed).Item<float>(), Is.EqualTo(3.5f), "the session reads the restored values");
        }
    }

    [Test]
    public void ExtraVariablesAreSavedByTheirNames()
    {
        var epoch = new Variable(Tensor.Scalar(3L), name: "epoch", trainable: false);
        var p = Path.Combine(dir, "j.ckpt");
        new Checkpoint().Add("epoch", epoch).Save(p);
        var epoch2 = new Variable(Tensor.Scalar(0L), name: "epoch", trainable: false);
        new Checkpoint().Add("epoch", epoch2).Restore(p);
        Assert.That(epoch2.Value.Item<long>(), Is.EqualTo(3));
    }
}
